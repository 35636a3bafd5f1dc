//! Events (issue 18): staff create and publish events with ticket types (member and public
//! prices, per-ticket capacity); members and the public register (anonymous with a name and an
//! email for public events), with guests; full events fill a waitlist in order; priced tickets are
//! paid through a PENDING `EVENT_FEE` contribution completed like dues; staff approve, check in
//! and mark no-shows; mail goes through the outbox; public events are published as an iCalendar
//! feed.
//!
//! - **Capacity** is decided under a per-event lock ([`lock_event`]: a PostgreSQL advisory
//!   transaction lock, SQLite's one write lock), so concurrent registrations for the last seats
//!   never exceed it; the waitlist is served in id order.
//! - **Who sees what**: drafts only staff; members-only events only holders of the event's
//!   `member_permission`; unlisted events by id only; the location and online link only staff
//!   and participants whose registration holds a confirmed seat ([`reveals_location`]).
//! - **Exactly once**: every status change is a conditional update from the status read, and
//!   every message has a dedupe key (`event-….g<registration>`).

pub mod cancel;
pub mod checkin;
pub mod ical;
pub mod inputs;
pub mod job;
pub mod list;
pub mod mail;
pub mod payments;
pub mod placement;
pub mod registration;
pub mod reminders;
pub mod stats;
pub mod waitlist;
pub mod write;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::db::entities::{event, event_registration as reg, event_ticket_type as ticket};
use crate::db::lock_subject;
use crate::db::sql::Sql;
use crate::domain::event::{RegistrationStatus, Schedule, Seats};
use crate::error::{AppError, AppResult};
use crate::services::access;
use crate::services::auth::Viewer;
use crate::state::AppState;

/// A PENDING_PAYMENT registration holds its seats this long (at most until the event starts);
/// the `event-followups` job releases it afterwards and offers the seats to the waitlist.
pub const PAY_WITHIN_HOURS: i64 = 48;

/// The event with this id; NOT_FOUND naming `field` otherwise.
pub async fn get_in<C: ConnectionTrait>(db: &C, id: i64, field: &str) -> AppResult<event::Model> {
    event::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("event", id, field))
}

/// The registration with this id; NOT_FOUND naming `field` otherwise.
pub async fn registration_in<C: ConnectionTrait>(
    db: &C,
    id: i64,
    field: &str,
) -> AppResult<reg::Model> {
    reg::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("registration", id, field))
}

/// The event's ticket types in their order.
pub async fn tickets_of<C: ConnectionTrait>(
    db: &C,
    event_id: i64,
) -> AppResult<Vec<ticket::Model>> {
    Ok(ticket::Entity::find()
        .filter(ticket::Column::EventId.eq(event_id))
        .order_by_asc(ticket::Column::Position)
        .order_by_asc(ticket::Column::Id)
        .all(db)
        .await?)
}

/// The ticket type `id` of event `event_id`; NOT_FOUND naming `field` otherwise.
pub async fn ticket_in<C: ConnectionTrait>(
    db: &C,
    event_id: i64,
    id: i64,
    field: &str,
) -> AppResult<ticket::Model> {
    ticket::Entity::find_by_id(id)
        .filter(ticket::Column::EventId.eq(event_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("ticket type", id, field))
}

/// The times of an event, as the domain rules take them.
pub fn schedule_of(e: &event::Model) -> Schedule {
    Schedule {
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        opens_at: e.registration_opens_at,
        closes_at: e.registration_closes_at,
        member_opens_at: e.member_registration_opens_at,
    }
}

/// Serialises everything that changes an event's seats (registering, cancelling, promoting,
/// approving): call it first in the write transaction.
pub async fn lock_event<C: ConnectionTrait>(txn: &C, event_id: i64) -> AppResult<()> {
    lock_subject(txn, "event-seats", &event_id.to_string()).await?;
    Ok(())
}

/// Seats held (people plus guests) on event `event_id`, or on one of its ticket types.
pub async fn seats_taken<C: ConnectionTrait>(
    db: &C,
    event_id: i64,
    ticket_type_id: Option<i64>,
) -> AppResult<i64> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT CAST(COALESCE(SUM(1 + guests), 0) AS BIGINT) AS n FROM event_registrations WHERE event_id = ")
        .bind(event_id)
        .push(" AND status IN ")
        .bind_list(RegistrationStatus::SEATED.iter().map(|s| s.as_str()));
    if let Some(t) = ticket_type_id {
        sql.push(" AND ticket_type_id = ").bind(t);
    }
    let row = db.query_one_raw(sql.statement()).await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

/// The seats of an event and a ticket type, for [`Seats::fit`].
pub async fn seats<C: ConnectionTrait>(
    db: &C,
    e: &event::Model,
    t: &ticket::Model,
) -> AppResult<Seats> {
    Ok(Seats {
        event_taken: seats_taken(db, e.id, None).await?,
        event_capacity: e.capacity,
        ticket_taken: seats_taken(db, e.id, Some(t.id)).await?,
        ticket_capacity: t.capacity,
    })
}

/// Counts an event's registrations in `status`, and the seats they take.
pub async fn count_in<C: ConnectionTrait>(
    db: &C,
    event_id: i64,
    status: RegistrationStatus,
) -> AppResult<(i64, i64)> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(COALESCE(SUM(1 + guests), 0) AS BIGINT) AS s FROM event_registrations WHERE event_id = ")
        .bind(event_id)
        .push(" AND status = ")
        .bind(status.as_str());
    let row = db.query_one_raw(sql.statement()).await?;
    match row {
        Some(r) => Ok((r.try_get::<i64>("", "n")?, r.try_get::<i64>("", "s")?)),
        None => Ok((0, 0)),
    }
}

/// Whether the viewer counts as a member for this event: they hold its member permission
/// through a current membership (a staff role alone does not).
pub async fn is_member(state: &AppState, viewer: &Viewer, e: &event::Model) -> AppResult<bool> {
    access::holds(state, viewer, &e.member_permission).await
}

/// Whether the viewer may see where the event is: staff, or a participant holding a confirmed
/// seat (REGISTERED, ATTENDED, NO_SHOW) — never a waitlisted, unpaid, unapproved or cancelled one.
pub async fn reveals_location(state: &AppState, viewer: &Viewer, event_id: i64) -> AppResult<bool> {
    if access::is_staff(viewer) {
        return Ok(true);
    }
    let Some(contact_id) = viewer.user().and_then(|u| u.contact_id) else {
        return Ok(false);
    };
    let held = reg::Entity::find()
        .filter(reg::Column::EventId.eq(event_id))
        .filter(reg::Column::ContactId.eq(contact_id))
        .all(&state.db)
        .await?;
    Ok(held.iter().any(|r| r.status.reveals_location()))
}
