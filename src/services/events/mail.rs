//! Event mail through the outbox: each message is rendered in the transaction of the change that
//! causes it, under a dedupe key naming the registration (`event-confirmed.g12`), so a repeat queues
//! nothing. The location and online link appear only in messages to people holding a confirmed
//! seat (the confirmation, the reminder); the calendar comes as a link to the registration's own
//! `.ics` (the outbox carries no attachments).
//!
//! The check-in code (also the key of the calendar link) is a one-time secret: the stored body
//! holds `outbox::HIDDEN_TOKEN` in its place and the row's `secret` the code, substituted at
//! delivery only — so neither staff reading the outbox nor an export ever see it.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::db::entities::event_ticket_type as ticket;
use crate::db::entities::{
    contact, contribution, event, event_registration as reg, outbound_message as outbound,
};
use crate::domain::contact::Contact;
use crate::domain::contribution::receipt_number;
use crate::domain::message::OutboxStatus;
use crate::domain::money::format_minor;
use crate::error::{AppError, AppResult};
use crate::mail::context;
use crate::mail::outbox::{self, HIDDEN_TOKEN, NewMessage, Renderer};
use crate::services::contributions::exponent_of;
use crate::state::AppState;

pub const REGISTRATION: &str = "event-registration";
pub const PROMOTED: &str = "event-promoted";
pub const CANCELLED: &str = "event-cancelled";
pub const REMINDER: &str = "event-reminder";
pub const THANK_YOU: &str = "event-thank-you";

/// The secret a confirmation carries, made when the seat was confirmed (only its digest is
/// stored).
pub struct Codes {
    pub check_in: String,
}

/// `2027-03-10 18:00 UTC`.
pub fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The link to a registration's calendar file (location included), valid with its token only.
pub fn calendar_url(state: &AppState, registration_id: i64, token: &str) -> String {
    format!(
        "{}/events/registration/{registration_id}.ics?token={token}",
        state.settings.server.public_url.trim_end_matches('/')
    )
}

/// The event as templates show it; `reveal` adds where it is.
pub fn event_json(e: &event::Model, reveal: bool) -> Value {
    json!({
        "id": e.id.to_string(),
        "title": e.title,
        "description": e.description,
        "startsAt": when(e.starts_at),
        "endsAt": when(e.ends_at),
        "timezone": e.timezone,
        "location": if reveal { e.location.clone() } else { None },
        "onlineUrl": if reveal { e.online_url.clone() } else { None },
        "isCancelled": e.status == crate::domain::event::EventStatus::Cancelled,
        "cancelReason": e.cancel_reason,
    })
}

async fn registration_json<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    t: Option<&ticket::Model>,
    r: &reg::Model,
    codes: Option<&Codes>,
) -> AppResult<Value> {
    let fee = match r.contribution_id {
        Some(k) => contribution::Entity::find_by_id(k).one(db).await?,
        None => None,
    };
    Ok(json!({
        "id": r.id.to_string(),
        "status": r.status.as_str(),
        "ticket": t.map(|t| t.name.clone()),
        "guests": r.guests,
        "amount": fee.as_ref().map(|k| format_minor(k.amount_minor, exponent_of(&k.currency))),
        "currency": fee.as_ref().map(|k| k.currency.clone()),
        "reference": fee.as_ref().map(|k| receipt_number(k.received_date, k.id)),
        "payBy": r.pay_by.map(when),
        "instructions": state.settings.organization.payment_instructions,
        "checkInCode": codes.map(|_| HIDDEN_TOKEN),
        "calendarUrl": codes.map(|_| calendar_url(state, r.id, HIDDEN_TOKEN)),
        "isWaitlisted": r.status == crate::domain::event::RegistrationStatus::Waitlisted,
        "isAwaitingApproval": r.status == crate::domain::event::RegistrationStatus::AwaitingApproval,
        "isPendingPayment": r.status == crate::domain::event::RegistrationStatus::PendingPayment,
        "isRegistered": r.status == crate::domain::event::RegistrationStatus::Registered,
    }))
}

/// Renders `template` for the registration's contact and queues it under `dedupe_key`. Returns how
/// many rows were added (0 when the key exists).
pub async fn queue<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    template: &str,
    dedupe_key: String,
    contact_id: i64,
    extra: Value,
) -> AppResult<u64> {
    queue_with_secret(state, db, template, dedupe_key, contact_id, extra, None).await
}

