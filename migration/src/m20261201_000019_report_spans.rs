//! The reports' status timelines (see `services::reports::spans`): per membership the spans of days
//! with one type, status and end date; per contact the merged days on which they were a current
//! member (over all types, `membership_type_id` 0, and per type); how both counts change per day;
//! the renewals; and a queue of
//! memberships whose history changed, filled by a trigger on `membership_history` so no write path
//! can forget it. For giving: each contact's years of giving (with the next year they gave, so
//! LYBUNT and SYBUNT are one indexed scan), daily totals per type, campaign, instrument and
//! currency, and a queue of contacts and days whose contributions changed (a trigger on
//! `contributions`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[(&str, &str)] = &[
    (
        "report_membership_spans",
        "membership_id BIGINT NOT NULL, contact_id BIGINT NOT NULL, membership_type_id BIGINT NOT NULL, \
         status_id BIGINT NOT NULL, is_current BOOLEAN NOT NULL, end_date DATE NULL, joined_on DATE NOT NULL, \
         from_day DATE NOT NULL, until_day DATE NULL, renewed_on DATE NULL, renewal_irregular BOOLEAN NOT NULL, \
         prev_expired_until DATE NULL",
    ),
    (
        "report_member_spans",
        "contact_id BIGINT NOT NULL, membership_type_id BIGINT NOT NULL, from_day DATE NOT NULL, \
         until_day DATE NULL",
    ),
    (
        "report_renewals",
        "membership_id BIGINT NOT NULL, contact_id BIGINT NOT NULL, membership_type_id BIGINT NOT NULL, \
         renewed_at {ts} NOT NULL, reinstated BOOLEAN NOT NULL",
    ),
    ("report_dirty", "membership_id BIGINT NOT NULL"),
    (
        "report_donor_years",
        "contact_id BIGINT NOT NULL, year INTEGER NOT NULL, next_year INTEGER NULL",
    ),
    (
        "report_giving_days",
        "day DATE NOT NULL, financial_type_id BIGINT NOT NULL, campaign_id BIGINT NOT NULL, \
         payment_instrument VARCHAR(32) NOT NULL, currency VARCHAR(3) NOT NULL, n BIGINT NOT NULL, \
         total_minor BIGINT NOT NULL",
    ),
    ("report_dirty_donors", "contact_id BIGINT NOT NULL"),
    ("report_dirty_days", "day DATE NOT NULL"),
];

const INDEXES: &[&str] = &[
    // Each report's scan reads one of these alone (covering), never the table.
    "CREATE INDEX ix_rms_membership ON report_membership_spans \
     (membership_id, status_id, from_day, until_day)",
    "CREATE INDEX ix_rms_end ON report_membership_spans (end_date, from_day, until_day, \
     membership_type_id, renewal_irregular, renewed_on, membership_id, contact_id)",
    "CREATE INDEX ix_rms_joined ON report_membership_spans \
     (joined_on, is_current, from_day, until_day, contact_id)",
    "CREATE INDEX ix_rms_status ON report_membership_spans (status_id, from_day, until_day, \
     membership_type_id, prev_expired_until, membership_id, contact_id)",
    "CREATE INDEX ix_rms_contact ON report_membership_spans (contact_id)",
    "CREATE INDEX ix_rcs_contact ON report_member_spans \
     (contact_id, membership_type_id, from_day, until_day)",
    "CREATE INDEX ix_rcs_type ON report_member_spans (membership_type_id, from_day, until_day, contact_id)",
    "CREATE INDEX ix_rcs_until ON report_member_spans (until_day, from_day, membership_type_id, contact_id)",
    "CREATE INDEX ix_rr_contact ON report_renewals (contact_id)",
    "CREATE INDEX ix_rr_membership ON report_renewals (membership_id)",
    "CREATE INDEX ix_rdy_year ON report_donor_years (year, next_year, contact_id)",
    "CREATE INDEX ix_rdy_contact ON report_donor_years (contact_id)",
    "CREATE INDEX ix_rgd_day ON report_giving_days (day)",
    "CREATE INDEX ix_rd_membership ON report_dirty (membership_id)",
    "CREATE INDEX ix_rdd_contact ON report_dirty_donors (contact_id)",
    "CREATE INDEX ix_rddays_day ON report_dirty_days (day)",
    "CREATE INDEX ix_memberships_join ON memberships (join_date, membership_type_id, contact_id)",
];

const SQLITE_TRIGGERS: &[&str] = &[
    "CREATE TRIGGER report_dirty_history AFTER INSERT ON membership_history \
     BEGIN INSERT INTO report_dirty (membership_id) VALUES (new.membership_id); END",
    "CREATE TRIGGER report_giving_insert AFTER INSERT ON contributions BEGIN \
     INSERT INTO report_dirty_donors (contact_id) VALUES (new.contact_id); \
     INSERT INTO report_dirty_days (day) VALUES (new.received_date); END",
    "CREATE TRIGGER report_giving_update AFTER UPDATE ON contributions BEGIN \
     INSERT INTO report_dirty_donors (contact_id) VALUES (old.contact_id); \
     INSERT INTO report_dirty_days (day) VALUES (old.received_date); \
     INSERT INTO report_dirty_donors (contact_id) VALUES (new.contact_id); \
     INSERT INTO report_dirty_days (day) VALUES (new.received_date); END",
    "CREATE TRIGGER report_giving_delete AFTER DELETE ON contributions BEGIN \
     INSERT INTO report_dirty_donors (contact_id) VALUES (old.contact_id); \
     INSERT INTO report_dirty_days (day) VALUES (old.received_date); END",
];

