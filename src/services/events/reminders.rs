//! Scheduled reminders anchored to EVENT_START: "event-reminder 1 day before the start" for one
//! event or for every event, sent to each participant holding a confirmed seat. The anchor is the
//! event's start date in UTC; a run as of D sends what fell due in its catch-up window. Each
//! message's dedupe key names the reminder, the registration and the start date, so re-runs (and
//! concurrent runs) send nothing twice, and moving the event to another day arms it again.

use chrono::{NaiveDate, NaiveTime};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use super::mail;
use crate::db::begin_write;
use crate::db::entities::{event, event_registration as reg};
use crate::domain::dates::add_days;
use crate::domain::event::{EventStatus, RegistrationStatus};
use crate::domain::reminder::{ScheduledReminder, Window};
use crate::error::AppResult;
use crate::services::reminders::schedule_of;
use crate::state::AppState;

fn midnight(d: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    d.and_time(NaiveTime::MIN).and_utc()
}

/// Queues reminder `r`'s messages due in `window`. Returns (registrations looked at, messages due,
/// messages added).
pub async fn send(
    state: &AppState,
    r: &ScheduledReminder,
    _as_of: NaiveDate,
    window: Window,
) -> AppResult<(usize, usize, u64)> {
    let schedule = schedule_of(r)?;
    let (mut candidates, mut due, mut queued) = (0, 0, 0);
    for range in schedule.anchor_ranges(window) {
        let mut q = event::Entity::find()
            .filter(event::Column::Status.eq(EventStatus::Published))
            .filter(event::Column::StartsAt.gte(midnight(range.lo)))
            .filter(event::Column::StartsAt.lt(midnight(add_days(range.hi, 1))));
        if let Some(id) = r.event_id {
            q = q.filter(event::Column::Id.eq(id));
        }
        for e in q.order_by_asc(event::Column::Id).all(&state.db).await? {
            let anchor = e.starts_at.date_naive();
            let people = reg::Entity::find()
                .filter(reg::Column::EventId.eq(e.id))
                .filter(reg::Column::Status.is_in([
                    RegistrationStatus::Registered,
                    RegistrationStatus::Attended,
                    RegistrationStatus::NoShow,
                ]))
                .order_by_asc(reg::Column::Id)
                .all(&state.db)
                .await?;
            candidates += people.len();
            due += people.len();
            let keys: Vec<String> = people
                .iter()
                .map(|p| format!("reminder.r{}.g{}.{anchor}", r.id, p.id))
                .collect();
            // Rendering is the work: skip what an earlier run queued (the dedupe key still guards
            // a run racing this one).
            let sent = mail::already_queued(&state.db, &keys).await?;
            let txn = begin_write(&state.db).await?;
            for (p, key) in people.iter().zip(keys) {
                if sent.contains(&key) {
                    continue;
                }
                let extra = json!({ "reminder": { "name": r.name, "daysUntilEnd": null } });
                queued += mail::about(state, &txn, &r.template_key, key, &e, p, extra).await?;
            }
            txn.commit().await?;
        }
    }
    Ok((candidates, due, queued))
}
