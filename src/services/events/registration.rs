//! Registering (the public, members, staff for someone), approving and cancelling registrations.
//!
//! Anonymous registration (public events only) names a person and an email. A live contact with
//! that address is used without telling the caller — the answer has the same shape either way and
//! never shows the contact — and its record is left as it was (the typed name is kept on the
//! registration only). What the address's owner holds never counts: an anonymous caller gets public
//! tickets only, however member the address is, so typing a member's email buys nothing. Anonymous
//! registrations count against the per-address signup limit.

use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;

use super::{get_in, lock_event, mail, registration_in, schedule_of, seats, ticket_in};
use crate::db::entities::{contact, event, event_registration as reg, event_ticket_type as ticket};
use crate::db::entities::{contribution, payment_token};
use crate::db::{begin_write, lock_subject};
use crate::domain::contact::{ContactDraft, ContactFields};
use crate::domain::contribution::ContributionStatus;
use crate::domain::email::EmailAddress;
use crate::domain::event::{EventStatus, RegistrationStatus, may_buy};
use crate::domain::money::{Currency, Money};
use crate::domain::text::{Name, optional_text};
use crate::error::{AppError, AppResult};
use crate::services::auth::{Viewer, new_token, token_digest};
use crate::services::contributions::{self, NewContribution, RefundInput};
use crate::services::{Actor, access, audit, contacts};
use crate::state::AppState;

/// A registration as the form sent it.
#[derive(Clone, Debug, Default)]
pub struct NewRegistration {
    pub event_id: i64,
    pub ticket_type_id: i64,
    /// Anonymous registrations only (a signed-in person registers as themself).
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub guests: i32,
}

/// What registering did.
#[derive(Clone, Debug)]
pub struct Registered {
    pub registration: reg::Model,
    /// Lets an anonymous registrant pay the fee online without signing in (shown once).
    pub payment_token: Option<String>,
}

/// Who registers and what they may buy.
struct Applicant {
    contact_id: i64,
    names: (Option<String>, Option<String>),
    permissions: Vec<String>,
    /// Staff registering someone: the window, approval and "already registered" by the viewer do
    /// not apply (capacity does).
    staff: bool,
    /// Refuse a second live registration of the contact (anonymous callers are not told).
    refuse_duplicate: bool,
    /// Issue a payment token for a fee (anonymous callers cannot sign in to pay).
    wants_token: bool,
}

/// How a registration is cancelled.
#[derive(Clone, Debug, Default)]
pub struct Cancellation {
    /// Refund a completed fee in full.
    pub refund: bool,
    pub reason: Option<String>,
    /// The whole event was cancelled (the notice says so).
    pub event_cancelled: bool,
    /// Offer the freed seats to the waitlist.
    pub promote: bool,
}

/// Registers the viewer (or, anonymous, the person named) for an event they may see.
#[tracing::instrument(skip(state, viewer, input), fields(event = input.event_id))]
pub async fn register(
    state: &AppState,
    viewer: &Viewer,
    client_ip: &str,
    input: NewRegistration,
) -> AppResult<Registered> {
    if let Viewer::Invalid(why) = viewer {
        return Err(AppError::Unauthenticated((*why).into()));
    }
    let e = super::list::visible(state, viewer, input.event_id, "eventId").await?;
    let permissions = access::permissions(state, viewer).await?.to_vec();
    let actor = access::actor(viewer);
    match viewer.user() {
        Some(u) => {
            let Some(contact_id) = u.contact_id else {
                return Err(AppError::bad_input(
                    "eventId",
                    "this login has no contact record; staff register people with registerContact",
                ));
            };
            let who = Applicant {
                contact_id,
                names: (None, None),
                permissions,
                staff: false,
                refuse_duplicate: true,
                wants_token: false,
            };
            let txn = begin_write(&state.db).await?;
            let done = register_in(state, &txn, &actor, e.id, &input, who).await?;
            txn.commit().await?;
            Ok(done)
        }
        None => register_anonymous(state, &actor, client_ip, e.id, input).await,
    }
}