/// PostgreSQL: statement-level triggers over the transition tables, so a bulk insert (an import,
/// the status job, the demo) queues its rows in one statement instead of one call per row.
const POSTGRES_TRIGGER: &[&str] = &[
    "CREATE FUNCTION report_dirty_history() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
     INSERT INTO report_dirty (membership_id) SELECT DISTINCT membership_id FROM new_rows; \
     RETURN NULL; END $$",
    "CREATE TRIGGER report_dirty_history AFTER INSERT ON membership_history \
     REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_dirty_history()",
    "CREATE FUNCTION report_giving_new() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
     INSERT INTO report_dirty_donors (contact_id) SELECT DISTINCT contact_id FROM new_rows; \
     INSERT INTO report_dirty_days (day) SELECT DISTINCT received_date FROM new_rows; \
     RETURN NULL; END $$",
    "CREATE FUNCTION report_giving_old() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
     INSERT INTO report_dirty_donors (contact_id) SELECT DISTINCT contact_id FROM old_rows; \
     INSERT INTO report_dirty_days (day) SELECT DISTINCT received_date FROM old_rows; \
     RETURN NULL; END $$",
    "CREATE TRIGGER report_giving_insert AFTER INSERT ON contributions \
     REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_giving_new()",
    "CREATE TRIGGER report_giving_update_new AFTER UPDATE ON contributions \
     REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_giving_new()",
    "CREATE TRIGGER report_giving_update_old AFTER UPDATE ON contributions \
     REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_giving_old()",
    "CREATE TRIGGER report_giving_delete AFTER DELETE ON contributions \
     REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_giving_old()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let pg = manager.get_database_backend() == sea_orm::DbBackend::Postgres;
        let (id, ts) = if pg {
            ("id BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ")
        } else {
            ("id INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT")
        };
        for (table, columns) in TABLES {
            let columns = columns.replace("{ts}", ts);
            crate::exec(manager, &format!("CREATE TABLE {table} ({id}, {columns})")).await?;
        }
        crate::exec(
            manager,
            "CREATE TABLE report_state (key VARCHAR(64) NOT NULL PRIMARY KEY, value TEXT NOT NULL)",
        )
        .await?;
        // How the counts change on each day: +1 where a span starts, -1 where it ends, so a count on
        // D is the sum of the changes up to D (a few thousand rows, not millions of spans).
        crate::exec(
            manager,
            "CREATE TABLE report_status_deltas (day DATE NOT NULL, membership_type_id BIGINT NOT NULL, \
             status_id BIGINT NOT NULL, delta BIGINT NOT NULL, \
             PRIMARY KEY (day, membership_type_id, status_id))",
        )
        .await?;
        crate::exec(
            manager,
            "CREATE TABLE report_renewal_deltas (day DATE NOT NULL, membership_type_id BIGINT NOT NULL, \
             reinstated BIGINT NOT NULL, delta BIGINT NOT NULL, \
             PRIMARY KEY (day, membership_type_id, reinstated))",
        )
        .await?;
        crate::exec(
            manager,
            "CREATE TABLE report_member_deltas (day DATE NOT NULL, membership_type_id BIGINT NOT NULL, \
             delta BIGINT NOT NULL, PRIMARY KEY (membership_type_id, day))",
        )
        .await?;
        for sql in INDEXES {
            crate::exec(manager, sql).await?;
        }
        // Every contact and day with contributions is to be rolled up once.
        crate::exec(
            manager,
            "INSERT INTO report_dirty_donors (contact_id) SELECT DISTINCT contact_id FROM contributions",
        )
        .await?;
        crate::exec(
            manager,
            "INSERT INTO report_dirty_days (day) SELECT DISTINCT received_date FROM contributions",
        )
        .await?;
        if pg {
            for sql in POSTGRES_TRIGGER {
                crate::exec(manager, sql).await?;
            }
        } else {
            for sql in SQLITE_TRIGGERS {
                crate::exec(manager, sql).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DbBackend::Postgres {
            crate::exec(
                manager,
                "DROP TRIGGER report_dirty_history ON membership_history",
            )
            .await?;
            crate::exec(manager, "DROP FUNCTION report_dirty_history()").await?;
        } else {
            crate::exec(manager, "DROP TRIGGER report_dirty_history").await?;
        }
        for (table, _) in TABLES {
            crate::exec(manager, &format!("DROP TABLE {table}")).await?;
        }
        crate::exec(manager, "DROP INDEX ix_memberships_join").await?;
        for table in [
            "report_state",
            "report_status_deltas",
            "report_renewal_deltas",
            "report_member_deltas",
        ] {
            crate::exec(manager, &format!("DROP TABLE {table}")).await?;
        }
        Ok(())
    }
}
