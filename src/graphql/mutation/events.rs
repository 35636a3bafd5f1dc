//! Events mutations: staff manage events and registrations; anyone registers for what they may
//! see; members cancel their own registrations.

use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard, SignedIn};
use crate::graphql::parse_id;
use crate::graphql::types::common::patch;
use crate::graphql::types::event::{Event, Registration};
use crate::graphql::types::event_inputs::{
    CancelEventInput, CancelRegistrationInput, CreateEventInput, RegisterContactInput,
    RegisterForEventInput, UpdateEventInput,
};
use crate::services::events::registration::{self, NewRegistration};
use crate::services::events::{cancel, checkin, write};

#[derive(Default)]
pub struct EventMutation;

fn registered(r: registration::Registered) -> Registration {
    Registration {
        row: r.registration,
        payment_token: r.payment_token,
    }
}

#[Object]
impl EventMutation {
    /// Creates an event as a DRAFT (staff), with its ticket types.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn create_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new event.")] input: CreateEventInput,
    ) -> Result<Event> {
        let state = guards::state(ctx)?;
        let tickets = input
            .ticket_types
            .unwrap_or_default()
            .into_iter()
            .map(|t| write::TicketInput {
                name: t.name,
                price: t.price.map(|p| p.0),
                currency: t.currency,
                grants: t.grants.unwrap_or_default(),
                capacity: t.capacity,
            })
            .collect();
        let new = write::EventInput {
            title: input.title,
            description: input.description,
            starts_at: input.starts_at.0,
            ends_at: input.ends_at.0,
            timezone: input.timezone,
            location: input.location,
            online_url: input.online_url,
            capacity: input.capacity,
            visibility: input.visibility.map(Into::into),
            registration_opens_at: input.registration_opens_at.map(|d| d.0),
            registration_closes_at: input.registration_closes_at.map(|d| d.0),
            member_registration_opens_at: input.member_registration_opens_at.map(|d| d.0),
            member_permission: input.member_permission,
            requires_approval: input.requires_approval,
            allow_guests: input.allow_guests,
            max_guests_per_registration: input.max_guests_per_registration,
            ticket_types: tickets,
        };
        Ok(Event(write::create(state, &guards::actor(ctx), new).await?))
    }

    /// Changes an event (staff). More seats go to the waitlist first.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn update_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Event to change.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateEventInput,
    ) -> Result<Event> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let p = write::EventPatch {
            title: input.title,
            description: patch(input.description, |v| v),
            starts_at: input.starts_at.map(|d| d.0),
            ends_at: input.ends_at.map(|d| d.0),
            timezone: input.timezone,
            location: patch(input.location, |v| v),
            online_url: patch(input.online_url, |v| v),
            capacity: patch(input.capacity, |v| v),
            visibility: input.visibility.map(Into::into),
            registration_opens_at: patch(input.registration_opens_at, |d| d.0),
            registration_closes_at: patch(input.registration_closes_at, |d| d.0),
            member_registration_opens_at: patch(input.member_registration_opens_at, |d| d.0),
            member_permission: input.member_permission,
            requires_approval: input.requires_approval,
            allow_guests: input.allow_guests,
            max_guests_per_registration: input.max_guests_per_registration,
        };
        Ok(Event(
            write::update(state, &guards::actor(ctx), id, p).await?,
        ))
    }

    /// Publishes a DRAFT event (staff): its audience sees it and may register.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn publish_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Event to publish.")] id: ID,
    ) -> Result<Event> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Event(write::publish(state, &guards::actor(ctx), id).await?))
    }

    /// Cancels an event (staff): every participant is emailed; pending fees are cancelled and
    /// completed ones refunded unless `refundPayments` is false.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn cancel_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Event to cancel.")] id: ID,
        #[graphql(desc = "Why, and what happens to payments.")] input: Option<CancelEventInput>,
    ) -> Result<Event> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let input = input.unwrap_or_default();
        let how = write::CancelEventInput {
            reason: input.reason,
            refund_payments: input.refund_payments,
        };
        Ok(Event(
            write::cancel(state, &guards::actor(ctx), id, how).await?,
        ))
    }

    /// Registers for an event the caller may see: a signed-in person as themself, anyone else with
    /// a name and an email (public events). Full events put the registration on the waitlist; a
    /// priced ticket awaits payment (anonymous registrants get a `paymentToken` for
    /// `startPayment`).
    async fn register_for_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event.")] event_id: ID,
        #[graphql(desc = "The ticket, guests, and who (when not signed in).")]
        input: RegisterForEventInput,
    ) -> Result<Registration> {
        let state = guards::state(ctx)?;
        let new = NewRegistration {
            event_id: parse_id(&event_id, "eventId")?,
            ticket_type_id: parse_id(&input.ticket_type_id, "ticketTypeId")?,
            first_name: input.first_name,
            last_name: input.last_name,
            email: input.email,
            guests: input.guests.unwrap_or(0),
        };
        let ip = guards::client_ip(ctx);
        let done = registration::register(state, guards::viewer(ctx), &ip, new).await?;
        Ok(registered(done))
    }

    /// Registers a contact for an event (staff): the window and approval do not apply, capacity
    /// does (a full event waitlists them).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn register_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event.")] event_id: ID,
        #[graphql(desc = "Who, which ticket, guests.")] input: RegisterContactInput,
    ) -> Result<Registration> {
        let state = guards::state(ctx)?;
        let contact_id = parse_id(&input.contact_id, "contactId")?;
        let new = NewRegistration {
            event_id: parse_id(&event_id, "eventId")?,
            ticket_type_id: parse_id(&input.ticket_type_id, "ticketTypeId")?,
            guests: input.guests.unwrap_or(0),
            ..Default::default()
        };
        let done =
            registration::register_contact(state, &guards::actor(ctx), contact_id, new).await?;
        Ok(registered(done))
    }

    /// Approves a registration awaiting approval (staff): it gets its seats (or joins the
    /// waitlist when the event is full).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn approve_registration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Registration to approve.")] id: ID,
    ) -> Result<Registration> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Registration::new(
            registration::approve(state, &guards::actor(ctx), id).await?,
        ))
    }

    /// Cancels a registration (staff; also how a registration awaiting approval is declined). A
    /// completed fee is refunded unless `refund` is false; the freed seats go to the waitlist.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn cancel_registration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Registration to cancel.")] id: ID,
        #[graphql(desc = "Why, and whether to refund.")] input: Option<CancelRegistrationInput>,
    ) -> Result<Registration> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let input = input.unwrap_or_default();
        let done = cancel::cancel(
            state,
            &guards::actor(ctx),
            id,
            input.refund.unwrap_or(true),
            input.reason,
        )
        .await?;
        Ok(Registration::new(done))
    }

    /// Cancels one of the caller's own registrations before the event starts (another person's
    /// id is NOT_FOUND). A pending fee is cancelled; a paid one is refunded by staff.
    #[graphql(guard = "SignedIn")]
    async fn cancel_my_registration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The caller's registration.")] id: ID,
    ) -> Result<Registration> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Registration::new(
            cancel::cancel_mine(state, guards::viewer(ctx), id).await?,
        ))
    }

    /// Checks a person in by registration id (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn check_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The registration.")] id: ID,
    ) -> Result<Registration> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Registration::new(
            checkin::check_in(state, &guards::actor(ctx), id).await?,
        ))
    }

    /// Checks a person in by the code from their confirmation email (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn check_in_by_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event.")] event_id: ID,
        #[graphql(desc = "The check-in code.")] code: String,
    ) -> Result<Registration> {
        let state = guards::state(ctx)?;
        let event_id = parse_id(&event_id, "eventId")?;
        Ok(Registration::new(
            checkin::check_in_by_code(state, &guards::actor(ctx), event_id, &code).await?,
        ))
    }

    /// Marks every confirmed person not checked in as NO_SHOW once the event has started (staff);
    /// returns how many. A later check-in corrects it.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn mark_no_shows(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event.")] event_id: ID,
    ) -> Result<i64> {
        let state = guards::state(ctx)?;
        let event_id = parse_id(&event_id, "eventId")?;
        let n = checkin::mark_no_shows(state, &guards::actor(ctx), event_id).await?;
        Ok(n as i64)
    }
}
