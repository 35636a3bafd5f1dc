//! Two more report roll-ups (see `services::reports`), filled here from what is stored and kept in
//! step by the report refreshes from then on:
//! - join cohorts as daily change counts: per join date, +1 on the day a current span of a
//!   membership that joined then starts and -1 on the day after it ends, so the cohort table reads
//!   a few thousand rows instead of every current span of every joiner;
//! - per contact and currency, the net total of all their COMPLETED contributions (each counted at
//!   least 0): an upper bound of their giving in any range, by which `topDonors` visits donors
//!   largest first and stops once no one left can enter the list;
//! - on each contact's merged days as a member, the first day of their next ones (`next_from`), so
//!   retention looks up whether someone who left came back only for those who did come back.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "CREATE TABLE report_cohort_deltas (day DATE NOT NULL, joined_on DATE NOT NULL, \
     delta BIGINT NOT NULL, PRIMARY KEY (day, joined_on))",
    "CREATE INDEX ix_rcd_joined ON report_cohort_deltas (joined_on, day, delta)",
    "INSERT INTO report_cohort_deltas (day, joined_on, delta) \
     SELECT day, joined_on, SUM(delta) FROM ( \
     SELECT from_day AS day, joined_on, 1 AS delta FROM report_membership_spans WHERE is_current \
     UNION ALL SELECT until_day AS day, joined_on, -1 AS delta FROM report_membership_spans \
     WHERE is_current AND until_day IS NOT NULL) c \
     GROUP BY day, joined_on HAVING SUM(delta) <> 0",
    "ALTER TABLE report_member_spans ADD COLUMN next_from DATE NULL",
    "UPDATE report_member_spans SET next_from = (SELECT MIN(t.from_day) FROM report_member_spans t \
     WHERE t.contact_id = report_member_spans.contact_id \
     AND t.membership_type_id = report_member_spans.membership_type_id \
     AND t.from_day > report_member_spans.from_day) WHERE until_day IS NOT NULL",
    "CREATE INDEX ix_rcs_left ON report_member_spans \
     (until_day, from_day, membership_type_id, contact_id, next_from)",
    "DROP INDEX ix_rcs_until",
    "CREATE TABLE report_donor_totals (contact_id BIGINT NOT NULL, currency VARCHAR(3) NOT NULL, \
     bound_minor BIGINT NOT NULL, PRIMARY KEY (contact_id, currency))",
    "CREATE INDEX ix_rdt_bound ON report_donor_totals (bound_minor, contact_id, currency)",
    "INSERT INTO report_donor_totals (contact_id, currency, bound_minor) \
     SELECT contact_id, currency, CAST(SUM(CASE WHEN amount_minor > refunded_minor \
     THEN amount_minor - refunded_minor ELSE 0 END) AS BIGINT) FROM contributions \
     WHERE status = 'COMPLETED' GROUP BY contact_id, currency",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for sql in UP {
            crate::exec(manager, sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::exec(manager, "DROP TABLE report_cohort_deltas").await?;
        crate::exec(
            manager,
            "CREATE INDEX ix_rcs_until ON report_member_spans \
             (until_day, from_day, membership_type_id, contact_id)",
        )
        .await?;
        crate::exec(manager, "DROP INDEX ix_rcs_left").await?;
        crate::exec(
            manager,
            "ALTER TABLE report_member_spans DROP COLUMN next_from",
        )
        .await?;
        crate::exec(manager, "DROP TABLE report_donor_totals").await
    }
}
