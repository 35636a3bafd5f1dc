//! `event-followups`: releases event registrations whose fee was not paid by its deadline (the
//! seats go to the waitlist) and thanks those who attended an event that ended in the last week
//! (see `services::events::job`). Works as of the clock's now; the date is not used.

use super::JobReport;
use crate::error::AppResult;
use crate::services::events::job;
use crate::state::AppState;

#[tracing::instrument(skip(state))]
pub async fn run(state: &AppState) -> AppResult<JobReport> {
    let (tally, details) = job::run(state).await?;
    Ok(JobReport {
        processed: tally.looked_at as i64,
        changed: (tally.released + tally.thanked) as i64,
        details,
    })
}
