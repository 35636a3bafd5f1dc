//! One-time tokens leave the stored message bodies. An account message (password reset, invitation,
//! email verification) is stored with a placeholder where its link's token goes; the token itself sits
//! in `secret` only until the message is delivered or given up, and no API type reads that column.
//!
//! Messages queued before this migration carry their token in the body. Those already sent, failed
//! or cancelled have their bodies replaced by a note (their links were for the recipient only);
//! pending ones are left to be delivered as they are.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000008_outbox_secrets"
    }
}

#[derive(DeriveIden)]
enum OutboundMessages {
    Table,
    Secret,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OutboundMessages::Table)
                    .add_column(ColumnDef::new(OutboundMessages::Secret).text().null())
                    .to_owned(),
            )
            .await?;
        crate::exec(
            manager,
            "UPDATE outbound_messages \
             SET text_body = '[removed: this message carried a one-time link for its recipient only]', \
                 html_body = '<p>[removed: this message carried a one-time link for its recipient only]</p>' \
             WHERE template_key IN ('password-reset', 'invitation', 'verify-email') \
               AND status NOT IN ('QUEUED', 'SENDING')",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OutboundMessages::Table)
                    .drop_column(OutboundMessages::Secret)
                    .to_owned(),
            )
            .await
    }
}
