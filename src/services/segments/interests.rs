//! Interests (communication preferences): admin-defined topics such as "Newsletter" or "Events in
//! Leeds" that contacts choose themselves and that mailings target. Every choice is a consent
//! record (`consent`).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::consent::{self, Change, Provenance};
use super::references::{self, Segment};
use super::{description, description_patch, name, name_taken};
use crate::db::entities::segments::interest as row;
use crate::db::{begin_write, lock_subject};
use crate::domain::contact::Contact;
use crate::domain::patch::Patch;
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
    /// False once archived.
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    /// Set once archived: no longer offered, chosen or targeted; its consent records stay.
    pub archived_at: Option<DateTime<Utc>>,
}

impl Interest {
    /// Offered to members and on the public pages now.
    fn offered(&self) -> bool {
        self.is_public && self.is_active && self.archived_at.is_none()
    }
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
            archived_at: m.archived_at,
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
        archived_at: Set(None),
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

/// Changes to an interest as typed; each part left out stays as it is.
#[derive(Default)]
pub struct InterestChanges {
    pub name: Option<String>,
    pub description: Patch<String>,
    pub is_public: Option<bool>,
}

fn view(m: &row::Model) -> serde_json::Value {
    serde_json::json!({
        "name": m.name, "description": m.description, "isPublic": m.is_public,
        "archivedAt": m.archived_at,
    })
}

async fn get_in<C: ConnectionTrait>(db: &C, id: i64, field: &str) -> AppResult<row::Model> {
    row::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("interest", id, field))
}

/// Renames or redescribes an interest, or changes whether it is offered to members (admins);
/// archived ones too. The name, shown on the public pages, is checked as a new one is, and stays
/// unique (CONFLICT on `name`). Contacts' choices are left as they are.
#[tracing::instrument(skip(state, changes), fields(actor = %actor.label()))]
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    changes: InterestChanges,
) -> AppResult<Interest> {
    let new_name = changes
        .name
        .as_deref()
        .map(|n| name(n, "name"))
        .transpose()?;
    let description = description_patch(changes.description)?;
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    lock_subject(&txn, "interest", &id.to_string()).await?;
    let current = get_in(&txn, id, "id").await?;
    let before = view(&current);
    let mut a: row::ActiveModel = current.clone().into();
    a.name = Set(new_name.unwrap_or(current.name));
    a.description = Set(description.apply(current.description));
    a.is_public = Set(changes.is_public.unwrap_or(current.is_public));
    let updated = a
        .update(&txn)
        .await
        .map_err(|e| name_taken(e, "interest"))?;
    audit::record(
        &txn,
        actor,
        "interest.update",
        "interest",
        id,
        Some(before),
        Some(view(&updated)),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated.into())
}

/// Archives an interest (admins): it is no longer offered to members or on the public pages, and
/// can no longer be chosen or targeted; contacts who chose it keep that choice and every consent
/// record stays, for auditors (staff still see it, with `archived_at`). Refused (CONFLICT) while a
/// mailing not sent yet or a saved search names it. Archiving it again changes nothing.
#[tracing::instrument(skip(state), fields(actor = %actor.label()))]
pub async fn archive(state: &AppState, actor: &Actor, id: i64) -> AppResult<Interest> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    lock_subject(&txn, "interest", &id.to_string()).await?;
    let current = get_in(&txn, id, "id").await?;
    if current.archived_at.is_some() {
        return Ok(current.into());
    }
    let what = format!("interest \"{}\"", current.name);
    references::refuse_if_used(&txn, Segment::Interest(id), &what, "archived").await?;
    let before = view(&current);
    let mut a: row::ActiveModel = current.into();
    a.archived_at = Set(Some(now));
    a.is_active = Set(false);
    let updated = a.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "interest.archive",
        "interest",
        id,
        Some(before),
        Some(view(&updated)),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated.into())
}

/// Interests by name: every one for staff (archived ones too); the public ones still offered for
/// anyone else.
pub async fn list(state: &AppState, viewer: &Viewer) -> AppResult<Vec<Interest>> {
    let mut q = row::Entity::find().order_by_asc(row::Column::Name);
    if !access::is_staff(viewer) {
        q = offered(q);
    }
    Ok(q.all(&state.db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Only the interests offered to members and on the public pages: public, not archived.
fn offered(q: sea_orm::Select<row::Entity>) -> sea_orm::Select<row::Entity> {
    q.filter(row::Column::IsPublic.eq(true))
        .filter(row::Column::IsActive.eq(true))
        .filter(row::Column::ArchivedAt.is_null())
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

/// Checks chosen ids: each exists and is not archived (and, for `public_only`, is public). Sorted,
/// unique. An id a member may not choose is NOT_FOUND to them (as if it did not exist); staff are
/// told that an archived one is archived.
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
            Some(i) if public_only && !i.offered() => {
                return Err(AppError::not_found("interest", id, field));
            }
            Some(i) if i.archived_at.is_some() || !i.is_active => {
                return Err(AppError::bad_input(
                    field,
                    format!("interest {} (\"{}\") is archived", i.id, i.name),
                ));
            }
            Some(_) => {}
            None => return Err(AppError::not_found("interest", id, field)),
        }
    }
    Ok(ids)
}

/// Ids of the interests offered now: public, not archived (what a member, the preferences page
/// or a sign-up may change).
pub async fn public_ids<C: ConnectionTrait>(db: &C) -> AppResult<Vec<i64>> {
    Ok(offered(row::Entity::find())
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

/// Staff set a contact's interests (all of them, public or not; an archived one is neither added
/// nor taken away: one the contact holds may be listed, any other is BAD_USER_INPUT), e.g. from a paper form whose
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
    // An archived interest the contact holds may be sent back as it is (a form that lists what
    // they hold); it stays out of scope below, so nothing changes for it.
    let held = load_many(&txn, &consent::interests_of(&txn, contact_id).await?).await?;
    let asked: Vec<i64> = interest_ids
        .iter()
        .copied()
        .filter(|id| !held.iter().any(|h| h.id == *id && h.archived_at.is_some()))
        .collect();
    let ids = check_ids(&txn, &asked, "interestIds", false).await?;
    // Archived interests are out of scope: a choice made before stays, none is added.
    let mut scope: Vec<i64> = row::Entity::find()
        .filter(row::Column::ArchivedAt.is_null())
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
        found.retain(Interest::offered);
    }
    Ok(found)
}
