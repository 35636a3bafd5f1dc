//! Reading events and registrations, with who may see what:
//!
//! - staff see every event and registration;
//! - others see PUBLISHED and CANCELLED events that are PUBLIC, MEMBERS_ONLY ones when they hold
//!   the event's member permission, and UNLISTED ones by id only — never drafts; anything else is
//!   NOT_FOUND, so ids tell nothing;
//! - a person sees their own registrations (and, through them, the event they registered for);
//! - ticket types granted to permissions (member prices) only to those who hold one.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};

use super::get_in;
use crate::db::entities::{event, event_registration as reg, event_ticket_type as ticket};
use crate::domain::event::{EventStatus, EventVisibility, RegistrationStatus, may_buy};
use crate::error::{AppError, AppResult};
use crate::services::access;
use crate::services::auth::Viewer;
use crate::services::pagination::{Cursor, Page, PageArgs, page_by_id};
use crate::state::AppState;

/// What the events list is filtered on.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    /// Only events that have not ended.
    pub upcoming: Option<bool>,
    /// Events starting at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Events starting before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Staff only: events in this status.
    pub status: Option<EventStatus>,
    pub visibility: Option<EventVisibility>,
}

/// What the registrations list is filtered on (staff).
#[derive(Clone, Debug, Default)]
pub struct RegistrationFilter {
    pub event_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub status: Option<RegistrationStatus>,
}

fn may_see(e: &event::Model, staff: bool, permissions: &[String], by_id: bool) -> bool {
    if staff {
        return true;
    }
    if e.status == EventStatus::Draft {
        return false;
    }
    match e.visibility {
        EventVisibility::Public => true,
        EventVisibility::Unlisted => by_id,
        EventVisibility::MembersOnly => permissions.contains(&e.member_permission),
    }
}

/// The event if the viewer may see it; NOT_FOUND naming `field` otherwise.
pub async fn visible(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    field: &str,
) -> AppResult<event::Model> {
    let e = get_in(&state.db, id, field).await?;
    let permissions = access::permissions(state, viewer).await?;
    if may_see(&e, access::is_staff(viewer), permissions, true) {
        Ok(e)
    } else {
        Err(AppError::not_found("event", id, field))
    }
}

/// Events the viewer may see in lists, by start time (then id).
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    f: &EventFilter,
    page: PageArgs,
) -> AppResult<Page<event::Model>> {
    let staff = access::is_staff(viewer);
    let mut q = event::Entity::find();
    if staff {
        if let Some(s) = f.status {
            q = q.filter(event::Column::Status.eq(s));
        }
    } else {
        let permissions = access::permissions(state, viewer).await?.to_vec();
        if matches!(f.status, Some(EventStatus::Draft)) {
            return Err(AppError::bad_input("filter.status", "drafts are for staff"));
        }
        q = q.filter(event::Column::Status.is_in(match f.status {
            Some(s) => vec![s],
            None => vec![EventStatus::Published, EventStatus::Cancelled],
        }));
        let mut seen = Condition::any().add(event::Column::Visibility.eq(EventVisibility::Public));
        if !permissions.is_empty() {
            seen = seen.add(
                Condition::all()
                    .add(event::Column::Visibility.eq(EventVisibility::MembersOnly))
                    .add(event::Column::MemberPermission.is_in(permissions)),
            );
        }
        q = q.filter(seen);
    }
    if let Some(v) = f.visibility {
        q = q.filter(event::Column::Visibility.eq(v));
    }
    if f.upcoming == Some(true) {
        q = q.filter(event::Column::EndsAt.gt(state.clock.now()));
    }
    if let Some(from) = f.from {
        q = q.filter(event::Column::StartsAt.gte(from));
    }
    if let Some(to) = f.to {
        q = q.filter(event::Column::StartsAt.lt(to));
    }
    page_by_start(&state.db, q, page).await
}

const BY_START: &str = "STARTS_AT_ASC";

