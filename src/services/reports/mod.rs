//! Reports: figures aggregated by the database (never rows loaded into Rust), for staff.
//!
//! So far: `contribution_summary`, `membership_summary`, `retention`, `trends`, `lapsed_members`,
//! `cohorts`, donor reports, `mailing_stats`. CSV exports are still to come.

mod contributions;
mod donors;
mod mail;
mod memberships;

pub use contributions::{ContributionGroupBy, SummaryRow, contribution_summary};
pub use donors::{DonorRetention, DonorTotal, Lapsed, donor_retention, lapsed_donors, top_donors};
pub use mail::{MailStats, mailing_stats};
pub use memberships::{
    Cohort, Interval, MembershipSummary, Retention, TrendPeriod, cohorts, lapsed_members,
    membership_summary, periods, retention, trends,
};
