//! Reports: figures aggregated by the database (never rows loaded into Rust), for staff.
//!
//! So far: `contribution_summary`, `membership_summary`, `retention`, `trends`, `lapsed_members`,
//! donor reports, `mailing_stats`. Cohorts and CSV exports are still to come.

mod contributions;
mod donors;
mod mail;
mod memberships;

pub use contributions::{ContributionGroupBy, SummaryRow, contribution_summary};
pub use donors::{DonorRetention, DonorTotal, Lapsed, donor_retention, lapsed_donors, top_donors};
pub use mail::{MailStats, mailing_stats};
pub use memberships::{
    Interval, MembershipSummary, Retention, TrendPeriod, lapsed_members, membership_summary,
    periods, retention, trends,
};
