//! Renaming, removing and archiving segments (issue 19 follow-up):
//! - `interests.archived_at`: an archived interest is no longer offered or targeted, but its
//!   consent records (which reference it) stay for auditors, so the row stays too;
//! - `contact_groups.deleted_at`: a deleted group's join and leave history references it, so the
//!   row stays (out of every list); its name is unique among live groups only, so a new group may
//!   take the name of a deleted one.
//!
//! Both columns are nullable (SQLite's `ALTER TABLE` needs no default); the partial unique index is
//! plain SQL both backends accept.

use sea_orm_migration::prelude::*;

use crate::exec;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "ALTER TABLE interests ADD COLUMN archived_at {TS}",
    "ALTER TABLE contact_groups ADD COLUMN deleted_at {TS}",
    "DROP INDEX ux_contact_groups_name",
    // A new name: on SQLite another pooled connection may still have the old index in its cached
    // schema and refuse a CREATE of the same name.
    "CREATE UNIQUE INDEX ux_contact_groups_live_name ON contact_groups (name) \
     WHERE deleted_at IS NULL",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let ts = match manager.get_database_backend() {
            sea_orm::DbBackend::Postgres => "TIMESTAMPTZ",
            // The type name sea-query gives timestamps in the other SQLite migrations.
            _ => "timestamp_with_timezone_text",
        };
        for sql in UP {
            exec(manager, &sql.replace("{TS}", ts)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Deleted groups come back on the way down (their history references them), renamed so
        // the old index, one row per name, holds.
        exec(manager, "DROP INDEX ux_contact_groups_live_name").await?;
        for sql in [
            "UPDATE contact_groups SET name = SUBSTR(name, 1, 160) || ' (deleted, ' || \
             CAST(id AS VARCHAR(20)) || ')' WHERE deleted_at IS NOT NULL",
            "CREATE UNIQUE INDEX ux_contact_groups_name ON contact_groups (name)",
        ] {
            exec(manager, sql).await?;
        }
        for (table, column) in [
            ("contact_groups", "deleted_at"),
            ("interests", "archived_at"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
