//! Interests (communication preferences): admin-defined topics such as "Newsletter" or "Events in
//! Leeds" that contacts choose themselves and that mailings target. Every choice is a consent
//! record (`consent`).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::consent::{self, Change, Provenance};
use super::{description, name, name_taken};
use crate::db::begin_write;
use crate::db::entities::segments::interest as row;
use crate::domain::contact::Contact;
use crate::domain::segment::ConsentSource;
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
use crate::services::{Actor, access, audit, contacts};
use crate::state::AppState;

/// Most interests one call chooses.
const MAX_CHOSEN: usize = 100;

/// An interest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interest {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub is_public: bool,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<row::Model> for Interest {
    fn from(m: row::Model) -> Self {
        Interest {
            id: m.id,
            name: m.name,
            description: m.description,
            is_public: m.is_public,
            is_active: m.is_active,
            created_at: m.created_at,
        }
    }
}

/// Creates an interest (admins). `is_public` (default true) offers it to members and on the
/// public pages; a non-public one is managed by staff only.
#[tracing::instrument(skip(state), fields(actor = %actor.label()))]
pub async fn create(
    state: &AppState,
    actor: &Actor,
    name_raw: &str,
    description_raw: Option<&str>,
    is_public: bool,
) -> AppResult<Interest> {
    let name = name(name_raw, "name")?;
    let description = description(description_raw)?;
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let created = row::ActiveModel {
        name: Set(name),
        description: Set(description),
        is_public: Set(is_public),
        is_active: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| name_taken(e, "interest"))?;
    let view = serde_json::json!({ "name": created.name, "isPublic": is_public });
    audit::record(
        &txn,
        actor,
        "interest.create",
        "interest",
        created.id,
        None,
        Some(view),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created.into())
}

/// Interests by name: every one for staff; the public, active ones for anyone else.
pub async fn list(state: &AppState, viewer: &Viewer) -> AppResult<Vec<Interest>> {
    let mut q = row::Entity::find().order_by_asc(row::Column::Name);
    if !access::is_staff(viewer) {
        q = q
            .filter(row::Column::IsPublic.eq(true))
            .filter(row::Column::IsActive.eq(true));
    }
    Ok(q.all(&state.db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Interests by id (any).
pub async fn load_many<C: ConnectionTrait>(db: &C, ids: &[i64]) -> AppResult<Vec<Interest>> {
    Ok(row::Entity::find()
        .filter(row::Column::Id.is_in(ids.to_vec()))
        .order_by_asc(row::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Checks chosen ids: each exists (and, for `public_only`, is public and active). Sorted, unique.
pub async fn check_ids<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
    field: &str,
    public_only: bool,
) -> AppResult<Vec<i64>> {
    if ids.len() > MAX_CHOSEN {
        return Err(AppError::bad_input(
            field,
            format!("at most {MAX_CHOSEN} interests"),
        ));
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let found = load_many(db, &ids).await?;
    for id in &ids {
        match found.iter().find(|i| i.id == *id) {
            Some(i) if !public_only || (i.is_public && i.is_active) => {}
            _ => return Err(AppError::not_found("interest", id, field)),
        }
    }
    Ok(ids)
}

/// Ids of the public, active interests (what a member or the preferences page may change).
pub async fn public_ids<C: ConnectionTrait>(db: &C) -> AppResult<Vec<i64>> {
    Ok(row::Entity::find()
        .filter(row::Column::IsPublic.eq(true))
        .filter(row::Column::IsActive.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect())
}

fn wording(state: &AppState, given: Option<&str>) -> AppResult<String> {
    match given.map(str::trim) {
        Some(w) if w.is_empty() || w.len() > 100 => Err(AppError::bad_input(
            "wordingVersion",
            "must be 1 to 100 characters",
        )),
        Some(w) => Ok(w.to_string()),
        None => Ok(state.settings.mailings.consent_wording_version.clone()),
    }
}

/// Staff set a contact's interests (all of them, public or not), e.g. from a paper form whose
/// wording version they give. Returns the contact.
#[tracing::instrument(skip(state, interest_ids), fields(actor = %actor.label()))]
pub async fn set_for_contact(
    state: &AppState,
    actor: &Actor,
    contact_id: i64,
    interest_ids: &[i64],
    wording_version: Option<&str>,
) -> AppResult<Contact> {
    let version = wording(state, wording_version)?;
    let txn = begin_write(&state.db).await?;
    let c = contacts::get_live_in(&txn, contact_id, "contactId").await?;
    contacts::refuse_erased(&c)?;
    let ids = check_ids(&txn, interest_ids, "interestIds", false).await?;
    let mut scope: Vec<i64> = row::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    scope.sort_unstable();
    let p = Provenance {
        source: ConsentSource::Staff,
        wording_version: version,
        actor: actor.clone(),
        mailing_id: None,
        at: state.clock.now(),
    };
    let change = Change {
        scope: &scope,
        interests: Some(&ids),
        opt_out_all: None,
    };
    consent::apply(&txn, contact_id, change, &p).await?;
    txn.commit().await?;
    Ok(c.into())
}

/// A member chooses their own interests among the public ones (others they hold stay), and may
/// opt out of (or back into) all bulk mail. Returns their contact.
#[tracing::instrument(skip(state, viewer, interest_ids))]
pub async fn update_mine(
    state: &AppState,
    viewer: &Viewer,
    interest_ids: Option<&[i64]>,
    opt_out_all: Option<bool>,
) -> AppResult<Contact> {
    let user = access::user(viewer)?;
    let contact_id = user
        .contact_id
        .ok_or_else(|| AppError::Forbidden("this login has no contact record".into()))?;
    let txn = begin_write(&state.db).await?;
    let c = contacts::get_live_in(&txn, contact_id, "viewer").await?;
    let ids = match interest_ids {
        Some(ids) => Some(check_ids(&txn, ids, "interestIds", true).await?),
        None => None,
    };
    let scope = public_ids(&txn).await?;
    let p = Provenance {
        source: ConsentSource::MemberPortal,
        wording_version: state.settings.mailings.consent_wording_version.clone(),
        actor: access::actor(viewer),
        mailing_id: None,
        at: state.clock.now(),
    };
    let change = Change {
        scope: &scope,
        interests: ids.as_deref(),
        opt_out_all,
    };
    consent::apply(&txn, contact_id, change, &p).await?;
    txn.commit().await?;
    Ok(c.into())
}

/// A contact's chosen interests (staff, or the contact themself).
pub async fn of_contact(
    state: &AppState,
    viewer: &Viewer,
    contact_id: i64,
) -> AppResult<Vec<Interest>> {
    access::require_self_or_staff(viewer, contact_id)?;
    let ids = consent::interests_of(&state.db, contact_id).await?;
    let mut found = load_many(&state.db, &ids).await?;
    // Members see only the topics offered to them (as the `interests` list does): an internal one
    // staff set on their record stays staff's.
    if !access::is_staff(viewer) {
        found.retain(|i| i.is_public && i.is_active);
    }
    Ok(found)
}
