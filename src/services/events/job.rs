//! The `event-followups` job: releases PENDING_PAYMENT registrations whose deadline passed (the
//! fee is cancelled, the person told, the seats offered to the waitlist), and thanks those who
//! attended an event that ended in the last `THANKS_WITHIN_DAYS` days. Both are exactly once: the
//! release is a conditional status update under the event's lock, the thank-you has a dedupe key.

use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};

use super::cancel::{Cancellation, cancel_in};
use super::{get_in, lock_event, mail, registration_in};
use crate::db::begin_write;
use crate::db::entities::{event, event_registration as reg};
use crate::domain::event::{EventStatus, RegistrationStatus};
use crate::error::AppResult;
use crate::services::Actor;
use crate::state::AppState;

pub const NAME: &str = "event-followups";
/// Thank-you messages go to events that ended this recently (not to every past event when the
/// job first runs).
const THANKS_WITHIN_DAYS: i64 = 7;
/// Registrations handled per run and step (the next run goes on).
const BATCH: u64 = 1_000;

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub released: u64,
    pub thanked: u64,
    pub looked_at: u64,
}

/// Runs both steps as of the clock's now.
#[tracing::instrument(skip(state))]
pub async fn run(state: &AppState) -> AppResult<(Tally, Value)> {
    let mut tally = Tally::default();
    release_unpaid(state, &mut tally).await?;
    thank_attendees(state, &mut tally).await?;
    let details = json!({
        "released": tally.released, "thanked": tally.thanked, "lookedAt": tally.looked_at,
    });
    Ok((tally, details))
}

async fn release_unpaid(state: &AppState, tally: &mut Tally) -> AppResult<()> {
    let now = state.clock.now();
    let actor = Actor::Job(NAME);
    let overdue = reg::Entity::find()
        .filter(reg::Column::Status.eq(RegistrationStatus::PendingPayment))
        .filter(reg::Column::PayBy.lt(now))
        .order_by_asc(reg::Column::Id)
        .limit(BATCH)
        .all(&state.db)
        .await?;
    for found in overdue {
        tally.looked_at += 1;
        let txn = begin_write(&state.db).await?;
        lock_event(&txn, found.event_id).await?;
        let r = registration_in(&txn, found.id, "id").await?;
        // Paid, or released by another run, meanwhile.
        if r.status != RegistrationStatus::PendingPayment || r.pay_by.is_none_or(|d| d >= now) {
            txn.rollback().await?;
            continue;
        }
        let e = get_in(&txn, r.event_id, "eventId").await?;
        let how = Cancellation {
            refund: false,
            reason: Some(format!(
                "the fee was not paid by {}",
                r.pay_by.map(mail::when).unwrap_or_default()
            )),
            event_cancelled: false,
            promote: true,
        };
        // A payment completing at this very moment wins: skip the seat, keep the batch going.
        if let Err(err) = cancel_in(state, &txn, &actor, &e, r, how).await {
            txn.rollback().await?;
            tracing::warn!(registration = found.id, error = %err, "unpaid seat not released");
            continue;
        }
        txn.commit().await?;
        tally.released += 1;
    }
    Ok(())
}

async fn thank_attendees(state: &AppState, tally: &mut Tally) -> AppResult<()> {
    let now = state.clock.now();
    let ended = event::Entity::find()
        .filter(event::Column::Status.eq(EventStatus::Published))
        .filter(event::Column::EndsAt.lte(now))
        .filter(event::Column::EndsAt.gt(now - Duration::days(THANKS_WITHIN_DAYS)))
        .order_by_asc(event::Column::Id)
        .all(&state.db)
        .await?;
    for e in ended {
        let mut after = 0;
        loop {
            let attended = reg::Entity::find()
                .filter(reg::Column::EventId.eq(e.id))
                .filter(reg::Column::Status.eq(RegistrationStatus::Attended))
                .filter(reg::Column::Id.gt(after))
                .order_by_asc(reg::Column::Id)
                .limit(BATCH)
                .all(&state.db)
                .await?;
            let Some(last) = attended.last() else { break };
            after = last.id;
            let keys: Vec<String> = attended
                .iter()
                .map(|r| format!("event-thanks.g{}", r.id))
                .collect();
            // Rendering is the work: skip those thanked by an earlier run.
            let sent = mail::already_queued(&state.db, &keys).await?;
            tally.looked_at += attended.len() as u64;
            let txn = begin_write(&state.db).await?;
            for (r, key) in attended.iter().zip(keys) {
                if !sent.contains(&key) {
                    let extra = json!({});
                    tally.thanked +=
                        mail::about(state, &txn, mail::THANK_YOU, key, &e, r, extra).await?;
                }
            }
            txn.commit().await?;
        }
    }
    Ok(())
}
