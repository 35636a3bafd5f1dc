//! Events, ticket types and registrations as GraphQL objects. Nested fields ask the same rules as
//! the root fields: where an event takes place only for staff and confirmed participants, member
//! tickets only for those who may buy them, a registration's person and fee only for staff and the
//! person registered.

use async_graphql::{Context, ID, Object, Result};

use crate::db::entities::{event, event_registration as reg, event_ticket_type as ticket};
use crate::domain::event as de;
use crate::graphql::guards;
use crate::graphql::scalars::{DateTime, Decimal};
use crate::graphql::types::contact::Contact;
use crate::graphql::types::contribution::Contribution;
use crate::graphql::types::giving::money;
use crate::services::access;
use crate::services::events::{self, list, stats};

crate::mirror_enum!(
    /// Where an event is in its life.
    EventStatus <=> de::EventStatus {
        /// Being prepared: only staff see it.
        Draft,
        /// Open to its audience.
        Published,
        /// Called off; participants were told.
        Cancelled,
    }
);

crate::mirror_enum!(
    /// Who sees an event.
    EventVisibility <=> de::EventVisibility {
        /// Everyone, in lists and in the public calendar feed (`/events.ics`).
        Public,
        /// Current members holding the event's `memberPermission` (and staff).
        MembersOnly,
        /// Anyone with its id, but never listed nor in the feed.
        Unlisted,
    }
);

crate::mirror_enum!(
    /// Where a registration is.
    RegistrationStatus <=> de::RegistrationStatus {
        /// Seats are held until the fee is paid (by `payBy`).
        PendingPayment,
        /// Confirmed: a check-in code was mailed.
        Registered,
        /// Waiting for seats, in order.
        Waitlisted,
        /// Waiting for staff to approve it.
        AwaitingApproval,
        /// Cancelled (by the person, staff, the event's cancellation, or an unpaid deadline).
        Cancelled,
        /// Checked in at the event.
        Attended,
        /// Did not come.
        NoShow,
    }
);

/// An event people register for.
#[derive(Clone, Debug)]
pub struct Event(pub event::Model);

