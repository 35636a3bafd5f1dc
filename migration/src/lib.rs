//! Tessera's schema migrations. Each migration creates its tables explicitly (never from entities), so
//! the schema is reviewable and identical on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_foundation;
mod m20261124_000002_memberships;
mod m20261124_000003_mail;
mod m20261124_000004_portal;
mod m20261124_000005_outbox_lz4;
mod m20261124_000006_job_run_heartbeat;
mod m20261124_000007_email_verification;
mod m20261130_000008_outbox_secrets;
mod m20261130_000009_lists_and_search;
mod m20261130_000010_contributions;
mod m20261130_000011_prices;
mod m20261130_000012_signup_forms;
mod m20261130_000013_signups;
mod m20261130_000014_payments;
mod m20261130_000015_history_in_force;
mod m20261130_000016_report_indexes;
mod m20261201_000017_import;
mod m20261201_000018_privacy;
mod m20261201_000019_report_spans;
mod m20261201_000020_households;
mod m20261201_000021_events;
mod m20261201_000022_segments;
mod m20261201_000024_report_rollups;
mod m20261201_000025_segment_lifecycle;
mod m20261201_000026_mailing_send_times;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_foundation::Migration),
            Box::new(m20261124_000002_memberships::Migration),
            Box::new(m20261124_000003_mail::Migration),
            Box::new(m20261124_000004_portal::Migration),
            Box::new(m20261124_000005_outbox_lz4::Migration),
            Box::new(m20261124_000006_job_run_heartbeat::Migration),
            Box::new(m20261124_000007_email_verification::Migration),
            Box::new(m20261130_000008_outbox_secrets::Migration),
            Box::new(m20261130_000009_lists_and_search::Migration),
            Box::new(m20261130_000010_contributions::Migration),
            Box::new(m20261130_000011_prices::Migration),
            Box::new(m20261130_000012_signup_forms::Migration),
            Box::new(m20261130_000013_signups::Migration),
            Box::new(m20261130_000014_payments::Migration),
            Box::new(m20261130_000015_history_in_force::Migration),
            Box::new(m20261130_000016_report_indexes::Migration),
            Box::new(m20261201_000017_import::Migration),
            Box::new(m20261201_000018_privacy::Migration),
            Box::new(m20261201_000019_report_spans::Migration),
            Box::new(m20261201_000020_households::Migration),
            Box::new(m20261201_000021_events::Migration),
            Box::new(m20261201_000022_segments::Migration),
            Box::new(m20261201_000024_report_rollups::Migration),
            Box::new(m20261201_000025_segment_lifecycle::Migration),
            Box::new(m20261201_000026_mailing_send_times::Migration),
        ]
    }
}

/// Runs raw SQL that is valid on both backends (partial indexes, which sea-query does not model).
pub(crate) async fn exec(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    manager
        .get_connection()
        .execute_unprepared(sql)
        .await
        .map(|_| ())
}