async fn page_by_start<C: ConnectionTrait>(
    db: &C,
    q: Select<event::Entity>,
    page: PageArgs,
) -> AppResult<Page<event::Model>> {
    let total = page.total(&q, db).await?;
    let mut q = q;
    if let Some(after) = &page.after {
        let c = Cursor::decode(after, BY_START)?;
        let at = c
            .k
            .as_deref()
            .and_then(|k| DateTime::parse_from_rfc3339(k).ok())
            .map(|d| d.with_timezone(&Utc))
            .ok_or_else(|| AppError::bad_input("after", "not a cursor returned by this list"))?;
        q = q.filter(
            Condition::any().add(event::Column::StartsAt.gt(at)).add(
                Condition::all()
                    .add(event::Column::StartsAt.eq(at))
                    .add(event::Column::Id.gt(c.id)),
            ),
        );
    }
    let rows = q
        .order_by_asc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_rows(rows, page.first, total, |e| Cursor {
        o: BY_START.into(),
        k: Some(e.starts_at.to_rfc3339()),
        id: e.id,
    }))
}

/// The ticket types the viewer may buy (staff: all).
pub async fn tickets_for(
    state: &AppState,
    viewer: &Viewer,
    event_id: i64,
) -> AppResult<Vec<ticket::Model>> {
    let all = super::tickets_of(&state.db, event_id).await?;
    if access::is_staff(viewer) {
        return Ok(all);
    }
    let permissions = access::permissions(state, viewer).await?;
    Ok(all
        .into_iter()
        .filter(|t| may_buy(&t.grants.0, permissions))
        .collect())
}

/// Registrations, oldest first (staff).
pub async fn registrations(
    state: &AppState,
    viewer: &Viewer,
    f: &RegistrationFilter,
    page: PageArgs,
) -> AppResult<Page<reg::Model>> {
    access::require_staff_field(viewer, "registrations")?;
    let mut q = reg::Entity::find();
    if let Some(e) = f.event_id {
        q = q.filter(reg::Column::EventId.eq(e));
    }
    if let Some(c) = f.contact_id {
        q = q.filter(reg::Column::ContactId.eq(c));
    }
    if let Some(s) = f.status {
        q = q.filter(reg::Column::Status.eq(s));
    }
    page_by_id(&state.db, q, reg::Column::Id, false, page, |r| r.id).await
}

/// The viewer's own registrations, newest first (none without a contact).
pub async fn mine(
    state: &AppState,
    viewer: &Viewer,
    page: PageArgs,
) -> AppResult<Page<reg::Model>> {
    let u = access::user(viewer)?;
    let Some(contact_id) = u.contact_id else {
        return Ok(Page {
            items: Vec::new(),
            has_next_page: false,
            total_count: 0,
        });
    };
    let q = reg::Entity::find().filter(reg::Column::ContactId.eq(contact_id));
    page_by_id(&state.db, q, reg::Column::Id, true, page, |r| r.id).await
}

/// A contact's registrations, newest first: staff, or the contact themself.
pub async fn of_contact(
    state: &AppState,
    viewer: &Viewer,
    contact_id: i64,
    page: PageArgs,
) -> AppResult<Page<reg::Model>> {
    access::require_self_or_staff(viewer, contact_id)?;
    let q = reg::Entity::find().filter(reg::Column::ContactId.eq(contact_id));
    page_by_id(&state.db, q, reg::Column::Id, true, page, |r| r.id).await
}

/// How many events a contact attended (staff, or the contact themself).
pub async fn attended_count(state: &AppState, viewer: &Viewer, contact_id: i64) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    access::require_self_or_staff(viewer, contact_id)?;
    Ok(reg::Entity::find()
        .filter(reg::Column::ContactId.eq(contact_id))
        .filter(reg::Column::Status.eq(RegistrationStatus::Attended))
        .count(&state.db)
        .await?)
}

/// One registration: staff, or the person registered (anyone else: NOT_FOUND).
pub async fn registration(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<reg::Model> {
    let u = access::user(viewer)?;
    let found = reg::Entity::find_by_id(id).one(&state.db).await?;
    match found {
        Some(r) if access::is_staff(viewer) || u.contact_id == Some(r.contact_id) => Ok(r),
        _ => Err(AppError::not_found("registration", id, "id")),
    }
}
