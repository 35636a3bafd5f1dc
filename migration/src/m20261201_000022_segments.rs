//! Segments and mailings (issue 19): tags and groups (with their history), interests and the consent
//! records behind them, saved searches, mailings with their recipient snapshots, bulk-mail opt-outs,
//! bouncing addresses, double opt-in requests and the key that signs unsubscribe links.
//!
//! The only column added to an existing table (`outbound_messages.mailing_id`) is nullable, so
//! SQLite's `ALTER TABLE` needs no default and the existing insert paths need not set it.

use sea_orm_migration::prelude::*;

use crate::exec;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every statement, in order: plain SQL that both SQLite and PostgreSQL accept (`BIGINT` ids are
/// declared per backend below).
const TABLES: &[&str] = &[
    "CREATE TABLE tags (id {PK}, name VARCHAR(100) NOT NULL, color VARCHAR(7), \
     description TEXT, created_at {TS} NOT NULL)",
    "CREATE UNIQUE INDEX ux_tags_name ON tags (name)",
    "CREATE TABLE contact_tags (tag_id BIGINT NOT NULL REFERENCES tags (id), \
     contact_id BIGINT NOT NULL REFERENCES contacts (id), created_at {TS} NOT NULL, \
     created_by VARCHAR(100) NOT NULL, PRIMARY KEY (tag_id, contact_id))",
    "CREATE INDEX ix_contact_tags_contact ON contact_tags (contact_id, tag_id)",
    "CREATE TABLE contact_groups (id {PK}, name VARCHAR(200) NOT NULL, description TEXT, \
     created_at {TS} NOT NULL)",
    "CREATE UNIQUE INDEX ux_contact_groups_name ON contact_groups (name)",
    "CREATE TABLE contact_group_members (group_id BIGINT NOT NULL REFERENCES contact_groups (id), \
     contact_id BIGINT NOT NULL REFERENCES contacts (id), added_at {TS} NOT NULL, \
     added_by VARCHAR(100) NOT NULL, PRIMARY KEY (group_id, contact_id))",
    "CREATE INDEX ix_contact_group_members_contact ON contact_group_members (contact_id, group_id)",
    "CREATE TABLE contact_group_history (id {PK}, group_id BIGINT NOT NULL REFERENCES contact_groups (id), \
     contact_id BIGINT NOT NULL REFERENCES contacts (id), action VARCHAR(16) NOT NULL, \
     actor VARCHAR(100) NOT NULL, at {TS} NOT NULL)",
    "CREATE INDEX ix_contact_group_history_contact ON contact_group_history (contact_id, id)",
    "CREATE INDEX ix_contact_group_history_group ON contact_group_history (group_id, id)",
    "CREATE TABLE interests (id {PK}, name VARCHAR(200) NOT NULL, description TEXT, \
     is_public BOOLEAN NOT NULL DEFAULT TRUE, is_active BOOLEAN NOT NULL DEFAULT TRUE, \
     created_at {TS} NOT NULL)",
    "CREATE UNIQUE INDEX ux_interests_name ON interests (name)",
    "CREATE TABLE contact_interests (contact_id BIGINT NOT NULL REFERENCES contacts (id), \
     interest_id BIGINT NOT NULL REFERENCES interests (id), created_at {TS} NOT NULL, \
     PRIMARY KEY (contact_id, interest_id))",
    "CREATE INDEX ix_contact_interests_interest ON contact_interests (interest_id, contact_id)",
    "CREATE TABLE consent_records (id {PK}, contact_id BIGINT NOT NULL REFERENCES contacts (id), \
     interest_id BIGINT REFERENCES interests (id), action VARCHAR(16) NOT NULL, \
     source VARCHAR(32) NOT NULL, wording_version VARCHAR(100) NOT NULL, actor VARCHAR(100) NOT NULL, \
     mailing_id BIGINT, created_at {TS} NOT NULL)",
    "CREATE INDEX ix_consent_records_contact ON consent_records (contact_id, id)",
    "CREATE TABLE mail_opt_outs (contact_id BIGINT NOT NULL PRIMARY KEY REFERENCES contacts (id), \
     source VARCHAR(32) NOT NULL, created_at {TS} NOT NULL)",
    "CREATE TABLE email_suppressions (email VARCHAR(320) NOT NULL PRIMARY KEY, \
     reason VARCHAR(16) NOT NULL, detail TEXT, created_at {TS} NOT NULL)",
    "CREATE TABLE saved_searches (id {PK}, name VARCHAR(200) NOT NULL, description TEXT, \
     filter TEXT NOT NULL, created_by VARCHAR(100) NOT NULL, created_at {TS} NOT NULL, \
     updated_at {TS} NOT NULL)",
    "CREATE UNIQUE INDEX ux_saved_searches_name ON saved_searches (name)",
    "CREATE TABLE mailings (id {PK}, subject VARCHAR(300) NOT NULL, text_body TEXT NOT NULL, \
     html_body TEXT NOT NULL, audience TEXT NOT NULL, status VARCHAR(16) NOT NULL, \
     scheduled_at {TS}, started_at {TS}, resolved_at {TS}, finished_at {TS}, cancelled_at {TS}, \
     recipients BIGINT NOT NULL DEFAULT 0, created_by VARCHAR(100) NOT NULL, \
     created_at {TS} NOT NULL, updated_at {TS} NOT NULL)",
    "CREATE INDEX ix_mailings_status ON mailings (status, scheduled_at)",
    "CREATE TABLE mailing_recipients (id {PK}, mailing_id BIGINT NOT NULL REFERENCES mailings (id), \
     contact_id BIGINT NOT NULL REFERENCES contacts (id), status VARCHAR(16) NOT NULL, \
     skip_reason VARCHAR(200), created_at {TS} NOT NULL, queued_at {TS})",
    "CREATE UNIQUE INDEX ux_mailing_recipients ON mailing_recipients (mailing_id, contact_id)",
    "CREATE INDEX ix_mailing_recipients_status ON mailing_recipients (mailing_id, status, id)",
    "CREATE INDEX ix_mailing_recipients_contact ON mailing_recipients (contact_id)",
    "CREATE TABLE subscription_requests (id {PK}, email VARCHAR(320) NOT NULL, \
     interest_ids TEXT NOT NULL, token_sha256 VARCHAR(64) NOT NULL, created_at {TS} NOT NULL, \
     expires_at {TS} NOT NULL, confirmed_at {TS})",
    "CREATE UNIQUE INDEX ux_subscription_requests_token ON subscription_requests (token_sha256)",
    "CREATE INDEX ix_subscription_requests_email ON subscription_requests (email, created_at)",
    "CREATE TABLE signing_keys (name VARCHAR(64) NOT NULL PRIMARY KEY, secret VARCHAR(128) NOT NULL, \
     created_at {TS} NOT NULL)",
    "ALTER TABLE outbound_messages ADD COLUMN mailing_id BIGINT",
    "CREATE INDEX ix_outbound_messages_mailing ON outbound_messages (mailing_id, status)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let (pk, ts) = match manager.get_database_backend() {
            sea_orm::DbBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ"),
            // SQLite: an INTEGER PRIMARY KEY is the rowid (64-bit); timestamps get the type name
            // sea-query gives them in the other migrations.
            _ => (
                "INTEGER PRIMARY KEY AUTOINCREMENT",
                "timestamp_with_timezone_text",
            ),
        };
        for sql in TABLES {
            exec(manager, &sql.replace("{PK}", pk).replace("{TS}", ts)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        exec(manager, "DROP INDEX ix_outbound_messages_mailing").await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("outbound_messages"))
                    .drop_column(Alias::new("mailing_id"))
                    .to_owned(),
            )
            .await?;
        for table in [
            "signing_keys",
            "subscription_requests",
            "mailing_recipients",
            "mailings",
            "saved_searches",
            "email_suppressions",
            "mail_opt_outs",
            "consent_records",
            "contact_interests",
            "interests",
            "contact_group_history",
            "contact_group_members",
            "contact_groups",
            "contact_tags",
            "tags",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
