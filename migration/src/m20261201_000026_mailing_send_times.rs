//! The latest send time of a mailing's queued messages, read once per batch by `send-mailings` to
//! keep to the send rate: without an index on it, each batch read back and sorted every message
//! already queued for the mailing, so queueing slowed as the mailing grew (bench/RESULTS.md,
//! "Mailings to 100,000 contacts"). Partial: transactional mail has no mailing.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::exec(
            manager,
            "CREATE INDEX ix_outbound_messages_mailing_next ON outbound_messages \
             (mailing_id, next_attempt_at) WHERE mailing_id IS NOT NULL",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::exec(manager, "DROP INDEX ix_outbound_messages_mailing_next").await
    }
}
