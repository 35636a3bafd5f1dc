//! Events queries: what the caller may see, registrations (staff, or one's own), and figures.

use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard, SignedIn};
use crate::graphql::scalars::Date;
use crate::graphql::types::event::{
    Event, EventConnection, EventStatsRow, Registration, RegistrationConnection,
};
use crate::graphql::types::event_inputs::{EventFilter, RegistrationFilter};
use crate::graphql::{parse_id, parse_optional_id};
use crate::services::events::{list, stats};

#[derive(Default)]
pub struct EventQuery;

#[Object]
impl EventQuery {
    /// Events the caller may see, soonest first: staff all; others published and cancelled
    /// PUBLIC events, and MEMBERS_ONLY ones while they hold the event's member permission
    /// (UNLISTED events are reached by id only).
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "What to include.")] filter: Option<EventFilter>,
    ) -> Result<EventConnection> {
        let state = guards::state(ctx)?;
        let page = guards::page_args(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let f = list::EventFilter {
            upcoming: f.upcoming,
            from: f.from.map(|d| d.0),
            to: f.to.map(|d| d.0),
            status: f.status.map(Into::into),
            visibility: f.visibility.map(Into::into),
        };
        let found = list::list(state, guards::viewer(ctx), &f, page).await?;
        Ok(EventConnection::from_page(found, Event))
    }

    /// One event the caller may see (NOT_FOUND otherwise).
    async fn event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event.")] id: ID,
    ) -> Result<Event> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Event(
            list::visible(state, guards::viewer(ctx), id, "id").await?,
        ))
    }

    /// Registrations, oldest first (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn registrations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "What to include.")] filter: Option<RegistrationFilter>,
    ) -> Result<RegistrationConnection> {
        let state = guards::state(ctx)?;
        let page = guards::page_args(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let f = list::RegistrationFilter {
            event_id: parse_optional_id(&f.event_id, "filter.eventId")?,
            contact_id: parse_optional_id(&f.contact_id, "filter.contactId")?,
            status: f.status.map(Into::into),
        };
        let found = list::registrations(state, guards::viewer(ctx), &f, page).await?;
        Ok(RegistrationConnection::from_page(found, Registration::new))
    }

    /// One registration: staff, or the person registered (NOT_FOUND for anyone else).
    #[graphql(guard = "SignedIn")]
    async fn registration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The registration.")] id: ID,
    ) -> Result<Registration> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Registration::new(
            list::registration(state, guards::viewer(ctx), id).await?,
        ))
    }

    /// Per event starting from `from` through `to` (at most 500 events): registrations,
    /// attendance and no-show rates, fees net of refunds (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn event_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "First start date included.")] from: Date,
        #[graphql(desc = "Last start date included.")] to: Date,
    ) -> Result<Vec<EventStatsRow>> {
        let state = guards::state(ctx)?;
        let rows = stats::event_stats(state, guards::viewer(ctx), from.0, to.0).await?;
        Ok(rows.into_iter().map(EventStatsRow).collect())
    }
}
