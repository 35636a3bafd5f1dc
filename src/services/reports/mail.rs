//! `mailingStats`: the messages queued from `from` to `to` (by their creation time, UTC days), by
//! template and by what became of them — aggregated by the database.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use sea_orm::FromQueryResult;

use crate::db::sql::Sql;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::access;
use crate::services::auth::Viewer;
use crate::state::AppState;

/// One template's messages.
#[derive(Clone, Debug, Default, PartialEq, Eq, FromQueryResult)]
pub struct MailStats {
    pub template_key: String,
    /// Every message created in the range.
    pub total: i64,
    /// Still waiting (QUEUED or SENDING).
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    pub cancelled: i64,
    /// To print and post.
    pub letters: i64,
}

pub async fn mailing_stats(
    state: &AppState,
    viewer: &Viewer,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<MailStats>> {
    access::require_role(viewer, Role::Staff)?;
    if to < from {
        return Err(AppError::bad_input("to", "must not be before `from`"));
    }
    let day = |d: NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default());
    let count =
        |what: &str| format!("CAST(SUM(CASE WHEN status IN ({what}) THEN 1 ELSE 0 END) AS BIGINT)");
    let mut sql = Sql::new(state.db.get_database_backend());
    sql.push(&format!(
        "SELECT template_key, COUNT(*) AS total, {} AS queued, {} AS sent, {} AS failed, \
         {} AS cancelled, {} AS letters FROM outbound_messages WHERE created_at >= ",
        count("'QUEUED', 'SENDING'"),
        count("'SENT'"),
        count("'FAILED'"),
        count("'CANCELLED'"),
        count("'LETTER'"),
    ))
    .bind(day(from))
    .push(" AND created_at < ")
    .bind(day(to + Duration::days(1)))
    .push(" GROUP BY template_key ORDER BY template_key");
    Ok(MailStats::find_by_statement(sql.statement())
        .all(&state.db)
        .await?)
}
