//! Relationships between contacts: creating one (which may seat the related contact in a bundle),
//! ending one (which ends what was inherited through it), and reading a contact's relationships.

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::bundle;
use crate::db::begin_write;
use crate::db::entities::{membership, relationship as row};
use crate::domain::household::{Relationship, check_end, check_new};
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
use crate::services::memberships::change;
use crate::services::{Actor, access, audit, contacts};
use crate::state::AppState;

/// A new relationship: contact A is the type's `nameAToB` of contact B.
pub struct NewRelationship {
    pub contact_a_id: i64,
    pub contact_b_id: i64,
    pub relationship_type_id: i64,
    /// Default: today.
    pub start_date: Option<NaiveDate>,
}

fn view(r: &row::Model) -> serde_json::Value {
    serde_json::json!({
        "contactAId": r.contact_a_id,
        "contactBId": r.contact_b_id,
        "relationshipTypeId": r.relationship_type_id,
        "startDate": r.start_date,
        "endDate": r.end_date,
        "isActive": r.is_active,
    })
}

/// Creates a relationship (staff), in one transaction with the inherited memberships it grants.
#[tracing::instrument(skip(state, input), fields(actor = %actor.label()))]
pub async fn create(
    state: &AppState,
    actor: &Actor,
    input: NewRelationship,
) -> AppResult<Relationship> {
    let txn = begin_write(&state.db).await?;
    let created = create_in(state, &txn, actor, input).await?;
    txn.commit().await?;
    Ok(created)
}

/// [`create`] inside the caller's transaction (the portal's `addBundleMember` reuses it).
pub async fn create_in<C: ConnectionTrait>(
    state: &AppState,
    txn: &C,
    actor: &Actor,
    input: NewRelationship,
) -> AppResult<Relationship> {
    let today = state.clock.today();
    let now = state.clock.now();
    let start = input.start_date.unwrap_or(today);
    check_new(input.contact_a_id, input.contact_b_id, Some(start), None)?;
    for (id, field) in [
        (input.contact_a_id, "contactAId"),
        (input.contact_b_id, "contactBId"),
    ] {
        let c = contacts::get_live_in(txn, id, field).await?;
        contacts::refuse_erased(&c)?;
    }
    let rtype = super::types::get_active(txn, input.relationship_type_id, "relationshipTypeId")
        .await?
        .id;
    let created = row::ActiveModel {
        contact_a_id: Set(input.contact_a_id),
        contact_b_id: Set(input.contact_b_id),
        relationship_type_id: Set(rtype),
        start_date: Set(Some(start)),
        end_date: Set(None),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let action = "relationship.create";
    audit::record(
        txn,
        actor,
        action,
        "relationship",
        created.id,
        None,
        Some(view(&created)),
        now,
    )
    .await?;
    // Each party's bundles that inherit through this type seat the other party, or the whole
    // write fails naming the limit. Locks are taken in id order (no deadlock between two adds).
    let mut primaries = primaries_of(txn, input.contact_a_id, rtype).await?;
    primaries.extend(primaries_of(txn, input.contact_b_id, rtype).await?);
    primaries.sort_unstable();
    for p in primaries {
        let kind = change::CREATED;
        bundle::sync(state, txn, actor, p, kind, today, Some(created.id)).await?;
    }
    Ok(created.into())
}

/// Ends a relationship on `end_date` (default today; staff). From a day not after today on, it no
/// longer holds and what was inherited through it ends now; a later end date is applied by the
/// status job once it has passed.
#[tracing::instrument(skip(state), fields(actor = %actor.label()))]
pub async fn end(
    state: &AppState,
    actor: &Actor,
    id: i64,
    end_date: Option<NaiveDate>,
) -> AppResult<Relationship> {
    let txn = begin_write(&state.db).await?;
    let ended = end_in(state, &txn, actor, id, end_date).await?;
    txn.commit().await?;
    Ok(ended)
}

/// [`end`] inside the caller's transaction (the portal's `removeBundleMember` reuses it).
pub async fn end_in<C: ConnectionTrait>(
    state: &AppState,
    txn: &C,
    actor: &Actor,
    id: i64,
    end_date: Option<NaiveDate>,
) -> AppResult<Relationship> {
    let today = state.clock.today();
    let now = state.clock.now();
    let current = get_in(txn, id).await?;
    if !current.is_active || current.end_date.is_some() {
        return Err(AppError::conflict(
            None,
            "this relationship has ended already",
        ));
    }
    let end = end_date.unwrap_or(today);
    check_end(current.start_date, end)?;
    let before = view(&current);
    let mut a: row::ActiveModel = current.into();
    a.end_date = Set(Some(end));
    a.is_active = Set(end > today);
    a.updated_at = Set(now);
    let ended = a.update(txn).await?;
    let action = "relationship.end";
    audit::record(
        txn,
        actor,
        action,
        "relationship",
        id,
        Some(before),
        Some(view(&ended)),
        now,
    )
    .await?;
    for p in primaries_through(txn, id).await? {
        bundle::sync(state, txn, actor, p, change::CANCELLED, today, None).await?;
    }
    Ok(ended.into())
}

pub async fn get_in<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<row::Model> {
    row::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("relationship", id, "id"))
}