async fn register_anonymous(
    state: &AppState,
    actor: &Actor,
    client_ip: &str,
    event_id: i64,
    input: NewRegistration,
) -> AppResult<Registered> {
    let first = Name::parse(input.first_name.as_deref().unwrap_or(""), "firstName")?.into_string();
    let last = Name::parse(input.last_name.as_deref().unwrap_or(""), "lastName")?.into_string();
    let email = EmailAddress::parse(input.email.as_deref().unwrap_or(""), "email")?.into_string();
    let client_ip: String = client_ip.chars().take(64).collect();
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    crate::services::signup::count_attempt(state, &txn, &client_ip).await?;
    // Two registrations with one new address take turns: the second finds the first's contact.
    lock_subject(&txn, "signup-email", &email).await?;
    let matched = contact::Entity::find()
        .filter(contact::Column::Email.eq(email.clone()))
        .filter(contact::Column::DeletedAt.is_null())
        .filter(contact::Column::IsDeceased.eq(false))
        .filter(contact::Column::ErasedAt.is_null())
        .one(&txn)
        .await?;
    let contact_id = match matched {
        Some(c) => c.id,
        None => {
            let fields = ContactFields {
                first_name: Some(first.clone()),
                last_name: Some(last.clone()),
                email: Some(email.clone()),
                ..Default::default()
            };
            let draft = ContactDraft::parse(fields, state.clock.today())?;
            contacts::insert_draft(&txn, draft, now).await?.id
        }
    };
    let who = Applicant {
        contact_id,
        names: (Some(first), Some(last)),
        permissions: Vec::new(),
        staff: false,
        refuse_duplicate: false,
        wants_token: true,
    };
    let done = register_in(state, &txn, actor, event_id, &input, who).await?;
    txn.commit().await?;
    Ok(done)
}

/// Staff register a contact (the contact's own permissions decide which tickets they may have).
#[tracing::instrument(skip(state, input), fields(actor = %actor.label()))]
pub async fn register_contact(
    state: &AppState,
    actor: &Actor,
    contact_id: i64,
    input: NewRegistration,
) -> AppResult<Registered> {
    let c = contacts::get_live_in(&state.db, contact_id, "contactId").await?;
    contacts::refuse_erased(&c)?;
    let permissions = crate::services::memberships::permissions_of(state, contact_id).await?;
    let who = Applicant {
        contact_id,
        names: (None, None),
        permissions,
        staff: true,
        refuse_duplicate: true,
        wants_token: false,
    };
    let txn = begin_write(&state.db).await?;
    let done = register_in(state, &txn, actor, input.event_id, &input, who).await?;
    txn.commit().await?;
    Ok(done)
}

