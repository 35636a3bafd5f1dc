//! Events as staff enter them: the inputs of `write`, and the checks that turn them into rows
//! (each failure names its field).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::db::columns::JsonText;
use crate::db::entities::{event, event_ticket_type as ticket};
use crate::domain::event::{EventVisibility, MAX_GUESTS_LIMIT, MAX_TICKET_TYPES, check_capacity};
use crate::domain::money::{Currency, Money};
use crate::domain::patch::Patch;
use crate::domain::text::{Name, optional_text};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The permission that makes someone a member for an event unless staff name another.
pub const DEFAULT_MEMBER_PERMISSION: &str = "members-area";

/// A ticket type as entered.
#[derive(Clone, Debug, Default)]
pub struct TicketInput {
    pub name: String,
    /// Decimal amount; default free.
    pub price: Option<String>,
    /// Default: the organisation's currency.
    pub currency: Option<String>,
    /// Permissions one of which a buyer must hold (member price); empty: anyone.
    pub grants: Vec<String>,
    pub capacity: Option<i32>,
}

/// A new event as entered.
#[derive(Clone, Debug)]
pub struct EventInput {
    pub title: String,
    pub description: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub timezone: Option<String>,
    pub location: Option<String>,
    pub online_url: Option<String>,
    pub capacity: Option<i32>,
    pub visibility: Option<EventVisibility>,
    pub registration_opens_at: Option<DateTime<Utc>>,
    pub registration_closes_at: Option<DateTime<Utc>>,
    pub member_registration_opens_at: Option<DateTime<Utc>>,
    pub member_permission: Option<String>,
    pub requires_approval: Option<bool>,
    pub allow_guests: Option<bool>,
    pub max_guests_per_registration: Option<i32>,
    pub ticket_types: Vec<TicketInput>,
}

/// Changes to an event; `None`/`Keep` leaves a field as it is. Ticket types are fixed once created.
#[derive(Clone, Debug, Default)]
pub struct EventPatch {
    pub title: Option<String>,
    pub description: Patch<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub timezone: Option<String>,
    pub location: Patch<String>,
    pub online_url: Patch<String>,
    pub capacity: Patch<i32>,
    pub visibility: Option<EventVisibility>,
    pub registration_opens_at: Patch<DateTime<Utc>>,
    pub registration_closes_at: Patch<DateTime<Utc>>,
    pub member_registration_opens_at: Patch<DateTime<Utc>>,
    pub member_permission: Option<String>,
    pub requires_approval: Option<bool>,
    pub allow_guests: Option<bool>,
    pub max_guests_per_registration: Option<i32>,
}

/// What cancelling an event does to the money already in.
#[derive(Clone, Debug, Default)]
pub struct CancelEventInput {
    pub reason: Option<String>,
    /// Refund completed fees in full (default); otherwise they stay for staff to settle. Pending
    /// fees are cancelled either way.
    pub refund_payments: Option<bool>,
}

pub(super) fn timezone(raw: Option<&str>) -> AppResult<String> {
    let tz = raw
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or("UTC");
    let ok = tz.len() <= 64
        && tz
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+-/".contains(c))
        && (tz == "UTC" || tz.contains('/'));
    if ok {
        Ok(tz.to_string())
    } else {
        Err(AppError::bad_input(
            "timezone",
            "not a time zone name such as Europe/Paris or UTC",
        ))
    }
}

pub(super) fn online_url(raw: Option<&str>) -> AppResult<Option<String>> {
    let Some(text) = optional_text(raw, "onlineUrl", 2000)? else {
        return Ok(None);
    };
    match url::Url::parse(&text) {
        // The parser drops tabs and line breaks silently; the stored text must not carry them
        // (it goes into calendar files and mail as it is).
        Ok(u)
            if matches!(u.scheme(), "https" | "http")
                && u.host().is_some()
                && !text.chars().any(char::is_control) =>
        {
            Ok(Some(text))
        }
        _ => Err(AppError::bad_input(
            "onlineUrl",
            "must be an http(s) link such as https://meet.example.org/abc",
        )),
    }
}

pub(super) fn permission(raw: Option<&str>, field: &str) -> AppResult<String> {
    let p = raw.map(str::trim).unwrap_or(DEFAULT_MEMBER_PERMISSION);
    if p.is_empty() || p.len() > 100 || p.chars().any(char::is_control) {
        return Err(AppError::bad_input(
            field,
            "a permission name such as members-area (at most 100 characters)",
        ));
    }
    Ok(p.to_string())
}

pub(super) fn guests(allow: Option<bool>, max: Option<i32>) -> AppResult<(bool, i32)> {
    let max = max.unwrap_or(if allow == Some(true) { 1 } else { 0 });
    if !(0..=MAX_GUESTS_LIMIT).contains(&max) {
        return Err(AppError::bad_input(
            "maxGuestsPerRegistration",
            format!("must be between 0 and {MAX_GUESTS_LIMIT}"),
        ));
    }
    let allow = allow.unwrap_or(max > 0);
    Ok((allow, if allow { max } else { 0 }))
}

/// Checks the event's times together, naming the first field that fails.
pub(super) fn check(e: &event::ActiveModel) -> AppResult<()> {
    let (Some(starts_at), Some(ends_at)) = (e.starts_at.try_as_ref(), e.ends_at.try_as_ref())
    else {
        return Err(AppError::internal("an event without its times"));
    };
    let opt = |v: &sea_orm::ActiveValue<Option<DateTime<Utc>>>| v.try_as_ref().copied().flatten();
    crate::domain::event::Schedule {
        starts_at: *starts_at,
        ends_at: *ends_at,
        opens_at: opt(&e.registration_opens_at),
        closes_at: opt(&e.registration_closes_at),
        member_opens_at: opt(&e.member_registration_opens_at),
    }
    .check()?;
    Ok(())
}

pub(super) async fn add_tickets<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    event_id: i64,
    items: Vec<TicketInput>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let items = if items.is_empty() {
        vec![TicketInput {
            name: "General admission".into(),
            ..Default::default()
        }]
    } else {
        items
    };
    if items.len() > MAX_TICKET_TYPES {
        return Err(AppError::bad_input(
            "ticketTypes",
            format!("at most {MAX_TICKET_TYPES} ticket types"),
        ));
    }
    for (i, t) in items.into_iter().enumerate() {
        let name = Name::parse(&t.name, "ticketTypes.name")?.into_string();
        let currency = match t.currency.as_deref() {
            Some(c) => Currency::parse(c, "ticketTypes.currency")?,
            None => state.settings.organization.default_currency,
        };
        let price = match t.price.as_deref() {
            Some(p) => Money::parse(p, currency, "ticketTypes.price", false)?.minor(),
            None => 0,
        };
        if t.grants.len() > 20 {
            return Err(AppError::bad_input(
                "ticketTypes.grants",
                "at most 20 permissions",
            ));
        }
        let mut grants = Vec::new();
        for g in &t.grants {
            let g = permission(Some(g), "ticketTypes.grants")?;
            if !grants.contains(&g) {
                grants.push(g);
            }
        }
        ticket::ActiveModel {
            event_id: Set(event_id),
            name: Set(name),
            price_minor: Set(price),
            currency: Set(currency.code().to_string()),
            grants: Set(JsonText(grants)),
            capacity: Set(check_capacity(t.capacity, "ticketTypes.capacity")?),
            position: Set(i as i32),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}