/// A contact's relationships (either side), oldest first: staff, or the contact themself.
pub async fn of_contact(
    state: &AppState,
    viewer: &Viewer,
    contact_id: i64,
) -> AppResult<Vec<Relationship>> {
    access::require_self_or_staff(viewer, contact_id)?;
    involving(&state.db, contact_id).await
}

pub async fn involving<C: ConnectionTrait>(
    db: &C,
    contact_id: i64,
) -> AppResult<Vec<Relationship>> {
    Ok(row::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(row::Column::ContactAId.eq(contact_id))
                .add(row::Column::ContactBId.eq(contact_id)),
        )
        .order_by_asc(row::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The contacts related to a household or organisation by a relationship in force today (its
/// members), oldest relationship first (staff only: they are other people's records).
pub async fn members_of(state: &AppState, viewer: &Viewer, contact_id: i64) -> AppResult<Vec<i64>> {
    access::require_staff_field(viewer, "members")?;
    let today = state.clock.today();
    let mut out: Vec<i64> = Vec::new();
    for r in involving(&state.db, contact_id).await? {
        if let Some(other) = r.other_party(contact_id)
            && r.in_force_on(today)
            && !out.contains(&other)
        {
            out.push(other);
        }
    }
    Ok(out)
}

/// The inherited memberships of a primary (followers and former followers), oldest first.
pub async fn followers_of<C: ConnectionTrait>(
    db: &C,
    primary_id: i64,
) -> AppResult<Vec<membership::Model>> {
    Ok(membership::Entity::find()
        .filter(membership::Column::InheritedFromId.eq(primary_id))
        .order_by_asc(membership::Column::Id)
        .all(db)
        .await?)
}

/// The primaries whose followers inherit through relationship `rel` (to bring them up to date when
/// it changes).
pub async fn primaries_through<C: ConnectionTrait>(db: &C, rel: i64) -> AppResult<Vec<i64>> {
    let mut ids: Vec<i64> = membership::Entity::find()
        .filter(membership::Column::RelationshipId.eq(rel))
        .filter(membership::Column::InheritEndedOn.is_null())
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| m.inherited_from_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The primary memberships of `holder` whose type inherits through relationship type `rtype`.
pub async fn primaries_of<C: ConnectionTrait>(
    db: &C,
    holder: i64,
    rtype: i64,
) -> AppResult<Vec<i64>> {
    let held = membership::Entity::find()
        .filter(membership::Column::ContactId.eq(holder))
        .filter(membership::Column::InheritedFromId.is_null())
        .order_by_asc(membership::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for m in held {
        let t =
            crate::services::membership_types::get(db, m.membership_type_id, "membershipTypeId")
                .await?;
        if t.inherit_via.is_some_and(|v| v.0.contains(&rtype)) {
            out.push(m.id);
        }
    }
    Ok(out)
}
