//! Reports: figures aggregated by the database (never rows loaded into Rust), for staff.
//!
//! So far: `contribution_summary`, `membership_summary`, `retention`, `trends`. Cohorts, lapsed
//! members, donor reports and CSV exports are still to come.

mod contributions;
mod memberships;

pub use contributions::{ContributionGroupBy, SummaryRow, contribution_summary};
pub use memberships::{
    Interval, MembershipSummary, Retention, TrendPeriod, lapsed_members, membership_summary,
    periods, retention, trends,
};
