//! `update-statuses`: recomputes the stored status of every membership that is not held, as of a date.
//!
//! Set-based: the status rules are data, so the job builds one `CASE` expression from them and runs a
//! few statements per batch of ids. Each rule boundary "event + offset ≤ D" becomes "event ≤ t" for a
//! constant t computed in Rust (adding an offset is monotone, see `Offset::latest_with_result_at_most`),
//! so the database never does calendar arithmetic and the result equals `domain::status::compute`.
//!
//! Race-free: the `UPDATE` computes the new status from the row's current dates in the same statement,
//! so a renewal committed meanwhile is never reverted (PostgreSQL re-evaluates a row changed by a
//! concurrent transaction; SQLite serialises writers).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;
use serde_json::json;

use super::JobReport;
use crate::db::begin_write;
use crate::db::sql::Sql;
use crate::db::status_sql::status_case;
use crate::error::AppResult;
use crate::services::memberships::change;
use crate::services::statuses::{EXPIRED, PENDING, Statuses};
use crate::state::AppState;

pub const NAME: &str = "update-statuses";
/// Ids per transaction: small enough that other writers wait at most a moment between batches.
const BATCH: i64 = 50_000;

fn in_batch(sql: &mut Sql, lo: i64, hi: i64) {
    sql.push("id > ").bind(lo).push(" AND id <= ").bind(hi);
}

const HISTORY_COLUMNS: &str = "INSERT INTO membership_history (membership_id, change, status_id, membership_type_id, join_date, start_date, end_date, changed_at, changed_by, in_force_from) ";

/// A history row for each selected membership (the `WHERE` follows), in force from `now`: every
/// membership already has its CREATED row.
fn history_select(sql: &mut Sql, kind: &str, now: chrono::DateTime<chrono::Utc>) {
    sql.push(HISTORY_COLUMNS)
        .push("SELECT id, ")
        .bind(kind)
        .push(", status_id, membership_type_id, join_date, start_date, end_date, ")
        .bind(now)
        .push(", ")
        .bind(format!("job:{NAME}"))
        .push(", ")
        .bind(now)
        .push(" FROM memberships WHERE ");
}

/// The latest history rows of the selected memberships (the `WHERE` on `memberships` follows, then
/// a closing parenthesis) stop being in force at `now`.
fn close_history(sql: &mut Sql, now: chrono::DateTime<chrono::Utc>) {
    sql.push("UPDATE membership_history SET in_force_until = ")
        .bind(now)
        .push(
            " WHERE in_force_until IS NULL AND membership_id IN (SELECT id FROM memberships WHERE ",
        );
}

async fn scalar_i64<C: ConnectionTrait>(db: &C, sql: Sql) -> AppResult<i64> {
    let row = db.query_one_raw(sql.statement()).await?;
    Ok(match row {
        Some(r) => r.try_get_by_index::<Option<i64>>(0)?.unwrap_or(0),
        None => 0,
    })
}

