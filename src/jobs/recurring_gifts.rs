//! `recurring-gifts`: creates each active recurring gift's contributions due on or before the date
//! (see `services::contributions::recurring`), catching up periods missed during an outage.

use chrono::NaiveDate;
use serde_json::json;

use super::JobReport;
use crate::error::AppResult;
use crate::services::contributions::recurring;
use crate::state::AppState;

pub async fn run(state: &AppState, as_of: NaiveDate) -> AppResult<JobReport> {
    let tally = recurring::run_due(state, as_of).await?;
    Ok(JobReport {
        processed: tally.gifts,
        changed: tally.created,
        details: json!({
            "contributionsCreated": tally.created,
            "giftsCompleted": tally.completed_gifts,
        }),
    })
}
