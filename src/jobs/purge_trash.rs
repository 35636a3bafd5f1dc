//! `purge-trash`: erases contacts left in the trash longer than `privacy.erase_trashed_after_days`
//! (see `services::privacy::purge_trash`); does nothing while that setting is 0.

use chrono::NaiveDate;
use serde_json::json;

use super::JobReport;
use crate::error::AppResult;
use crate::services::privacy;
use crate::state::AppState;

/// Skipped contact ids listed in the report (the count is always complete).
const LISTED: usize = 100;

#[tracing::instrument(skip(state))]
pub async fn run(state: &AppState, as_of: NaiveDate) -> AppResult<JobReport> {
    let tally = privacy::purge_trash(state, as_of).await?;
    Ok(JobReport {
        processed: tally.due,
        changed: tally.erased,
        details: json!({
            "enabled": tally.enabled,
            "deletedOnOrBefore": tally.deleted_on_or_before,
            "erased": tally.erased,
            "skipped": tally.skipped.len(),
            "skippedContactIds": tally
                .skipped
                .iter()
                .take(LISTED)
                .map(i64::to_string)
                .collect::<Vec<_>>(),
        }),
    })
}
