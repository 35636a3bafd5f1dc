//! `send-mailings`: starts scheduled mailings that are due and queues the messages of sending
//! ones (`services::mailings::send`); `deliver-mail` sends them. The date is not used.

use serde_json::json;

use super::JobReport;
use crate::error::AppResult;
use crate::state::AppState;

pub const NAME: &str = "send-mailings";

#[tracing::instrument(skip(state))]
pub async fn run(state: &AppState) -> AppResult<JobReport> {
    let t = crate::services::mailings::send::run(state).await?;
    Ok(JobReport {
        processed: t.mailings,
        changed: t.queued as i64,
        details: json!({ "started": t.started, "mailings": t.mailings, "queued": t.queued }),
    })
}
