//! Creating, changing, publishing and cancelling events (staff). One transaction each.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use super::{get_in, lock_event};
use crate::db::begin_write;
use crate::db::entities::{event, event_registration as reg};
use crate::domain::event::{EventStatus, EventVisibility, check_capacity};
use crate::domain::patch::Patch;
use crate::domain::text::{Name, optional_text};
use crate::error::{AppError, AppResult};
use crate::services::{Actor, audit};
use crate::state::AppState;

pub use super::inputs::{
    CancelEventInput, DEFAULT_MEMBER_PERMISSION, EventInput, EventPatch, TicketInput,
};
use super::inputs::{add_tickets, check, guests, online_url, permission, timezone};

fn view(e: &event::Model) -> Value {
    json!({
        "title": e.title, "startsAt": e.starts_at, "endsAt": e.ends_at, "capacity": e.capacity,
        "visibility": e.visibility.as_str(), "status": e.status.as_str(),
        "requiresApproval": e.requires_approval, "maxGuests": e.max_guests_per_registration,
    })
}

/// Creates an event (staff) as a DRAFT, with its ticket types (a free "General admission" when
/// none are given).
#[tracing::instrument(skip(state, input), fields(actor = %actor.label()))]
pub async fn create(state: &AppState, actor: &Actor, input: EventInput) -> AppResult<event::Model> {
    let now = state.clock.now();
    let (allow_guests, max_guests) = guests(input.allow_guests, input.max_guests_per_registration)?;
    let active = event::ActiveModel {
        title: Set(Name::parse(&input.title, "title")?.into_string()),
        description: Set(optional_text(
            input.description.as_deref(),
            "description",
            10_000,
        )?),
        starts_at: Set(input.starts_at),
        ends_at: Set(input.ends_at),
        timezone: Set(timezone(input.timezone.as_deref())?),
        location: Set(optional_text(input.location.as_deref(), "location", 1000)?),
        online_url: Set(online_url(input.online_url.as_deref())?),
        capacity: Set(check_capacity(input.capacity, "capacity")?),
        visibility: Set(input.visibility.unwrap_or(EventVisibility::Public)),
        status: Set(EventStatus::Draft),
        registration_opens_at: Set(input.registration_opens_at),
        registration_closes_at: Set(input.registration_closes_at),
        member_registration_opens_at: Set(input.member_registration_opens_at),
        member_permission: Set(permission(
            input.member_permission.as_deref(),
            "memberPermission",
        )?),
        requires_approval: Set(input.requires_approval.unwrap_or(false)),
        allow_guests: Set(allow_guests),
        max_guests_per_registration: Set(max_guests),
        cancelled_at: Set(None),
        cancel_reason: Set(None),
        created_by: Set(actor.label()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    check(&active)?;
    let txn = begin_write(&state.db).await?;
    let created = active.insert(&txn).await?;
    add_tickets(state, &txn, created.id, input.ticket_types, now).await?;
    audit::record(
        &txn,
        actor,
        "event.create",
        "event",
        created.id,
        None,
        Some(view(&created)),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes an event (staff). A cancelled event no longer changes; a capacity below the seats
/// already taken is refused.
#[tracing::instrument(skip(state, patch), fields(actor = %actor.label()))]
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    patch: EventPatch,
) -> AppResult<event::Model> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    lock_event(&txn, id).await?;
    let current = get_in(&txn, id, "id").await?;
    if current.status == EventStatus::Cancelled {
        return Err(AppError::conflict(None, "this event is cancelled"));
    }
    let before = view(&current);
    let mut a: event::ActiveModel = current.clone().into();
    if let Some(t) = &patch.title {
        a.title = Set(Name::parse(t, "title")?.into_string());
    }
    let text = |p: Patch<String>, cur: &Option<String>, field: &str, max: usize| {
        optional_text(p.apply(cur.clone()).as_deref(), field, max)
    };
    a.description = Set(text(
        patch.description,
        &current.description,
        "description",
        10_000,
    )?);
    a.location = Set(text(patch.location, &current.location, "location", 1000)?);
    a.online_url = Set(online_url(
        patch
            .online_url
            .apply(current.online_url.clone())
            .as_deref(),
    )?);
    if let Some(s) = patch.starts_at {
        a.starts_at = Set(s);
    }
    if let Some(e) = patch.ends_at {
        a.ends_at = Set(e);
    }
    if let Some(tz) = &patch.timezone {
        a.timezone = Set(timezone(Some(tz))?);
    }
    let capacity = check_capacity(patch.capacity.apply(current.capacity), "capacity")?;
    if let Some(c) = capacity {
        let taken = super::seats_taken(&txn, id, None).await?;
        if taken > i64::from(c) {
            return Err(AppError::bad_input(
                "capacity",
                format!("{taken} seats are taken already; cancel registrations first"),
            ));
        }
    }
    a.capacity = Set(capacity);
    if let Some(v) = patch.visibility {
        a.visibility = Set(v);
    }
    a.registration_opens_at = Set(patch
        .registration_opens_at
        .apply(current.registration_opens_at));
    a.registration_closes_at = Set(patch
        .registration_closes_at
        .apply(current.registration_closes_at));
    a.member_registration_opens_at = Set(patch
        .member_registration_opens_at
        .apply(current.member_registration_opens_at));
    if let Some(p) = &patch.member_permission {
        a.member_permission = Set(permission(Some(p), "memberPermission")?);
    }
    if let Some(r) = patch.requires_approval {
        a.requires_approval = Set(r);
    }
    let (allow, max) = guests(
        Some(patch.allow_guests.unwrap_or(current.allow_guests)),
        Some(
            patch
                .max_guests_per_registration
                .unwrap_or(current.max_guests_per_registration),
        ),
    )?;
    a.allow_guests = Set(allow);
    a.max_guests_per_registration = Set(max);
    a.updated_at = Set(now);
    check(&a)?;
    let updated = a.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "event.update",
        "event",
        id,
        Some(before),
        Some(view(&updated)),
        now,
    )
    .await?;
    // More seats may have opened: the waitlist comes first.
    super::waitlist::promote_in(state, &txn, actor, &updated).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Publishes a DRAFT event (staff): its audience sees it and may register.
#[tracing::instrument(skip(state), fields(actor = %actor.label()))]
pub async fn publish(state: &AppState, actor: &Actor, id: i64) -> AppResult<event::Model> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let current = get_in(&txn, id, "id").await?;
    let moved = event::Entity::update_many()
        .col_expr(event::Column::Status, Expr::value(EventStatus::Published))
        .col_expr(event::Column::UpdatedAt, Expr::value(now))
        .filter(event::Column::Id.eq(id))
        .filter(event::Column::Status.eq(EventStatus::Draft))
        .exec(&txn)
        .await?
        .rows_affected;
    if moved == 0 {
        return Err(AppError::conflict(
            None,
            format!(
                "only a DRAFT event can be published; this one is {}",
                current.status
            ),
        ));
    }
    let updated = get_in(&txn, id, "id").await?;
    audit::record(
        &txn,
        actor,
        "event.publish",
        "event",
        id,
        Some(view(&current)),
        Some(view(&updated)),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Cancels an event (staff): every live registration is cancelled and its person told; pending
/// fees are cancelled and completed ones refunded (unless `refundPayments` is false).
#[tracing::instrument(skip(state, input), fields(actor = %actor.label()))]
pub async fn cancel(
    state: &AppState,
    actor: &Actor,
    id: i64,
    input: CancelEventInput,
) -> AppResult<event::Model> {
    let now = state.clock.now();
    let reason = optional_text(input.reason.as_deref(), "reason", 2000)?;
    let refund = input.refund_payments.unwrap_or(true);
    let txn = begin_write(&state.db).await?;
    lock_event(&txn, id).await?;
    let current = get_in(&txn, id, "id").await?;
    if current.status == EventStatus::Cancelled {
        return Err(AppError::conflict(None, "this event is cancelled already"));
    }
    let mut a: event::ActiveModel = current.clone().into();
    a.status = Set(EventStatus::Cancelled);
    a.cancelled_at = Set(Some(now));
    a.cancel_reason = Set(reason.clone());
    a.updated_at = Set(now);
    let updated = a.update(&txn).await?;
    let live = reg::Entity::find()
        .filter(reg::Column::EventId.eq(id))
        .filter(reg::Column::Status.is_not_in([
            crate::domain::event::RegistrationStatus::Cancelled,
            crate::domain::event::RegistrationStatus::Attended,
            crate::domain::event::RegistrationStatus::NoShow,
        ]))
        .all(&txn)
        .await?;
    let count = live.len();
    for r in live {
        let how = super::cancel::Cancellation {
            refund,
            reason: reason.clone(),
            event_cancelled: true,
            promote: false,
        };
        super::cancel::cancel_in(state, &txn, actor, &updated, r, how).await?;
    }
    let mut after = view(&updated);
    after["registrationsCancelled"] = json!(count);
    after["refunded"] = json!(refund);
    audit::record(
        &txn,
        actor,
        "event.cancel",
        "event",
        id,
        Some(view(&current)),
        Some(after),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
