//! `eventStats` (staff): per event starting in a date range, how many registered, attended and did
//! not show, the attendance and no-show rates, and the fees taken net of refunds. Two grouped
//! statements whatever the number of events (the events are named by a subquery, never a bound
//! list of ids).

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::db::entities::event;
use crate::db::sql::Sql;
use crate::domain::dates::add_days;
use crate::domain::event::{EventStatus, RegistrationStatus};
use crate::error::{AppError, AppResult};
use crate::services::access;
use crate::services::auth::Viewer;
use crate::state::AppState;

/// Most events one report covers.
pub const MAX_EVENTS: u64 = 500;

/// One event's figures.
#[derive(Clone, Debug, Default)]
pub struct EventStats {
    pub event: Option<event::Model>,
    /// Registrations not cancelled (waitlisted and unpaid included).
    pub registrations: i64,
    pub registered: i64,
    pub waitlisted: i64,
    pub cancelled: i64,
    pub attended: i64,
    pub no_shows: i64,
    /// Fees completed, net of refunds, per currency (minor units).
    pub revenue: BTreeMap<String, i64>,
}

impl EventStats {
    /// Attended over attended plus no-shows (None before anyone was checked or marked).
    pub fn attendance_rate(&self) -> Option<f64> {
        let judged = self.attended + self.no_shows;
        (judged > 0).then(|| self.attended as f64 / judged as f64)
    }

    pub fn no_show_rate(&self) -> Option<f64> {
        self.attendance_rate().map(|a| 1.0 - a)
    }
}

fn window(sql: &mut Sql, from: NaiveDate, to: NaiveDate) {
    sql.push("SELECT id FROM events WHERE status <> ")
        .bind(EventStatus::Draft.as_str())
        .push(" AND starts_at >= ")
        .bind(from.and_time(NaiveTime::MIN).and_utc())
        .push(" AND starts_at < ")
        .bind(add_days(to, 1).and_time(NaiveTime::MIN).and_utc());
}

/// The figures of every event starting from `from` through `to` (staff).
pub async fn event_stats(
    state: &AppState,
    viewer: &Viewer,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<EventStats>> {
    access::require_staff_field(viewer, "eventStats")?;
    if to < from {
        return Err(AppError::bad_input("to", "must not be before from"));
    }
    let db = &state.db;
    let events = event::Entity::find()
        .filter(event::Column::Status.ne(EventStatus::Draft))
        .filter(event::Column::StartsAt.gte(from.and_time(NaiveTime::MIN).and_utc()))
        .filter(event::Column::StartsAt.lt(add_days(to, 1).and_time(NaiveTime::MIN).and_utc()))
        .order_by_asc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id)
        .limit(MAX_EVENTS + 1)
        .all(db)
        .await?;
    if events.len() as u64 > MAX_EVENTS {
        return Err(AppError::bad_input(
            "from",
            format!("more than {MAX_EVENTS} events start in this range; ask for a shorter one"),
        ));
    }
    let mut by_id: BTreeMap<i64, EventStats> = events
        .into_iter()
        .map(|e| {
            (
                e.id,
                EventStats {
                    event: Some(e),
                    ..Default::default()
                },
            )
        })
        .collect();
    let backend = db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("SELECT event_id, status, CAST(COUNT(*) AS BIGINT) AS n FROM event_registrations WHERE event_id IN (");
    window(&mut sql, from, to);
    sql.push(") GROUP BY event_id, status");
    for row in db.query_all_raw(sql.statement()).await? {
        let id: i64 = row.try_get("", "event_id")?;
        let status: String = row.try_get("", "status")?;
        let n: i64 = row.try_get("", "n")?;
        let Some(s) = by_id.get_mut(&id) else {
            continue;
        };
        let status: RegistrationStatus = status.parse().map_err(AppError::internal)?;
        match status {
            RegistrationStatus::Cancelled => s.cancelled += n,
            RegistrationStatus::Attended => s.attended += n,
            RegistrationStatus::NoShow => s.no_shows += n,
            RegistrationStatus::Waitlisted => s.waitlisted += n,
            RegistrationStatus::Registered => s.registered += n,
            _ => {}
        }
        if status.is_live() {
            s.registrations += n;
        }
    }
    let mut sql = Sql::new(backend);
    sql.push("SELECT r.event_id AS event_id, k.currency AS currency, CAST(SUM(k.amount_minor - k.refunded_minor) AS BIGINT) AS net FROM event_registrations r JOIN contributions k ON k.id = r.contribution_id WHERE k.status IN ")
        .bind_list(["COMPLETED", "REFUNDED"])
        .push(" AND r.event_id IN (");
    window(&mut sql, from, to);
    sql.push(") GROUP BY r.event_id, k.currency");
    for row in db.query_all_raw(sql.statement()).await? {
        let id: i64 = row.try_get("", "event_id")?;
        let currency: String = row.try_get("", "currency")?;
        let net: i64 = row.try_get("", "net")?;
        if let Some(s) = by_id.get_mut(&id) {
            *s.revenue.entry(currency).or_default() += net;
        }
    }
    let mut out: Vec<EventStats> = by_id.into_values().collect();
    out.sort_by_key(|s| s.event.as_ref().map(|e| (e.starts_at, e.id)));
    Ok(out)
}
