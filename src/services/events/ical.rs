//! iCalendar (RFC 5545) files: the public feed `/events.ics` (published and cancelled PUBLIC
//! events, never drafts, members-only or unlisted ones, and never where they take place — that is
//! for participants), and one registration's event with its location and online link, behind the
//! check-in code (the link mailed with the confirmation). The `icalendar` crate writes the format: CRLF line ends, lines
//! folded at 75 octets, `,;\` and newlines escaped. UIDs are stable per event; DTSTAMP is the
//! event's last change, so an unchanged feed is byte-for-byte the same.

use chrono::Duration;
use icalendar::{Calendar, Component, EventLike, Property};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::db::entities::{event, event_registration as reg};
use crate::domain::event::{EventStatus, EventVisibility};
use crate::error::{AppError, AppResult};
use crate::services::auth::token_digest;
use crate::state::AppState;

/// Most events in the feed (the soonest first), and how far back it reaches.
const FEED_LIMIT: u64 = 500;
const FEED_PAST_DAYS: i64 = 90;

fn host(state: &AppState) -> &str {
    state.settings.server.public_url.host()
}

fn calendar(state: &AppState, name: &str) -> Calendar {
    let mut cal = Calendar::new();
    cal.append_property(Property::new("PRODID", "-//Tessera//Events//EN"));
    cal.append_property(Property::new("METHOD", "PUBLISH"));
    cal.name(&format!("{} — {name}", state.settings.organization.name));
    cal
}

fn vevent(state: &AppState, e: &event::Model, reveal: bool) -> icalendar::Event {
    let mut v = icalendar::Event::new();
    v.uid(&format!("event-{}@{}", e.id, host(state)))
        .timestamp(e.updated_at)
        .summary(&e.title)
        .starts(e.starts_at)
        .ends(e.ends_at);
    // The crate escapes line feeds but not carriage returns: text goes in with LF line breaks only.
    let lines = |s: &str| s.replace("\r\n", "\n").replace('\r', "\n");
    if let Some(d) = &e.description {
        v.description(&lines(d));
    }
    if reveal {
        if let Some(l) = &e.location {
            v.location(&lines(l));
        }
        if let Some(u) = &e.online_url {
            v.url(u);
        }
    }
    v.status(if e.status == EventStatus::Cancelled {
        icalendar::EventStatus::Cancelled
    } else {
        icalendar::EventStatus::Confirmed
    });
    v.done()
}

/// The public feed as of now.
pub async fn feed(state: &AppState) -> AppResult<String> {
    let since = state.clock.now() - Duration::days(FEED_PAST_DAYS);
    let events = event::Entity::find()
        .filter(event::Column::Visibility.eq(EventVisibility::Public))
        .filter(event::Column::Status.is_in([EventStatus::Published, EventStatus::Cancelled]))
        .filter(event::Column::EndsAt.gte(since))
        .order_by_asc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id)
        .limit(FEED_LIMIT)
        .all(&state.db)
        .await?;
    let mut cal = calendar(state, "events");
    for e in &events {
        cal.push(vevent(state, e, false));
    }
    Ok(cal.done().to_string())
}

/// One registration's event, location included, for whoever holds its check-in code (the link
/// mailed with the confirmation). NOT_FOUND for a wrong token, a cancelled registration, or no seat.
pub async fn for_registration(state: &AppState, id: i64, token: &str) -> AppResult<String> {
    let not_found = || AppError::not_found("registration", id, "id");
    if token.is_empty() || token.len() > 200 {
        return Err(not_found());
    }
    let r = reg::Entity::find_by_id(id)
        .filter(reg::Column::CheckInCodeSha256.eq(token_digest(token)))
        .one(&state.db)
        .await?
        .ok_or_else(not_found)?;
    if !r.status.reveals_location() {
        return Err(not_found());
    }
    let e = super::get_in(&state.db, r.event_id, "id").await?;
    let mut cal = calendar(state, &e.title);
    cal.push(vevent(state, &e, true));
    Ok(cal.done().to_string())
}
