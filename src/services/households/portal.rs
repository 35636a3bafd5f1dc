//! The primary member manages their bundle's people from the portal (staff may do it for them):
//! adding someone relates them to the primary holder, seats them (or fails naming the limit) and
//! invites them by email to claim a login; removing someone ends the relationship they inherit
//! through, which ends their inherited membership.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::relationships;
use crate::db::begin_write;
use crate::db::entities::{contact, membership, user};
use crate::domain::contact::{ContactDraft, ContactFields};
use crate::domain::email::EmailAddress;
use crate::error::{AppError, AppResult};
use crate::services::auth::{Viewer, hash_password, new_token};
use crate::services::memberships::get_in;
use crate::services::statuses::Statuses;
use crate::services::{access, account, contacts};
use crate::state::AppState;

/// Someone the primary member adds to their bundle.
pub struct NewBundleMember {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// One of the membership type's `inheritVia` (default: the first).
    pub relationship_type_id: Option<i64>,
}

/// The primary membership `id` for a viewer who may manage its bundle: staff, or its holder. Any
/// other member gets FORBIDDEN whether or not it exists.
async fn managed<C: sea_orm::ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    id: i64,
) -> AppResult<membership::Model> {
    let found = get_in(db, id).await;
    let m = access::own_or_staff(viewer, found, |m| m.contact_id)?;
    if m.inherited_from_id.is_some() {
        return Err(AppError::bad_input(
            "membershipId",
            "this membership is inherited; its primary member manages the bundle",
        ));
    }
    Ok(m)
}

/// Adds a person to the bundle of primary membership `id`; returns their inherited membership.
#[tracing::instrument(skip(state, viewer, input))]
pub async fn add(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    input: NewBundleMember,
) -> AppResult<membership::Model> {
    let actor = access::actor(viewer);
    let email = EmailAddress::parse(&input.email, "email")?.into_string();
    let draft = ContactDraft::parse(
        ContactFields {
            first_name: Some(input.first_name.clone()),
            last_name: Some(input.last_name.clone()),
            email: Some(email.clone()),
            ..Default::default()
        },
        state.clock.today(),
    )?;
    // Hashed before the transaction (slow): nobody knows it; the invitation sets the real one.
    let unusable = hash_password(&new_token()).await?;
    let txn = begin_write(&state.db).await?;
    let p = managed(&txn, viewer, id).await?;
    let statuses = Statuses::load(&txn).await?;
    if !statuses.is_current(p.status_id) {
        return Err(AppError::bad_input(
            "membershipId",
            "only a current membership can take in more people",
        ));
    }
    let t =
        crate::services::membership_types::get(&txn, p.membership_type_id, "membershipId").await?;
    let via = t.inherit_via.map(|v| v.0).unwrap_or_default();
    let rtype = input.relationship_type_id.or(via.first().copied());
    let Some(rtype) = rtype.filter(|r| via.contains(r)) else {
        return Err(AppError::bad_input(
            "relationshipTypeId",
            format!(
                "membership type `{}` takes in nobody through this relationship",
                t.name
            ),
        ));
    };
    let person = match live_by_email(&txn, &email).await? {
        Some(c) => known(c, &input, p.contact_id)?,
        None => contacts::insert_draft(&txn, draft, state.clock.now()).await?,
    };
    let seated = membership::Entity::find()
        .filter(membership::Column::InheritedFromId.eq(p.id))
        .filter(membership::Column::ContactId.eq(person.id))
        .filter(membership::Column::InheritEndedOn.is_null())
        .one(&txn)
        .await?;
    if seated.is_some() {
        return Err(AppError::conflict(
            Some("email"),
            "this person is in the membership already",
        ));
    }
    let new = relationships::NewRelationship {
        contact_a_id: p.contact_id,
        contact_b_id: person.id,
        relationship_type_id: rtype,
        start_date: None,
    };
    relationships::create_in(state, &txn, &actor, new).await?;
    let child = membership::Entity::find()
        .filter(membership::Column::InheritedFromId.eq(p.id))
        .filter(membership::Column::ContactId.eq(person.id))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::internal("the bundle did not seat the new member"))?;
    let has_login = user::Entity::find()
        .filter(user::Column::ContactId.eq(person.id))
        .one(&txn)
        .await?
        .is_some();
    if !has_login {
        account::invite_in(state, &txn, &actor, &person, unusable).await?;
    }
    txn.commit().await?;
    Ok(child)
}

async fn live_by_email<C: sea_orm::ConnectionTrait>(
    db: &C,
    email: &str,
) -> AppResult<Option<contact::Model>> {
    Ok(contact::Entity::find()
        .filter(contact::Column::Email.eq(email))
        .filter(contact::Column::DeletedAt.is_null())
        .one(db)
        .await?)
}

/// A contact already on record with the address is linked only when the name typed is theirs:
/// knowing an address alone must not pull someone's record into a stranger's bundle, and the
/// refusal tells no more than that the name does not match.
fn known(c: contact::Model, input: &NewBundleMember, holder: i64) -> AppResult<contact::Model> {
    let same = |a: &Option<String>, b: &str| {
        a.as_deref()
            .is_some_and(|a| a.trim().to_lowercase() == b.trim().to_lowercase())
    };
    if c.id == holder {
        return Err(AppError::bad_input(
            "email",
            "that is the primary member's own address",
        ));
    }
    if c.erased_at.is_some()
        || c.is_deceased
        || !same(&c.first_name, &input.first_name)
        || !same(&c.last_name, &input.last_name)
    {
        return Err(AppError::bad_input(
            "email",
            "we cannot add this person from the portal; please ask us to add them",
        ));
    }
    Ok(c)
}

/// Removes a person from a bundle: `id` is their inherited membership. The relationship they
/// inherit through ends today, so their membership stops following (cancelled, kept in history).
#[tracing::instrument(skip(state, viewer))]
pub async fn remove(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<membership::Model> {
    let actor = access::actor(viewer);
    let txn = begin_write(&state.db).await?;
    let found = get_in(&txn, id).await;
    let child = match found {
        Ok(c) => match c.inherited_from_id {
            Some(p) => {
                managed(&txn, viewer, p).await?;
                c
            }
            None => {
                access::own_or_staff(viewer, Ok(c.clone()), |m| m.contact_id)?;
                return Err(AppError::bad_input(
                    "id",
                    "this membership is not inherited",
                ));
            }
        },
        Err(e) => {
            access::require_role(viewer, crate::domain::role::Role::Staff)
                .map_err(|_| AppError::forbidden())?;
            return Err(e);
        }
    };
    let (Some(rel), None) = (child.relationship_id, child.inherit_ended_on) else {
        return Err(AppError::conflict(
            None,
            "this person has left the membership already",
        ));
    };
    relationships::end_in(state, &txn, &actor, rel, None).await?;
    let after = get_in(&txn, id).await?;
    txn.commit().await?;
    Ok(after)
}

/// The people of a bundle (followers and former followers): staff, or the primary's holder.
pub async fn people(
    state: &AppState,
    viewer: &Viewer,
    primary_id: i64,
) -> AppResult<Vec<membership::Model>> {
    managed(&state.db, viewer, primary_id).await?;
    relationships::followers_of(&state.db, primary_id).await
}