async fn register_in(
    state: &AppState,
    txn: &DatabaseTransaction,
    actor: &Actor,
    event_id: i64,
    input: &NewRegistration,
    who: Applicant,
) -> AppResult<Registered> {
    lock_event(txn, event_id).await?;
    let e = get_in(txn, event_id, "eventId").await?;
    let now = state.clock.now();
    match e.status {
        EventStatus::Published => {}
        EventStatus::Cancelled => {
            return Err(AppError::conflict(
                Some("eventId"),
                "this event is cancelled",
            ));
        }
        EventStatus::Draft if who.staff => {
            return Err(AppError::conflict(
                Some("eventId"),
                "publish the event first",
            ));
        }
        EventStatus::Draft => return Err(AppError::not_found("event", event_id, "eventId")),
    }
    let is_member = who.permissions.contains(&e.member_permission);
    if who.staff {
        if now >= e.ends_at {
            return Err(AppError::conflict(Some("eventId"), "this event is over"));
        }
    } else {
        schedule_of(&e)
            .open_at(now, is_member)
            .map_err(|why| AppError::conflict(Some("eventId"), why))?;
    }
    let t = ticket_in(txn, e.id, input.ticket_type_id, "ticketTypeId").await?;
    if !may_buy(&t.grants.0, &who.permissions) {
        // A member ticket is invisible to whoever may not buy it.
        return Err(AppError::not_found("ticket type", t.id, "ticketTypeId"));
    }
    let max = if e.allow_guests {
        e.max_guests_per_registration
    } else {
        0
    };
    if !(0..=max).contains(&input.guests) {
        return Err(AppError::bad_input(
            "guests",
            format!("this event allows at most {max} guests per registration"),
        ));
    }
    if who.refuse_duplicate {
        let live = reg::Entity::find()
            .filter(reg::Column::EventId.eq(e.id))
            .filter(reg::Column::ContactId.eq(who.contact_id))
            .filter(reg::Column::Status.ne(RegistrationStatus::Cancelled))
            .one(txn)
            .await?;
        if let Some(r) = live {
            return Err(AppError::conflict(
                Some("eventId"),
                format!("already registered for this event (registration {})", r.id),
            ));
        }
    }
    let row = reg::ActiveModel {
        event_id: Set(e.id),
        ticket_type_id: Set(t.id),
        contact_id: Set(who.contact_id),
        first_name: Set(who.names.0.clone()),
        last_name: Set(who.names.1.clone()),
        guests: Set(input.guests),
        // Placeholder until the seats are decided below, in this transaction.
        status: Set(RegistrationStatus::Waitlisted),
        contribution_id: Set(None),
        pay_by: Set(None),
        check_in_code_sha256: Set(None),
        calendar_token_sha256: Set(None),
        registered_at: Set(now),
        confirmed_at: Set(None),
        checked_in_at: Set(None),
        cancelled_at: Set(None),
        created_by: Set(actor.label()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let (row, token) = if e.requires_approval && !who.staff {
        let r = set_status(txn, row, RegistrationStatus::AwaitingApproval, now).await?;
        mail::status_notice(state, txn, &e, &t, &r).await?;
        (r, None)
    } else {
        place(state, txn, actor, &e, &t, row, who.wants_token, false).await?
    };
    audit::record(
        txn,
        actor,
        "event.register",
        "event_registration",
        row.id,
        None,
        Some(
            json!({ "eventId": e.id, "contactId": row.contact_id, "ticketTypeId": t.id,
                     "guests": row.guests, "status": row.status.as_str() }),
        ),
        now,
    )
    .await?;
    Ok(Registered {
        registration: row,
        payment_token: token,
    })
}

/// Moves a registration (read as `r`) to `to`; CONFLICT when it changed meanwhile.
pub(super) async fn set_status<C: ConnectionTrait>(
    db: &C,
    r: reg::Model,
    to: RegistrationStatus,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<reg::Model> {
    let moved = reg::Entity::update_many()
        .col_expr(reg::Column::Status, Expr::value(to))
        .col_expr(reg::Column::UpdatedAt, Expr::value(now))
        .filter(reg::Column::Id.eq(r.id))
        .filter(reg::Column::Status.eq(r.status))
        .exec(db)
        .await?
        .rows_affected;
    if moved == 0 {
        return Err(AppError::conflict(
            None,
            "the registration changed meanwhile; try again",
        ));
    }
    registration_in(db, r.id, "id").await
}

/// Gives a WAITLISTED (or new, or approved) registration its seats when they fit and nobody waits
/// ahead of it; otherwise it stays (or goes) on the waitlist. Returns it and any payment token.
#[allow(clippy::too_many_arguments)]
pub(super) async fn place(
    state: &AppState,
    txn: &DatabaseTransaction,
    actor: &Actor,
    e: &event::Model,
    t: &ticket::Model,
    r: reg::Model,
    wants_token: bool,
    promoted: bool,
) -> AppResult<(reg::Model, Option<String>)> {
    let now = state.clock.now();
    let ahead = reg::Entity::find()
        .filter(reg::Column::EventId.eq(e.id))
        .filter(reg::Column::Status.eq(RegistrationStatus::Waitlisted))
        .filter(reg::Column::Id.lt(r.id))
        .one(txn)
        .await?
        .is_some();
    let fits = seats(txn, e, t).await?.fit(1 + i64::from(r.guests));
    if ahead || !fits {
        let r = if r.status == RegistrationStatus::Waitlisted {
            r
        } else {
            set_status(txn, r, RegistrationStatus::Waitlisted, now).await?
        };
        mail::status_notice(state, txn, e, t, &r).await?;
        return Ok((r, None));
    }
    grant_seat(state, txn, actor, e, t, r, wants_token, promoted).await
}

/// Seats are free for `r`: a priced ticket awaits payment (a PENDING fee, a deadline), a free one
/// is confirmed.
#[allow(clippy::too_many_arguments)]
pub(super) async fn grant_seat(
    state: &AppState,
    txn: &DatabaseTransaction,
    actor: &Actor,
    e: &event::Model,
    t: &ticket::Model,
    r: reg::Model,
    wants_token: bool,
    promoted: bool,
) -> AppResult<(reg::Model, Option<String>)> {
    if t.price_minor == 0 {
        let r = confirm_in(state, txn, e, r, promoted).await?;
        return Ok((r, None));
    }
    let now = state.clock.now();
    let currency = Currency::parse(&t.currency, "currency")?;
    let seats = 1 + i64::from(r.guests);
    let amount = Money::from_minor(t.price_minor.saturating_mul(seats), currency);
    let fee = contributions::record_in(
        state,
        txn,
        actor,
        NewContribution {
            contact_id: r.contact_id,
            financial_type: "EVENT_FEE".into(),
            amount: amount.to_decimal_string(),
            currency: Some(currency.code().to_string()),
            received_date: None,
            status: Some(ContributionStatus::Pending),
            payment_instrument: None,
            transaction_id: None,
            source: Some(format!("event {}: {}", e.id, e.title)),
            note: None,
            campaign_id: None,
            check_number: None,
            memberships: Vec::new(),
            soft_credits: Vec::new(),
            tribute: None,
            recurring: None,
        },
    )
    .await?;
    let pay_by = (now + Duration::hours(super::PAY_WITHIN_HOURS)).min(e.starts_at.max(now));
    let moved = reg::Entity::update_many()
        .col_expr(
            reg::Column::Status,
            Expr::value(RegistrationStatus::PendingPayment),
        )
        .col_expr(reg::Column::ContributionId, Expr::value(fee.id))
        .col_expr(reg::Column::PayBy, Expr::value(pay_by))
        .col_expr(reg::Column::UpdatedAt, Expr::value(now))
        .filter(reg::Column::Id.eq(r.id))
        .filter(reg::Column::Status.eq(r.status))
        .exec(txn)
        .await?
        .rows_affected;
    if moved == 0 {
        return Err(AppError::conflict(
            None,
            "the registration changed meanwhile; try again",
        ));
    }
    let token = if wants_token {
        let token = new_token();
        payment_token::ActiveModel {
            contribution_id: Set(fee.id),
            token_sha256: Set(token_digest(&token)),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
        Some(token)
    } else {
        None
    };
    let r = registration_in(txn, r.id, "id").await?;
    if promoted {
        mail::promoted(state, txn, e, t, &r, None).await?;
    } else {
        mail::status_notice(state, txn, e, t, &r).await?;
    }
    Ok((r, token))
}

/// Confirms a registration (free seat, fee paid, or promoted): a new check-in code and calendar
/// link are made and mailed, once — of two confirmations racing, one moves the status.
pub(super) async fn confirm_in<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    e: &event::Model,
    r: reg::Model,
    promoted: bool,
) -> AppResult<reg::Model> {
    let now = state.clock.now();
    let (code, calendar) = (new_token(), new_token());
    let moved = reg::Entity::update_many()
        .col_expr(
            reg::Column::Status,
            Expr::value(RegistrationStatus::Registered),
        )
        .col_expr(
            reg::Column::CheckInCodeSha256,
            Expr::value(token_digest(&code)),
        )
        .col_expr(
            reg::Column::CalendarTokenSha256,
            Expr::value(token_digest(&calendar)),
        )
        .col_expr(reg::Column::ConfirmedAt, Expr::value(now))
        .col_expr(
            reg::Column::PayBy,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(reg::Column::UpdatedAt, Expr::value(now))
        .filter(reg::Column::Id.eq(r.id))
        .filter(reg::Column::Status.eq(r.status))
        .exec(db)
        .await?
        .rows_affected;
    let r = registration_in(db, r.id, "id").await?;
    if moved == 1 {
        let t = ticket_in(db, e.id, r.ticket_type_id, "ticketTypeId").await?;
        let codes = mail::Codes {
            check_in: code,
            calendar,
        };
        if promoted {
            mail::promoted(state, db, e, &t, &r, Some(&codes)).await?;
        } else {
            mail::confirmation(state, db, e, &t, &r, &codes).await?;
        }
    }
    Ok(r)
}

/// Approves a registration awaiting approval (staff): it gets its seats, or joins the waitlist.
#[tracing::instrument(skip(state), fields(actor = %actor.label()))]
pub async fn approve(state: &AppState, actor: &Actor, id: i64) -> AppResult<reg::Model> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let found = registration_in(&txn, id, "id").await?;
    lock_event(&txn, found.event_id).await?;
    let r = registration_in(&txn, id, "id").await?;
    if r.status != RegistrationStatus::AwaitingApproval {
        return Err(AppError::conflict(
            None,
            format!(
                "only a registration awaiting approval can be approved; this one is {}",
                r.status
            ),
        ));
    }
    let e = get_in(&txn, r.event_id, "id").await?;
    if e.status != EventStatus::Published {
        return Err(AppError::conflict(
            None,
            format!("the event is {}", e.status),
        ));
    }
    let t = ticket_in(&txn, e.id, r.ticket_type_id, "id").await?;
    let r = set_status(&txn, r, RegistrationStatus::Waitlisted, now).await?;
    // An approved person joins the queue behind those already waiting.
    let (r, _) = place(state, &txn, actor, &e, &t, r, false, false).await?;
    audit::record(
        &txn,
        actor,
        "event.approve",
        "event_registration",
        id,
        None,
        Some(json!({ "status": r.status.as_str() })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(r)
}

/// Cancels a registration inside the caller's transaction (the event is locked by the caller):
/// its pending fee is cancelled, a completed one refunded when asked, the person told, and the
/// freed seats offered to the waitlist when asked.
pub async fn cancel_in(
    state: &AppState,
    txn: &DatabaseTransaction,
    actor: &Actor,
    e: &event::Model,
    r: reg::Model,
    how: Cancellation,
) -> AppResult<reg::Model> {
    let now = state.clock.now();
    if !r.status.is_live() {
        return Err(AppError::conflict(
            None,
            "this registration is cancelled already",
        ));
    }
    let held = r.status.holds_seat();
    let moved = reg::Entity::update_many()
        .col_expr(
            reg::Column::Status,
            Expr::value(RegistrationStatus::Cancelled),
        )
        .col_expr(reg::Column::CancelledAt, Expr::value(now))
        .col_expr(reg::Column::UpdatedAt, Expr::value(now))
        .filter(reg::Column::Id.eq(r.id))
        .filter(reg::Column::Status.eq(r.status))
        .exec(txn)
        .await?
        .rows_affected;
    if moved == 0 {
        return Err(AppError::conflict(
            None,
            "the registration changed meanwhile; try again",
        ));
    }
    if let Some(k) = r.contribution_id {
        let fee = contribution::Entity::find_by_id(k).one(txn).await?;
        let why = how
            .reason
            .clone()
            .or_else(|| Some(format!("event registration {} cancelled", r.id)));
        match fee.map(|f| f.status) {
            Some(ContributionStatus::Pending | ContributionStatus::Failed) => {
                contributions::cancel_in(state, txn, actor, k, why).await?;
            }
            Some(ContributionStatus::Completed) if how.refund => {
                let input = RefundInput {
                    amount: None,
                    reason: why,
                    cancel_memberships: false,
                };
                contributions::refund_in(state, txn, actor, k, input).await?;
            }
            _ => {}
        }
    }
    let r = registration_in(txn, r.id, "id").await?;
    mail::cancelled(
        state,
        txn,
        e,
        &r,
        how.event_cancelled,
        how.reason.as_deref(),
    )
    .await?;
    audit::record(txn, actor, "event.cancel_registration", "event_registration", r.id, None,
        Some(json!({ "refund": how.refund, "reason": how.reason, "eventCancelled": how.event_cancelled })),
        now).await?;
    if how.promote && held {
        super::waitlist::promote_in(state, txn, actor, e).await?;
    }
    Ok(r)
}

/// Cancels a registration (staff); a completed fee is refunded unless `refund` is false.
#[tracing::instrument(skip(state, reason), fields(actor = %actor.label()))]
pub async fn cancel(
    state: &AppState,
    actor: &Actor,
    id: i64,
    refund: bool,
    reason: Option<String>,
) -> AppResult<reg::Model> {
    let reason = optional_text(reason.as_deref(), "reason", 2000)?;
    let txn = begin_write(&state.db).await?;
    let found = registration_in(&txn, id, "id").await?;
    lock_event(&txn, found.event_id).await?;
    let r = registration_in(&txn, id, "id").await?;
    refuse_after_event(&r)?;
    let e = get_in(&txn, r.event_id, "id").await?;
    let how = Cancellation {
        refund,
        reason,
        event_cancelled: false,
        promote: true,
    };
    let done = cancel_in(state, &txn, actor, &e, r, how).await?;
    txn.commit().await?;
    Ok(done)
}

fn refuse_after_event(r: &reg::Model) -> AppResult<()> {
    if matches!(
        r.status,
        RegistrationStatus::Attended | RegistrationStatus::NoShow
    ) {
        return Err(AppError::conflict(
            None,
            format!(
                "this registration is {}: the event has taken place",
                r.status
            ),
        ));
    }
    Ok(())
}

/// Cancels the viewer's own registration. Another person's (or an unknown id) is NOT_FOUND, so ids
/// tell nothing. A pending fee is cancelled; a paid one stays for staff to refund.
#[tracing::instrument(skip(state, viewer))]
pub async fn cancel_mine(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<reg::Model> {
    let u = access::user(viewer)?;
    let actor = access::actor(viewer);
    let txn = begin_write(&state.db).await?;
    let found = reg::Entity::find_by_id(id).one(&txn).await?;
    let Some(found) = found.filter(|r| u.contact_id == Some(r.contact_id)) else {
        return Err(AppError::not_found("registration", id, "id"));
    };
    lock_event(&txn, found.event_id).await?;
    let r = registration_in(&txn, id, "id").await?;
    refuse_after_event(&r)?;
    let e = get_in(&txn, r.event_id, "id").await?;
    if state.clock.now() >= e.starts_at {
        return Err(AppError::conflict(
            None,
            "the event has started; ask the organisers",
        ));
    }
    let how = Cancellation {
        refund: false,
        reason: None,
        event_cancelled: false,
        promote: true,
    };
    let done = cancel_in(state, &txn, &actor, &e, r, how).await?;
    txn.commit().await?;
    Ok(done)
}
