//! Indexes for the filters and sorts the lists offer, and contact search that scales.
//!
//! Search matches `contacts.search_text`, a folded copy of the names and email that the server
//! writes (lower case, accents removed), by substring per word:
//! - PostgreSQL: a trigram GIN index (`pg_trgm`) serves `LIKE '%word%'`. Creating the extension
//!   needs the CREATE privilege on the database (PostgreSQL 13+: the database owner has it); without
//!   it the migration goes on with a NOTICE and searches scan.
//! - SQLite: an FTS5 table with the trigram tokenizer over the same column, kept in step by triggers,
//!   serves the same `LIKE` patterns.
//!
//! Existing contacts get their `search_text` from the server at start-up (rows where it is NULL).

use sea_orm_migration::prelude::*;

use crate::exec;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000009_lists_and_search"
    }
}

/// Indexes both databases get.
const INDEXES: &[&str] = &[
    // Live-or-trash filters: the trash is small, so lists exclude it by this partial index.
    "CREATE INDEX ix_contacts_trash ON contacts (id) WHERE deleted_at IS NOT NULL",
    "CREATE INDEX ix_contacts_kind ON contacts (kind, id)",
    // Ordering by end date walks this (lifetime memberships last), and a contact's memberships in
    // order come from the second.
    "CREATE INDEX ix_memberships_end_key ON memberships (COALESCE(end_date, '9999-12-31'), id)",
    "CREATE INDEX ix_memberships_contact_id ON memberships (contact_id, id)",
    "CREATE INDEX ix_memberships_status_id ON memberships (status_id, id)",
    "CREATE INDEX ix_memberships_type_id ON memberships (membership_type_id, id)",
    "CREATE INDEX ix_outbound_status_id ON outbound_messages (status, id)",
    "CREATE INDEX ix_outbound_contact_id ON outbound_messages (contact_id, id)",
    "CREATE INDEX ix_outbound_created ON outbound_messages (created_at, id)",
    "CREATE INDEX ix_users_role ON users (role, id)",
    "CREATE INDEX ix_audit_actor ON audit_log (actor, id)",
    "CREATE INDEX ix_job_runs_status ON job_runs (status, id)",
];

/// Replaced by the `(…, id)` indexes above.
const SUPERSEDED: &[&str] = &[
    "ix_memberships_contact",
    "ix_memberships_status",
    "ix_memberships_type",
];

const SQLITE_SEARCH: &[&str] = &[
    "CREATE VIRTUAL TABLE contacts_search USING fts5(search_text, content='contacts', \
     content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN \
     INSERT INTO contacts_search (rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN \
     INSERT INTO contacts_search (contacts_search, rowid, search_text) \
     VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER contacts_search_update AFTER UPDATE OF search_text ON contacts BEGIN \
     INSERT INTO contacts_search (contacts_search, rowid, search_text) \
     VALUES ('delete', old.id, old.search_text); \
     INSERT INTO contacts_search (rowid, search_text) VALUES (new.id, new.search_text); END",
];

const POSTGRES_SEARCH: &str = "DO $$ BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm is unavailable (%): contact search will scan', SQLERRM;
    END;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX ix_contacts_search ON contacts USING gin (search_text gin_trgm_ops)';
    END IF;
END $$";

#[derive(DeriveIden)]
enum Contacts {
    Table,
    SearchText,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Contacts::Table)
                    .add_column(ColumnDef::new(Contacts::SearchText).text().null())
                    .to_owned(),
            )
            .await?;
        for sql in INDEXES {
            exec(manager, sql).await?;
        }
        for name in SUPERSEDED {
            exec(manager, &format!("DROP INDEX {name}")).await?;
        }
        // Contacts whose key the server has yet to write.
        exec(
            manager,
            "CREATE INDEX ix_contacts_unindexed ON contacts (id) WHERE search_text IS NULL",
        )
        .await?;
        match manager.get_database_backend() {
            sea_orm::DbBackend::Postgres => exec(manager, POSTGRES_SEARCH).await,
            _ => {
                for sql in SQLITE_SEARCH {
                    exec(manager, sql).await?;
                }
                Ok(())
            }
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DbBackend::Postgres {
            exec(manager, "DROP INDEX IF EXISTS ix_contacts_search").await?;
        } else {
            for t in ["insert", "delete", "update"] {
                exec(manager, &format!("DROP TRIGGER contacts_search_{t}")).await?;
            }
            exec(manager, "DROP TABLE contacts_search").await?;
        }
        exec(manager, "DROP INDEX ix_contacts_unindexed").await?;
        for (name, cols) in [
            ("ix_memberships_contact", "contact_id"),
            ("ix_memberships_status", "status_id"),
            ("ix_memberships_type", "membership_type_id"),
        ] {
            exec(
                manager,
                &format!("CREATE INDEX {name} ON memberships ({cols})"),
            )
            .await?;
        }
        for sql in INDEXES {
            let name = sql.split_whitespace().nth(2).unwrap_or_default();
            exec(manager, &format!("DROP INDEX {name}")).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Contacts::Table)
                    .drop_column(Contacts::SearchText)
                    .to_owned(),
            )
            .await
    }
}