/// An event people register for.
#[Object]
impl Event {
    /// Identifier of the event.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Its title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What it is about.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// When it starts (UTC).
    async fn starts_at(&self) -> DateTime {
        self.0.starts_at.into()
    }
    /// When it ends (UTC).
    async fn ends_at(&self) -> DateTime {
        self.0.ends_at.into()
    }
    /// The time zone it is announced in, e.g. `Europe/Paris`.
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }
    /// Venue and address: shown to staff and to participants holding a confirmed seat; null for
    /// everyone else.
    async fn location(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self
            .revealed(ctx)
            .await?
            .then(|| self.0.location.clone())
            .flatten())
    }
    /// Link of an online event: shown to staff and to participants holding a confirmed seat; null
    /// for everyone else.
    async fn online_url(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self
            .revealed(ctx)
            .await?
            .then(|| self.0.online_url.clone())
            .flatten())
    }
    /// Seats (people plus guests); null: no limit.
    async fn capacity(&self) -> Option<i32> {
        self.0.capacity
    }
    /// Who sees it.
    async fn visibility(&self) -> EventVisibility {
        self.0.visibility.into()
    }
    /// Draft, published or cancelled.
    async fn status(&self) -> EventStatus {
        self.0.status.into()
    }
    /// When registration opens for everyone (null: once published).
    async fn registration_opens_at(&self) -> Option<DateTime> {
        self.0.registration_opens_at.map(DateTime)
    }
    /// When registration closes (null: when the event starts).
    async fn registration_closes_at(&self) -> Option<DateTime> {
        self.0.registration_closes_at.map(DateTime)
    }
    /// When members (holders of `memberPermission`) may start registering: early registration.
    async fn member_registration_opens_at(&self) -> Option<DateTime> {
        self.0.member_registration_opens_at.map(DateTime)
    }
    /// The permission that makes someone a member for this event (members-only visibility, early
    /// registration), e.g. `members-area`.
    async fn member_permission(&self) -> &str {
        &self.0.member_permission
    }
    /// Whether staff approve each registration.
    async fn requires_approval(&self) -> bool {
        self.0.requires_approval
    }
    /// Whether people may bring guests.
    async fn allow_guests(&self) -> bool {
        self.0.allow_guests
    }
    /// Most guests per registration.
    async fn max_guests_per_registration(&self) -> i32 {
        self.0.max_guests_per_registration
    }
    /// Why it was cancelled.
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }
    /// The tickets the caller may buy (member tickets only for those holding one of their
    /// permissions; staff see all).
    async fn ticket_types(&self, ctx: &Context<'_>) -> Result<Vec<TicketType>> {
        let state = guards::state(ctx)?;
        let found = list::tickets_for(state, guards::viewer(ctx), self.0.id).await?;
        Ok(found.into_iter().map(TicketType).collect())
    }
    /// Seats taken by confirmed and unpaid registrations (people plus guests).
    async fn registered_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let state = guards::state(ctx)?;
        Ok(events::seats_taken(&state.db, self.0.id, None).await?)
    }
    /// Seats asked for by the waitlist (people plus guests).
    async fn waitlist_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let state = guards::state(ctx)?;
        let (_, seats) =
            events::count_in(&state.db, self.0.id, de::RegistrationStatus::Waitlisted).await?;
        Ok(seats)
    }
    /// Seats still free; null when there is no limit.
    async fn seats_remaining(&self, ctx: &Context<'_>) -> Result<Option<i64>> {
        let state = guards::state(ctx)?;
        let taken = events::seats_taken(&state.db, self.0.id, None).await?;
        Ok(self.0.capacity.map(|c| (i64::from(c) - taken).max(0)))
    }
    /// The event's registrations, oldest first (staff).
    async fn registrations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Only registrations in this status.")] status: Option<RegistrationStatus>,
    ) -> Result<RegistrationConnection> {
        let state = guards::state(ctx)?;
        let page = guards::page_args(ctx, first, after)?;
        let f = list::RegistrationFilter {
            event_id: Some(self.0.id),
            contact_id: None,
            status: status.map(Into::into),
        };
        let found = list::registrations(state, guards::viewer(ctx), &f, page).await?;
        Ok(RegistrationConnection::from_page(found, Registration::new))
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

impl Event {
    async fn revealed(&self, ctx: &Context<'_>) -> Result<bool> {
        let state = guards::state(ctx)?;
        Ok(events::reveals_location(state, guards::viewer(ctx), self.0.id).await?)
    }
}

/// A ticket of an event.
#[derive(Clone, Debug)]
pub struct TicketType(pub ticket::Model);

/// A ticket of an event: its price and who may buy it.
#[Object]
impl TicketType {
    /// Identifier of the ticket type (pass it as `ticketTypeId`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Its name, e.g. "Member" or "Public".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Price per seat (the person and each guest); "0.00" is free.
    async fn price(&self) -> Decimal {
        money(self.0.price_minor, &self.0.currency)
    }
    /// ISO 4217 currency of the price.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// Permissions one of which a buyer must hold (a member price); empty: anyone.
    async fn grants(&self) -> Vec<String> {
        self.0.grants.0.clone()
    }
    /// Seats of this ticket; null: only the event's capacity limits it.
    async fn capacity(&self) -> Option<i32> {
        self.0.capacity
    }
}

/// A person's registration for an event.
#[derive(Clone, Debug)]
pub struct Registration {
    pub row: reg::Model,
    /// Only in `registerForEvent`'s answer to an anonymous registrant with a fee to pay.
    pub payment_token: Option<String>,
}

impl Registration {
    pub fn new(row: reg::Model) -> Self {
        Self {
            row,
            payment_token: None,
        }
    }
}

/// A person's registration for an event, with their guests.
#[Object]
impl Registration {
    /// Identifier of the registration.
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    /// Where it is.
    async fn status(&self) -> RegistrationStatus {
        self.row.status.into()
    }
    /// The event (to staff and to the person registered).
    async fn event(&self, ctx: &Context<'_>) -> Result<Event> {
        let state = guards::state(ctx)?;
        Ok(Event(
            events::get_in(&state.db, self.row.event_id, "eventId").await?,
        ))
    }
    /// The person registered (staff, or that person).
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        access::require_self_or_staff(guards::viewer(ctx), self.row.contact_id)?;
        Ok(guards::loaders(ctx)?
            .contact(self.row.contact_id)
            .await?
            .map(Contact))
    }
    /// The ticket.
    async fn ticket_type(&self, ctx: &Context<'_>) -> Result<TicketType> {
        let state = guards::state(ctx)?;
        let t = events::ticket_in(
            &state.db,
            self.row.event_id,
            self.row.ticket_type_id,
            "ticketTypeId",
        )
        .await?;
        Ok(TicketType(t))
    }
    /// Guests coming with the person (each takes a seat).
    async fn guests(&self) -> i32 {
        self.row.guests
    }
    /// The attendee's name as typed when registering anonymously (staff, or that person).
    async fn attendee_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        access::require_self_or_staff(guards::viewer(ctx), self.row.contact_id)?;
        let parts: Vec<&str> = [&self.row.first_name, &self.row.last_name]
            .into_iter()
            .filter_map(|p| p.as_deref())
            .collect();
        Ok((!parts.is_empty()).then(|| parts.join(" ")))
    }
    /// The EVENT_FEE contribution paying for it (staff, or the person registered).
    async fn contribution(&self, ctx: &Context<'_>) -> Result<Option<Contribution>> {
        let Some(k) = self.row.contribution_id else {
            return Ok(None);
        };
        access::require_self_or_staff(guards::viewer(ctx), self.row.contact_id)?;
        let state = guards::state(ctx)?;
        let found = crate::services::contributions::get_in(&state.db, k).await?;
        Ok(Some(Contribution(found.into())))
    }
    /// Lets an anonymous registrant pay the fee with `startPayment` (returned once, by
    /// `registerForEvent`; null everywhere else).
    async fn payment_token(&self) -> Option<&str> {
        self.payment_token.as_deref()
    }
    /// A PENDING_PAYMENT registration's seats are released if it is not paid by then.
    async fn pay_by(&self) -> Option<DateTime> {
        self.row.pay_by.map(DateTime)
    }
    /// When the person registered.
    async fn registered_at(&self) -> DateTime {
        self.row.registered_at.into()
    }
    /// When it was confirmed (free seat, fee paid, or promoted from the waitlist).
    async fn confirmed_at(&self) -> Option<DateTime> {
        self.row.confirmed_at.map(DateTime)
    }
    /// When the person was checked in.
    async fn checked_in_at(&self) -> Option<DateTime> {
        self.row.checked_in_at.map(DateTime)
    }
    /// When it was cancelled.
    async fn cancelled_at(&self) -> Option<DateTime> {
        self.row.cancelled_at.map(DateTime)
    }
}

