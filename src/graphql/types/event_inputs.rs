//! Inputs of the events operations.

use async_graphql::{ID, InputObject, MaybeUndefined};

use super::event::{EventStatus, EventVisibility, RegistrationStatus};
use crate::graphql::scalars::{DateTime, Decimal};

/// A ticket type of a new event.
#[derive(Debug, InputObject)]
pub struct TicketTypeInput {
    /// Its name, e.g. "Member" or "Public".
    pub name: String,
    /// Price per seat (the person and each guest), e.g. "15.00" (default free).
    pub price: Option<Decimal>,
    /// ISO 4217 currency (default: the organisation's).
    pub currency: Option<String>,
    /// Permissions one of which a buyer must hold, e.g. `["members-area"]` for a member price
    /// (default: anyone may buy it).
    pub grants: Option<Vec<String>>,
    /// Seats of this ticket (default: only the event's capacity limits it).
    pub capacity: Option<i32>,
}

/// A new event (created as a DRAFT; `publishEvent` opens it).
#[derive(Debug, InputObject)]
pub struct CreateEventInput {
    /// Its title.
    pub title: String,
    /// What it is about.
    pub description: Option<String>,
    /// When it starts.
    pub starts_at: DateTime,
    /// When it ends (after the start).
    pub ends_at: DateTime,
    /// The time zone it is announced in, e.g. `Europe/Paris` (default UTC).
    pub timezone: Option<String>,
    /// Venue and address (shown only to staff and confirmed participants).
    pub location: Option<String>,
    /// Link of an online event (shown only to staff and confirmed participants).
    pub online_url: Option<String>,
    /// Seats, people plus guests (default: no limit).
    pub capacity: Option<i32>,
    /// Who sees it (default PUBLIC).
    pub visibility: Option<EventVisibility>,
    /// When registration opens for everyone (default: once published).
    pub registration_opens_at: Option<DateTime>,
    /// When registration closes (default: when the event starts).
    pub registration_closes_at: Option<DateTime>,
    /// When members may start registering (early registration; before `registrationOpensAt`).
    pub member_registration_opens_at: Option<DateTime>,
    /// The permission that makes someone a member for this event (default `members-area`).
    pub member_permission: Option<String>,
    /// Whether staff approve each registration (default false).
    pub requires_approval: Option<bool>,
    /// Whether people may bring guests (default: when `maxGuestsPerRegistration` > 0).
    pub allow_guests: Option<bool>,
    /// Most guests per registration, 0 to 20 (default 1 when guests are allowed).
    pub max_guests_per_registration: Option<i32>,
    /// Its tickets, at most 20 (default: one free "General admission").
    pub ticket_types: Option<Vec<TicketTypeInput>>,
}

/// Changes to an event; fields left out keep their value, `null` clears an optional one. Ticket
/// types do not change once created.
#[derive(Debug, InputObject)]
pub struct UpdateEventInput {
    /// Its title.
    pub title: Option<String>,
    /// What it is about.
    pub description: MaybeUndefined<String>,
    /// When it starts.
    pub starts_at: Option<DateTime>,
    /// When it ends.
    pub ends_at: Option<DateTime>,
    /// The time zone it is announced in.
    pub timezone: Option<String>,
    /// Venue and address.
    pub location: MaybeUndefined<String>,
    /// Link of an online event.
    pub online_url: MaybeUndefined<String>,
    /// Seats (not below those taken); `null`: no limit. More seats go to the waitlist first.
    pub capacity: MaybeUndefined<i32>,
    /// Who sees it.
    pub visibility: Option<EventVisibility>,
    /// When registration opens for everyone.
    pub registration_opens_at: MaybeUndefined<DateTime>,
    /// When registration closes.
    pub registration_closes_at: MaybeUndefined<DateTime>,
    /// When members may start registering.
    pub member_registration_opens_at: MaybeUndefined<DateTime>,
    /// The permission that makes someone a member for this event.
    pub member_permission: Option<String>,
    /// Whether staff approve each registration.
    pub requires_approval: Option<bool>,
    /// Whether people may bring guests.
    pub allow_guests: Option<bool>,
    /// Most guests per registration.
    pub max_guests_per_registration: Option<i32>,
}

/// How an event is cancelled.
#[derive(Debug, Default, InputObject)]
pub struct CancelEventInput {
    /// Why (told to the participants).
    pub reason: Option<String>,
    /// Refund completed fees in full (default true); false leaves them for staff to settle.
    /// Pending fees are cancelled either way.
    pub refund_payments: Option<bool>,
}

/// A registration for an event.
#[derive(Debug, InputObject)]
pub struct RegisterForEventInput {
    /// The ticket (one the caller may buy).
    pub ticket_type_id: ID,
    /// First name (anonymous registrations; a signed-in person registers as themself).
    pub first_name: Option<String>,
    /// Last name (anonymous registrations).
    pub last_name: Option<String>,
    /// Email address (anonymous registrations): the confirmation goes there.
    pub email: Option<String>,
    /// Guests coming along (default 0; at most the event's `maxGuestsPerRegistration`).
    pub guests: Option<i32>,
}

/// Staff register a contact for an event.
#[derive(Debug, InputObject)]
pub struct RegisterContactInput {
    /// The contact.
    pub contact_id: ID,
    /// The ticket (one the contact's memberships allow).
    pub ticket_type_id: ID,
    /// Guests coming along (default 0).
    pub guests: Option<i32>,
}

/// How staff cancel a registration.
#[derive(Debug, Default, InputObject)]
pub struct CancelRegistrationInput {
    /// Why (told to the person).
    pub reason: Option<String>,
    /// Refund a completed fee in full (default true).
    pub refund: Option<bool>,
}

/// What the events list includes.
#[derive(Debug, Default, InputObject)]
pub struct EventFilter {
    /// Only events that have not ended.
    pub upcoming: Option<bool>,
    /// Events starting at or after this instant.
    pub from: Option<DateTime>,
    /// Events starting before this instant.
    pub to: Option<DateTime>,
    /// Events in this status (drafts: staff only).
    pub status: Option<EventStatus>,
    /// Events with this visibility.
    pub visibility: Option<EventVisibility>,
}

/// What the registrations list includes (staff).
#[derive(Debug, Default, InputObject)]
pub struct RegistrationFilter {
    /// One event's registrations.
    pub event_id: Option<ID>,
    /// One contact's registrations.
    pub contact_id: Option<ID>,
    /// Registrations in this status.
    pub status: Option<RegistrationStatus>,
}