/// [`queue`], with a secret that replaces `HIDDEN_TOKEN` in the delivered copy only. A message
/// that becomes a letter or is cancelled (no email) never gets it.
async fn queue_with_secret<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    template: &str,
    dedupe_key: String,
    contact_id: i64,
    extra: Value,
    secret: Option<&str>,
) -> AppResult<u64> {
    let c: Contact = contact::Entity::find_by_id(contact_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(format!("registration contact {contact_id} missing")))?
        .into();
    let ctx = context::build(&state.settings, &c, None, extra);
    let rendered = Renderer::load(&state.templates, db, &[template])
        .await?
        .render(template, &ctx)?;
    let message = NewMessage {
        dedupe_key: dedupe_key.clone(),
        template_key: template.into(),
        contact: c,
        membership_id: None,
        rendered,
    };
    let added = outbox::enqueue(
        db,
        vec![message],
        state.clock.now(),
        state.settings.mail.letters,
    )
    .await?;
    if let Some(secret) = secret
        && added == 1
    {
        outbound::Entity::update_many()
            .col_expr(outbound::Column::Secret, Expr::value(secret))
            .filter(outbound::Column::DedupeKey.eq(dedupe_key))
            .filter(outbound::Column::Status.eq(OutboxStatus::Queued))
            .exec(db)
            .await?;
    }
    Ok(added)
}

/// Where the registration stands when it is not (yet) confirmed: awaiting approval, waitlisted, or
/// awaiting payment. One message per registration and status.
pub async fn status_notice<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    e: &event::Model,
    t: &ticket::Model,
    r: &reg::Model,
) -> AppResult<()> {
    let extra = json!({
        "event": event_json(e, false),
        "registration": registration_json(state, db, Some(t), r, None).await?,
    });
    let key = format!("event-registration.g{}.{}", r.id, r.status.as_str());
    queue(state, db, REGISTRATION, key, r.contact_id, extra).await?;
    Ok(())
}

/// The confirmation: where and when, the check-in code and the calendar link.
pub async fn confirmation<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    e: &event::Model,
    t: &ticket::Model,
    r: &reg::Model,
    codes: &Codes,
) -> AppResult<()> {
    let extra = json!({
        "event": event_json(e, true),
        "registration": registration_json(state, db, Some(t), r, Some(codes)).await?,
    });
    let key = format!("event-confirmed.g{}", r.id);
    let secret = Some(codes.check_in.as_str());
    queue_with_secret(state, db, REGISTRATION, key, r.contact_id, extra, secret).await?;
    Ok(())
}

/// A seat opened for someone on the waitlist: confirmed (with `codes`) or to be paid by a deadline.
pub async fn promoted<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    e: &event::Model,
    t: &ticket::Model,
    r: &reg::Model,
    codes: Option<&Codes>,
) -> AppResult<()> {
    let extra = json!({
        "event": event_json(e, codes.is_some()),
        "registration": registration_json(state, db, Some(t), r, codes).await?,
    });
    let key = format!("event-promoted.g{}", r.id);
    let secret = codes.map(|c| c.check_in.as_str());
    queue_with_secret(state, db, PROMOTED, key, r.contact_id, extra, secret).await?;
    Ok(())
}

/// The registration was cancelled: by the event's cancellation, by staff, by the person, or
/// because the fee was not paid in time.
pub async fn cancelled<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    e: &event::Model,
    r: &reg::Model,
    event_cancelled: bool,
    reason: Option<&str>,
) -> AppResult<()> {
    let mut registration = registration_json(state, db, None, r, None).await?;
    registration["eventCancelled"] = json!(event_cancelled);
    registration["reason"] = json!(reason);
    let extra = json!({ "event": event_json(e, false), "registration": registration });
    let key = format!("event-cancelled.g{}", r.id);
    queue(state, db, CANCELLED, key, r.contact_id, extra).await?;
    Ok(())
}

/// A message about a confirmed registration (reminders, the thank-you): where and when, no codes.
pub async fn about<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    template: &str,
    dedupe_key: String,
    e: &event::Model,
    r: &reg::Model,
    extra: Value,
) -> AppResult<u64> {
    let mut ctx = json!({
        "event": event_json(e, r.status.reveals_location()),
        "registration": registration_json(state, db, None, r, None).await?,
    });
    if let (Value::Object(target), Value::Object(more)) = (&mut ctx, extra) {
        target.extend(more);
    }
    queue(state, db, template, dedupe_key, r.contact_id, ctx).await
}

/// The keys among `keys` already in the outbox (looked up 500 at a time), so a job re-run renders
/// nothing it queued before.
pub async fn already_queued<C: ConnectionTrait>(
    db: &C,
    keys: &[String],
) -> AppResult<std::collections::HashSet<String>> {
    use sea_orm::QuerySelect;
    let mut found = std::collections::HashSet::new();
    for chunk in keys.chunks(500) {
        let rows: Vec<String> = outbound::Entity::find()
            .select_only()
            .column(outbound::Column::DedupeKey)
            .filter(outbound::Column::DedupeKey.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}