/// Recomputes statuses as of `as_of`; `run_id` marks the rows this run changed.
#[tracing::instrument(skip(state))]
pub async fn run(state: &AppState, as_of: NaiveDate, run_id: i64) -> AppResult<JobReport> {
    let db = &state.db;
    let backend = db.get_database_backend();
    let statuses = Statuses::load(db).await?;
    let pending = statuses.id_of(PENDING)?;
    let now = state.clock.now();
    let mut bounds = Sql::new(backend);
    bounds.push("SELECT MAX(id) FROM memberships");
    let max_id = scalar_i64(db, bounds).await?;
    let expired = statuses.id_of(EXPIRED)?;
    let (mut examined, mut changed, mut overrides_ended, mut expired_messages) =
        (0i64, 0i64, 0i64, 0u64);
    let mut lo = 0;
    while lo < max_id {
        let hi = lo + BATCH;
        let txn = begin_write(db).await?;
        // Overrides whose end date has passed are released first, with a history row each.
        let mut close = Sql::new(backend);
        close_history(&mut close, now);
        in_batch(&mut close, lo, hi);
        close
            .push(" AND is_override = ")
            .bind(true)
            .push(" AND override_until < ")
            .bind(as_of)
            .push(")");
        txn.execute_raw(close.statement()).await?;
        let mut ended = Sql::new(backend);
        history_select(&mut ended, change::OVERRIDE_ENDED, now);
        in_batch(&mut ended, lo, hi);
        ended
            .push(" AND is_override = ")
            .bind(true)
            .push(" AND override_until < ")
            .bind(as_of);
        txn.execute_raw(ended.statement()).await?;
        let mut release = Sql::new(backend);
        release
            .push("UPDATE memberships SET is_override = ")
            .bind(false)
            .push(", override_until = NULL, updated_at = ")
            .bind(now)
            .push(" WHERE ");
        in_batch(&mut release, lo, hi);
        release
            .push(" AND is_override = ")
            .bind(true)
            .push(" AND override_until < ")
            .bind(as_of);
        overrides_ended += txn.execute_raw(release.statement()).await?.rows_affected() as i64;

        let mut count = Sql::new(backend);
        count.push("SELECT COUNT(*) FROM memberships WHERE ");
        in_batch(&mut count, lo, hi);
        count.push(" AND is_override = ").bind(false);
        examined += scalar_i64(&txn, count).await?;

        let mut update = Sql::new(backend);
        update.push("UPDATE memberships SET status_id = ");
        status_case(&mut update, &statuses.rules, as_of, pending);
        update
            .push(", status_run_id = ")
            .bind(run_id)
            .push(", updated_at = ")
            .bind(now)
            .push(" WHERE ");
        in_batch(&mut update, lo, hi);
        update
            .push(" AND is_override = ")
            .bind(false)
            .push(" AND status_id <> ");
        status_case(&mut update, &statuses.rules, as_of, pending);
        changed += txn.execute_raw(update.statement()).await?.rows_affected() as i64;

        let mut close = Sql::new(backend);
        close_history(&mut close, now);
        in_batch(&mut close, lo, hi);
        close.push(" AND status_run_id = ").bind(run_id).push(")");
        txn.execute_raw(close.statement()).await?;
        let mut history = Sql::new(backend);
        history_select(&mut history, change::STATUS_CHANGED, now);
        in_batch(&mut history, lo, hi);
        history.push(" AND status_run_id = ").bind(run_id);
        txn.execute_raw(history.statement()).await?;
        if state.settings.mail.expired_notice {
            expired_messages +=
                crate::services::notify::expired_in_run(state, &txn, run_id, expired, lo, hi)
                    .await?;
        }
        txn.commit().await?;
        lo = hi;
    }
    // Bundles: ended relationships, and followers that disagree with their primaries.
    let bundles_synced = crate::services::households::job::run(state, as_of, NAME).await?;
    let changed_to = counts_by_status(state, &statuses, run_id).await?;
    // The reports' precomputed data takes in what this run wrote now, not at the next report.
    crate::services::reports::refresh_all(db).await?;
    Ok(JobReport {
        processed: examined,
        changed,
        details: json!({
            "asOf": as_of.to_string(),
            "examined": examined,
            "changed": changed,
            "overridesEnded": overrides_ended,
            "changedTo": changed_to,
            "expiredMessagesQueued": expired_messages,
            "bundlesSynced": bundles_synced,
        }),
    })
}

/// How many memberships this run moved to each status, by status name.
async fn counts_by_status(
    state: &AppState,
    statuses: &Statuses,
    run_id: i64,
) -> AppResult<BTreeMap<String, i64>> {
    let backend = state.db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("SELECT status_id, COUNT(*) FROM memberships WHERE status_run_id = ")
        .bind(run_id)
        .push(" GROUP BY status_id");
    let rows = state.db.query_all_raw(sql.statement()).await?;
    let mut out = BTreeMap::new();
    for r in rows {
        let id: i64 = r.try_get_by_index(0)?;
        let n: i64 = r.try_get_by_index(1)?;
        let name = statuses
            .get(id)
            .map_or_else(|| id.to_string(), |s| s.name.clone());
        out.insert(name, n);
    }
    Ok(out)
}
