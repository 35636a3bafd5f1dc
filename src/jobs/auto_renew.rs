//! `auto-renew`: renews memberships whose members opted in, a few days before they end, by charging
//! the saved card (or emailing how to pay), and retries failed charges on their schedule (see
//! `services::payments::renewals`).

use chrono::NaiveDate;
use serde_json::json;

use super::JobReport;
use crate::error::AppResult;
use crate::services::payments::renewals;
use crate::state::AppState;

pub async fn run(state: &AppState, as_of: NaiveDate) -> AppResult<JobReport> {
    let t = renewals::run(state, as_of).await?;
    Ok(JobReport {
        processed: i64::try_from(t.memberships).unwrap_or(i64::MAX),
        changed: i64::try_from(t.contributions_created + t.charged + t.failed).unwrap_or(i64::MAX),
        details: json!({
            "contributionsCreated": t.contributions_created,
            "charged": t.charged,
            "failed": t.failed,
            "emailed": t.emailed,
        }),
    })
}
