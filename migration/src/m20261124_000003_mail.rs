//! The mail outbox, admin overrides of message templates, scheduled reminders, and job leases for
//! the scheduler.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::exec;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboundMessages {
    Table,
    Id,
    DedupeKey,
    TemplateKey,
    Recipient,
    Subject,
    TextBody,
    HtmlBody,
    ContactId,
    MembershipId,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedAt,
    LastError,
    SentAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MessageTemplates {
    Table,
    Id,
    Key,
    Subject,
    TextBody,
    HtmlBody,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ScheduledReminders {
    Table,
    Id,
    Name,
    TemplateKey,
    Anchor,
    OffsetAmount,
    OffsetUnit,
    Direction,
    MembershipTypeIds,
    StatusIds,
    RepeatEvery,
    RepeatUntil,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum JobLeases {
    Table,
    Name,
    Holder,
    ExpiresAt,
    LastTick,
}

#[derive(DeriveIden)]
enum MembershipTypes {
    Table,
    WelcomeTemplateKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use OutboundMessages as O;
        manager
            .create_table(
                Table::create()
                    .table(O::Table)
                    .col(big_pk_auto(O::Id))
                    .col(string_uniq(O::DedupeKey))
                    .col(string_len(O::TemplateKey, 64))
                    .col(string_null(O::Recipient))
                    .col(text(O::Subject))
                    .col(text(O::TextBody))
                    .col(text(O::HtmlBody))
                    .col(big_integer_null(O::ContactId))
                    .col(big_integer_null(O::MembershipId))
                    .col(string_len(O::Status, 16))
                    .col(integer(O::Attempts).default(0))
                    .col(timestamp_with_time_zone(O::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(O::ClaimedAt))
                    .col(text_null(O::LastError))
                    .col(timestamp_with_time_zone_null(O::SentAt))
                    .col(timestamp_with_time_zone(O::CreatedAt))
                    .col(timestamp_with_time_zone(O::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_outbound_due", "status, next_attempt_at"),
            ("ix_outbound_contact", "contact_id"),
            ("ix_outbound_template", "template_key, id"),
        ] {
            exec(
                manager,
                &format!("CREATE INDEX {name} ON outbound_messages ({cols})"),
            )
            .await?;
        }

        use MessageTemplates as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(big_pk_auto(M::Id))
                    .col(string_len_uniq(M::Key, 64))
                    .col(text(M::Subject))
                    .col(text(M::TextBody))
                    .col(text(M::HtmlBody))
                    .col(string(M::UpdatedBy))
                    .col(timestamp_with_time_zone(M::CreatedAt))
                    .col(timestamp_with_time_zone(M::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        use ScheduledReminders as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(big_pk_auto(R::Id))
                    .col(string(R::Name))
                    .col(string_len(R::TemplateKey, 64))
                    .col(string_len(R::Anchor, 24))
                    .col(integer(R::OffsetAmount).default(0))
                    .col(string_len(R::OffsetUnit, 8))
                    .col(string_len(R::Direction, 8))
                    .col(text(R::MembershipTypeIds))
                    .col(text(R::StatusIds))
                    .col(integer_null(R::RepeatEvery))
                    .col(integer_null(R::RepeatUntil))
                    .col(boolean(R::IsActive).default(true))
                    .col(timestamp_with_time_zone(R::CreatedAt))
                    .col(timestamp_with_time_zone(R::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        use JobLeases as L;
        manager
            .create_table(
                Table::create()
                    .table(L::Table)
                    .col(string_len(L::Name, 64).primary_key())
                    .col(string_null(L::Holder))
                    .col(timestamp_with_time_zone(L::ExpiresAt))
                    .col(timestamp_with_time_zone_null(L::LastTick))
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(MembershipTypes::Table)
                    .add_column(string_len_null(MembershipTypes::WelcomeTemplateKey, 64))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MembershipTypes::Table)
                    .drop_column(MembershipTypes::WelcomeTemplateKey)
                    .to_owned(),
            )
            .await?;
        for table in [
            "job_leases",
            "scheduled_reminders",
            "message_templates",
            "outbound_messages",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
