//! Reports: figures aggregated by the database (never rows loaded into Rust), for staff. The
//! membership reports count precomputed status timelines (`spans`).
//!
//! So far: `contribution_summary`, `membership_summary`, `retention`, `trends`, `lapsed_members`,
//! `cohorts`, donor reports, `mailing_stats`; `services::exports` writes them as CSV.

mod contributions;
mod donors;
mod mail;
mod memberships;
mod rollups;
pub mod spans;
mod trends;

pub use contributions::{ContributionGroupBy, SummaryRow, contribution_summary};
pub use donors::{DonorRetention, DonorTotal, Lapsed, donor_retention, lapsed_donors, top_donors};
pub use mail::{MailStats, mailing_stats};
pub use memberships::{
    MembershipSummary, Retention, lapsed_members, membership_summary, retention,
};
pub use trends::{Cohort, Interval, TrendPeriod, cohorts, periods, trends};

/// Brings every report's precomputed data up to date (after a bulk load).
pub async fn refresh_all(db: &sea_orm::DatabaseConnection) -> crate::error::AppResult<()> {
    spans::refresh(db).await?;
    rollups::refresh(db).await
}

/// `part ÷ whole`, or None when there is no whole (a rate of nothing is not 0 %).
pub fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// `total ÷ count`, rounded half away from zero to the minor unit (0 for no count).
pub fn average_minor(total: i64, count: i64) -> i64 {
    if count == 0 {
        return 0;
    }
    let (t, n) = (i128::from(total), i128::from(count));
    let q = (2 * t.abs() + n) / (2 * n);
    i64::try_from(if t < 0 { -q } else { q }).unwrap_or(0)
}
