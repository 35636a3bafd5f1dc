//! A household's shared address: the members who live at the household's address are offered
//! (`sharing`), and changing the household's address updates the ones staff pick, in the same
//! transaction.

use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use super::relationships::involving;
use crate::db::begin_write;
use crate::db::entities::contact;
use crate::domain::contact::{Contact, ContactDraft, ContactPatch};
use crate::domain::patch::Patch;
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
use crate::services::{Actor, access, audit, contacts};
use crate::state::AppState;

/// An address as entered (each part optional).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Address {
    pub street: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
}

fn address_of(c: &contact::Model) -> Address {
    Address {
        street: c.street.clone(),
        city: c.city.clone(),
        postal_code: c.postal_code.clone(),
        region: c.region.clone(),
        country: c.country.clone(),
    }
}

/// The contacts related to `household` today.
async fn members<C: ConnectionTrait>(
    db: &C,
    household: i64,
    on: chrono::NaiveDate,
) -> AppResult<Vec<i64>> {
    let mut out = Vec::new();
    for r in involving(db, household).await? {
        if let Some(other) = r.other_party(household).filter(|_| r.in_force_on(on))
            && !out.contains(&other)
        {
            out.push(other);
        }
    }
    Ok(out)
}

/// The household's members who share its address now (staff): whom a change should be offered to.
pub async fn sharing(state: &AppState, viewer: &Viewer, household: i64) -> AppResult<Vec<i64>> {
    access::require_staff_field(viewer, "membersSharingAddress")?;
    let db = &state.db;
    let home = contacts::get_live_in(db, household, "id").await?;
    let mut out = Vec::new();
    for id in members(db, household, state.clock.today()).await? {
        let c = contacts::get_live_in(db, id, "id").await;
        if let Ok(c) = c
            && home.street.is_some()
            && address_of(&c) == address_of(&home)
        {
            out.push(id);
        }
    }
    Ok(out)
}

/// Sets the household's address and that of the chosen members (each must be related to it today).
#[tracing::instrument(skip(state, address, apply_to), fields(actor = %actor.label()))]
pub async fn update(
    state: &AppState,
    actor: &Actor,
    household: i64,
    address: Address,
    apply_to: Vec<i64>,
) -> AppResult<Contact> {
    let txn = begin_write(&state.db).await?;
    let related = members(&txn, household, state.clock.today()).await?;
    if let Some(stranger) = apply_to.iter().find(|id| !related.contains(id)) {
        return Err(AppError::bad_input(
            "applyToContactIds",
            format!("contact {stranger} is not a member of this household"),
        ));
    }
    let updated = set(state, &txn, actor, household, "id", &address).await?;
    for id in apply_to {
        set(state, &txn, actor, id, "applyToContactIds", &address).await?;
    }
    txn.commit().await?;
    Ok(updated.into())
}

async fn set<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    actor: &Actor,
    id: i64,
    field: &str,
    a: &Address,
) -> AppResult<contact::Model> {
    let current = contacts::get_live_in(db, id, field).await?;
    contacts::refuse_erased(&current)?;
    let before = serde_json::to_value(format!("{:?}", address_of(&current))).ok();
    let part = |v: &Option<String>| v.clone().map_or(Patch::Clear, Patch::Set);
    let patch = ContactPatch {
        street: part(&a.street),
        city: part(&a.city),
        postal_code: part(&a.postal_code),
        region: part(&a.region),
        country: part(&a.country),
        ..Default::default()
    };
    let fields = Contact::from(current.clone()).fields().patched(patch);
    let draft = ContactDraft::parse(fields, state.clock.today())?;
    let mut active: contact::ActiveModel = current.into();
    contacts::apply_draft(&mut active, draft);
    let now = state.clock.now();
    active.updated_at = Set(now);
    let updated = active.update(db).await?;
    let after = serde_json::to_value(format!("{:?}", address_of(&updated))).ok();
    audit::record(
        db,
        actor,
        "contact.address",
        "contact",
        id,
        before,
        after,
        now,
    )
    .await?;
    Ok(updated)
}
