//! Admins' changes to logins: role, disabled flag, contact. The last active admin stays.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::json;

use crate::db::begin_write;
use crate::db::entities::user;
use crate::domain::account::User;
use crate::domain::patch::Patch;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::auth::revoke_sessions;
use crate::services::{Actor, audit, contacts};
use crate::state::AppState;

/// An admin's change to a login.
#[derive(Default)]
pub struct UserChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub contact_id: Patch<i64>,
}

fn user_view(u: &user::Model) -> serde_json::Value {
    json!({ "email": u.email, "role": u.role.as_str(), "contactId": u.contact_id, "disabled": u.disabled_at.is_some() })
}

/// Changes a login's role, disabled flag or contact. Disabling signs it out everywhere; the last
/// active admin cannot be demoted or disabled.
pub async fn update_user(
    state: &AppState,
    actor: &Actor,
    id: i64,
    change: UserChange,
) -> AppResult<User> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let current = user::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("user", id, "id"))?;
    let before = user_view(&current);
    let role = change.role.unwrap_or(current.role);
    let disabled = change.disabled.unwrap_or(current.disabled_at.is_some());
    let contact_id = change.contact_id.apply(current.contact_id);
    if role == Role::Member && contact_id.is_none() {
        return Err(AppError::bad_input(
            "contactId",
            "a MEMBER login must be linked to a contact",
        ));
    }
    if let Some(cid) = contact_id.filter(|c| Some(*c) != current.contact_id) {
        contacts::refuse_erased(&contacts::get_live_in(&txn, cid, "contactId").await?)?;
    }
    let was_active_admin = current.role == Role::Admin && current.disabled_at.is_none();
    if was_active_admin && (role != Role::Admin || disabled) {
        let admins = user::Entity::find()
            .filter(user::Column::Role.eq(Role::Admin))
            .filter(user::Column::DisabledAt.is_null())
            .count(&txn)
            .await?;
        if admins <= 1 {
            return Err(AppError::conflict(
                None,
                "this is the last active admin; make another admin first",
            ));
        }
    }
    let disabling = disabled && current.disabled_at.is_none();
    let mut active: user::ActiveModel = current.clone().into();
    active.role = Set(role);
    active.contact_id = Set(contact_id);
    active.disabled_at = Set(if disabled {
        current.disabled_at.or(Some(now))
    } else {
        None
    });
    active.updated_at = Set(now);
    let updated = active.update(&txn).await.map_err(|e| {
        if crate::error::is_unique_violation(&e) {
            AppError::conflict(Some("contactId"), "that contact already has a login")
        } else {
            e.into()
        }
    })?;
    if disabling || role != current.role {
        revoke_sessions(state, &txn, id, None, now).await?;
    }
    audit::record(
        &txn,
        actor,
        "user.update",
        "user",
        id,
        Some(before),
        Some(user_view(&updated)),
        now,
    )
    .await?;
    txn.commit().await?;
    // Its contact or role may have changed: resolve its tokens afresh.
    state.tokens.forget_user(id);
    Ok(updated.into())
}
