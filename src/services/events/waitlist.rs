//! The waitlist: registrations that found the event (or their ticket) full wait in id order; when
//! seats free up — a cancellation, a released unpaid seat, a larger capacity — they are offered in
//! that order to each waiting registration whose party fits (first fit: a party of three waiting
//! first does not keep a single seat from the next person). A priced ticket is then held for
//! `PAY_WITHIN_HOURS` (never past the start) awaiting payment; a free one is confirmed at once.
//! Nobody is promoted once the event has started.
//! Each promoted person gets an `event-promoted` message.

use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::placement::grant_seat;
use super::{seats, ticket_in};
use crate::db::entities::{event, event_registration as reg};
use crate::domain::event::{EventStatus, RegistrationStatus};
use crate::error::AppResult;
use crate::services::Actor;
use crate::state::AppState;

/// Most registrations looked at per promotion (bounds the work of one request; the rest wait for
/// the next change).
const MAX_LOOKED_AT: u64 = 1_000;

/// Offers free seats to the waitlist, in order (the caller holds the event's lock). Returns how
/// many were promoted.
pub async fn promote_in(
    state: &AppState,
    txn: &DatabaseTransaction,
    actor: &Actor,
    e: &event::Model,
) -> AppResult<u64> {
    promote_before(state, txn, actor, e, i64::MAX).await
}

/// [`promote_in`] for the registrations waiting ahead of `before` (a registration id) only.
pub(super) async fn promote_before(
    state: &AppState,
    txn: &DatabaseTransaction,
    actor: &Actor,
    e: &event::Model,
    before: i64,
) -> AppResult<u64> {
    // Once the event has begun nobody is offered a seat (a priced one could not be paid in time).
    if e.status != EventStatus::Published || state.clock.now() >= e.starts_at {
        return Ok(0);
    }
    let waiting = reg::Entity::find()
        .filter(reg::Column::EventId.eq(e.id))
        .filter(reg::Column::Status.eq(RegistrationStatus::Waitlisted))
        .filter(reg::Column::Id.lt(before))
        .order_by_asc(reg::Column::Id)
        .limit(MAX_LOOKED_AT)
        .all(txn)
        .await?;
    let mut promoted = 0;
    for w in waiting {
        if let Some(cap) = e.capacity
            && super::seats_taken(txn, e.id, None).await? >= i64::from(cap)
        {
            break;
        }
        let t = ticket_in(txn, e.id, w.ticket_type_id, "ticketTypeId").await?;
        if !seats(txn, e, &t).await?.fit(1 + i64::from(w.guests)) {
            continue;
        }
        grant_seat(state, txn, actor, e, &t, w, false, true).await?;
        promoted += 1;
    }
    Ok(promoted)
}
