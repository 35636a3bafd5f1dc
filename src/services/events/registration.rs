//! Registering (the public, members, staff for someone), approving and cancelling registrations.
//!
//! Anonymous registration (public events only) names a person and an email. A live contact with
//! that address is used without telling the caller — the answer has the same shape either way and
//! never shows the contact — and its record is left as it was (the typed name is kept on the
//! registration only). What the address's owner holds never counts: an anonymous caller gets public
//! tickets only, however member the address is, so typing a member's email buys nothing. Anonymous
//! registrations count against the per-address signup limit.

use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::placement::{place, set_status};
use super::{get_in, lock_event, mail, registration_in, schedule_of, ticket_in};
use crate::db::entities::{contact, event_registration as reg};
use crate::db::{begin_write, lock_subject};
use crate::domain::contact::{ContactDraft, ContactFields};
use crate::domain::email::EmailAddress;
use crate::domain::event::{EventStatus, RegistrationStatus, may_buy};
use crate::domain::text::Name;
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
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
    // The attempt counts in its own transaction, so a request that fails (a closed event, a
    // wrong ticket) still counts against the address's hourly limit.
    let attempt = begin_write(&state.db).await?;
    crate::services::signup::count_attempt(state, &attempt, &client_ip).await?;
    attempt.commit().await?;
    let txn = begin_write(&state.db).await?;
    // Two registrations with one new address take turns: the second finds the first's contact.
    lock_subject(&txn, "signup-email", &email).await?;
    let matched = contact::Entity::find()
        .filter(contact::Column::Email.eq(email.clone()))
        .filter(contact::Column::DeletedAt.is_null())
        .filter(contact::Column::ErasedAt.is_null())
        .one(&txn)
        .await?;
    let contact_id = match matched {
        Some(c) if !c.is_deceased => c.id,
        // The address of someone who died: a new contact without it (the answer is the same as
        // for any address, so it tells nobody whose address it was).
        found => {
            let fields = ContactFields {
                first_name: Some(first.clone()),
                last_name: Some(last.clone()),
                email: found.is_none().then(|| email.clone()),
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
    // An approved person takes their place in the order of registration: seats if nobody who
    // registered earlier is waiting, the waitlist otherwise.
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
