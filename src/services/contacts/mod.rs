//! Contacts: create, partial update, soft delete into a trash, restore; lists and search in `list`.

mod list;

pub use list::{ContactFilter, ContactOrder, MAX_SEARCH_CHARS, index_search, list, matching_ids};

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::db::begin_write;
use crate::db::entities::contact;
use crate::domain::contact::{Contact, ContactDraft, ContactFields, ContactPatch};
use crate::domain::search;
use crate::error::{AppError, AppResult, is_unique_violation};
use crate::services::auth::Viewer;
use crate::services::{Actor, access};
use crate::state::AppState;

pub(crate) fn apply_draft(active: &mut contact::ActiveModel, d: ContactDraft) {
    let key = search::contact_key(
        &d.sort_name,
        &d.display_name,
        d.email.as_ref().map(|e| e.as_str()),
    );
    active.search_text = Set(Some(key));
    active.kind = Set(d.kind);
    active.first_name = Set(d.first_name);
    active.last_name = Set(d.last_name);
    active.organization_name = Set(d.organization_name);
    active.display_name = Set(d.display_name);
    active.sort_name = Set(d.sort_name);
    active.email = Set(d.email.map(|e| e.into_string()));
    active.phone = Set(d.phone);
    active.street = Set(d.street);
    active.city = Set(d.city);
    active.postal_code = Set(d.postal_code);
    active.region = Set(d.region);
    active.country = Set(d.country);
    active.birth_date = Set(d.birth_date);
    active.preferred_language = Set(d.preferred_language);
    active.do_not_email = Set(d.do_not_email);
    active.do_not_mail = Set(d.do_not_mail);
    active.is_deceased = Set(d.is_deceased);
    active.notes = Set(d.notes);
}

fn email_conflict(e: sea_orm::DbErr) -> AppError {
    if is_unique_violation(&e) {
        AppError::conflict(
            Some("email"),
            "another contact already has this email address",
        )
    } else {
        e.into()
    }
}

#[tracing::instrument(skip(state, fields), fields(actor = %actor.label()))]
pub async fn create(state: &AppState, actor: &Actor, fields: ContactFields) -> AppResult<Contact> {
    let draft = ContactDraft::parse(fields, state.clock.today())?;
    let txn = begin_write(&state.db).await?;
    let created = insert_draft(&txn, draft, state.clock.now()).await?;
    txn.commit().await?;
    Ok(created.into())
}

/// Inserts a checked contact inside the caller's transaction (sign-up and imports reuse it).
pub async fn insert_draft<C: ConnectionTrait>(
    db: &C,
    draft: ContactDraft,
    now: DateTime<Utc>,
) -> AppResult<contact::Model> {
    let mut active = contact::ActiveModel {
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    };
    apply_draft(&mut active, draft);
    active.insert(db).await.map_err(email_conflict)
}

/// Applies a partial update; the result must satisfy every rule, as a new contact would.
#[tracing::instrument(skip(state, patch), fields(actor = %actor.label()))]
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    patch: ContactPatch,
) -> AppResult<Contact> {
    let txn = begin_write(&state.db).await?;
    let current = get_live_in(&txn, id, "id").await?;
    refuse_erased(&current)?;
    let was_deceased = current.is_deceased;
    let fields = Contact::from(current.clone()).fields();
    let draft = ContactDraft::parse(fields.patched(patch), state.clock.today())?;
    let becomes_deceased = draft.is_deceased && !was_deceased;
    let mut active: contact::ActiveModel = current.into();
    apply_draft(&mut active, draft);
    active.updated_at = Set(state.clock.now());
    let updated = active.update(&txn).await.map_err(email_conflict)?;
    if becomes_deceased {
        crate::services::memberships::mark_deceased(state, &txn, actor, updated.id).await?;
    }
    txn.commit().await?;
    Ok(updated.into())
}

/// Moves a contact to the trash: it leaves every list; its history stays and it can be restored.
#[tracing::instrument(skip(state), fields(actor = %actor.label()))]
pub async fn delete(state: &AppState, actor: &Actor, id: i64) -> AppResult<i64> {
    let txn = begin_write(&state.db).await?;
    let current = get_live_in(&txn, id, "id").await?;
    refuse_erased(&current)?;
    let mut active: contact::ActiveModel = current.into();
    let now = state.clock.now();
    active.deleted_at = Set(Some(now));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(id)
}

/// Brings a contact back from the trash. Fails with CONFLICT when a live contact took its email.
#[tracing::instrument(skip(state), fields(actor = %actor.label()))]
pub async fn restore(state: &AppState, actor: &Actor, id: i64) -> AppResult<Contact> {
    let txn = begin_write(&state.db).await?;
    let current = contact::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("contact", id, "id"))?;
    refuse_erased(&current)?;
    if current.deleted_at.is_none() {
        return Err(AppError::conflict(None, "this contact is not in the trash"));
    }
    let mut active: contact::ActiveModel = current.into();
    active.deleted_at = Set(None);
    active.updated_at = Set(state.clock.now());
    let restored = active.update(&txn).await.map_err(|e| {
        if is_unique_violation(&e) {
            AppError::conflict(
                Some("email"),
                "a live contact now has this email address; change one of them first",
            )
        } else {
            e.into()
        }
    })?;
    txn.commit().await?;
    Ok(restored.into())
}

/// CONFLICT for a contact whose personal data was erased: it stays as it is for good.
pub fn refuse_erased(c: &contact::Model) -> AppResult<()> {
    match c.erased_at {
        Some(_) => Err(AppError::conflict(
            None,
            format!(
                "contact {} was erased; it cannot be changed or restored",
                c.id
            ),
        )),
        None => Ok(()),
    }
}

/// A contact by id, including one in the trash: staff, or the member it belongs to.
pub async fn get(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<Contact> {
    access::require_self_or_staff(viewer, id)?;
    contact::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .map(Contact::from)
        .ok_or_else(|| AppError::not_found("contact", id, "id"))
}

/// A live (not deleted) contact; `field` names the argument in the error.
pub async fn get_live_in<C: ConnectionTrait>(
    db: &C,
    id: i64,
    field: &str,
) -> AppResult<contact::Model> {
    contact::Entity::find_by_id(id)
        .filter(contact::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("contact", id, field))
}

/// Contacts by id, including those in the trash (for DataLoaders: the fields that reach a contact
/// decide who may see it).
pub async fn load_many(state: &AppState, ids: &[i64]) -> AppResult<Vec<Contact>> {
    Ok(contact::Entity::find()
        .filter(contact::Column::Id.is_in(ids.to_vec()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(Contact::from)
        .collect())
}
