//! Reports: figures aggregated by the database (never rows loaded into Rust), for staff.
//!
//! So far: `contribution_summary`. Membership reports (summary, trends, retention, cohorts,
//! lapsed members) and CSV exports are still to come.

mod contributions;

pub use contributions::{ContributionGroupBy, SummaryRow, contribution_summary};
