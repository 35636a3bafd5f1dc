//! PostgreSQL: compress the outbox's message bodies with lz4 instead of the default pglz.
//!
//! A rendered message (text and HTML, ~3.7 kB) is over PostgreSQL's 2 kB TOAST threshold, so every
//! queued message is compressed on insert; pglz made that the largest server-side cost of queueing
//! reminders (measured: 50,000 such rows inserted in 1.8 s with pglz, 0.75 s with lz4, and lz4's
//! table was smaller). lz4 needs PostgreSQL 14 or later built with it (Debian's and the official
//! images are); elsewhere the columns keep the default and a notice says so. SQLite: nothing to do.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000005_outbox_lz4"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        crate::exec(
            manager,
            "DO $$ BEGIN
                ALTER TABLE outbound_messages
                    ALTER COLUMN text_body SET COMPRESSION lz4,
                    ALTER COLUMN html_body SET COMPRESSION lz4;
            EXCEPTION WHEN OTHERS THEN
                RAISE NOTICE 'outbound_messages keeps the default compression: %', SQLERRM;
            END $$",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        crate::exec(
            manager,
            "DO $$ BEGIN
                ALTER TABLE outbound_messages
                    ALTER COLUMN text_body SET COMPRESSION default,
                    ALTER COLUMN html_body SET COMPRESSION default;
            EXCEPTION WHEN OTHERS THEN
                RAISE NOTICE 'outbound_messages compression unchanged: %', SQLERRM;
            END $$",
        )
        .await
    }
}