crate::connection!(
    EventConnection,
    EventEdge,
    Event,
    "A page of events.",
    "An event with its cursor."
);

crate::connection!(
    RegistrationConnection,
    RegistrationEdge,
    Registration,
    "A page of registrations.",
    "A registration with its cursor."
);

/// Fees taken for an event in one currency, net of refunds.
#[derive(Clone, Debug, async_graphql::SimpleObject)]
pub struct EventRevenue {
    /// The amount.
    pub amount: Decimal,
    /// ISO 4217 currency.
    pub currency: String,
}

/// One event's figures.
#[derive(Clone, Debug)]
pub struct EventStatsRow(pub stats::EventStats);

/// One event's registrations, attendance and fees.
#[Object]
impl EventStatsRow {
    /// The event.
    async fn event(&self) -> Option<Event> {
        self.0.event.clone().map(Event)
    }
    /// Registrations not cancelled (waitlisted and unpaid included).
    async fn registrations(&self) -> i64 {
        self.0.registrations
    }
    /// Confirmed registrations not yet checked in or marked.
    async fn registered(&self) -> i64 {
        self.0.registered
    }
    /// Registrations on the waitlist.
    async fn waitlisted(&self) -> i64 {
        self.0.waitlisted
    }
    /// Cancelled registrations.
    async fn cancelled(&self) -> i64 {
        self.0.cancelled
    }
    /// Registrations checked in.
    async fn attended(&self) -> i64 {
        self.0.attended
    }
    /// Registrations marked as no-shows.
    async fn no_shows(&self) -> i64 {
        self.0.no_shows
    }
    /// Attended over attended plus no-shows (0..1); null before anyone was checked in or marked.
    async fn attendance_rate(&self) -> Option<f64> {
        self.0.attendance_rate()
    }
    /// No-shows over attended plus no-shows (0..1); null before anyone was checked in or marked.
    async fn no_show_rate(&self) -> Option<f64> {
        self.0.no_show_rate()
    }
    /// Fees completed for it, net of refunds, per currency.
    async fn revenue(&self) -> Vec<EventRevenue> {
        self.0
            .revenue
            .iter()
            .map(|(c, minor)| EventRevenue {
                amount: money(*minor, c),
                currency: c.clone(),
            })
            .collect()
    }
}
