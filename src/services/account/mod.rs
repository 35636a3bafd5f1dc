//! Self-service and login administration: profile and password changes here; single-use links
//! (password resets, portal invitations, email verification) in `links`; admins' changes to logins in
//! `logins`.

mod links;
mod logins;

pub use links::{
    invite, invite_in, request_email_verification, request_password_reset, reset_password,
    send_verification_in, verify_email,
};
pub use logins::{UserChange, update_user};

use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use crate::db::begin_write;
use crate::db::entities::user;
use crate::domain::contact::{Contact, ContactPatch};
use crate::domain::patch::Patch;
use crate::domain::role::check_password;
use crate::error::{AppError, AppResult};
use crate::services::auth::{AuthUser, hash_password, revoke_sessions, verify_password};
use crate::services::{Actor, audit, contacts};
use crate::state::AppState;

/// What a member may change about themselves: never role, status, dates or another contact.
#[derive(Default)]
pub struct ProfileChange {
    pub first_name: Patch<String>,
    pub last_name: Patch<String>,
    pub phone: Patch<String>,
    pub street: Patch<String>,
    pub city: Patch<String>,
    pub postal_code: Patch<String>,
    pub region: Patch<String>,
    pub country: Patch<String>,
    pub preferred_language: Patch<String>,
    pub do_not_email: Option<bool>,
    pub do_not_mail: Option<bool>,
}

pub async fn update_my_profile(
    state: &AppState,
    viewer: &AuthUser,
    c: ProfileChange,
) -> AppResult<Contact> {
    let Some(contact_id) = viewer.contact_id else {
        return Err(AppError::Forbidden(
            "this login has no contact record to update".into(),
        ));
    };
    let patch = ContactPatch {
        first_name: c.first_name,
        last_name: c.last_name,
        phone: c.phone,
        street: c.street,
        city: c.city,
        postal_code: c.postal_code,
        region: c.region,
        country: c.country,
        preferred_language: c.preferred_language,
        do_not_email: c.do_not_email.map_or(Patch::Keep, Patch::Set),
        do_not_mail: c.do_not_mail.map_or(Patch::Keep, Patch::Set),
        ..Default::default()
    };
    let actor = Actor::User {
        id: viewer.user_id,
        email: viewer.email.clone(),
        role: viewer.role,
    };
    contacts::update(state, &actor, contact_id, patch).await
}

/// Changes the caller's password and signs out their other sessions.
pub async fn change_password(
    state: &AppState,
    viewer: &AuthUser,
    current: &str,
    new: &str,
) -> AppResult<()> {
    if viewer.api_key_id.is_some() {
        return Err(AppError::Forbidden("API keys have no password".into()));
    }
    let u = user::Entity::find_by_id(viewer.user_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("user", viewer.user_id, "id"))?;
    if !verify_password(current, &u.password_hash).await? {
        return Err(AppError::bad_input("currentPassword", "is not correct"));
    }
    check_password(new, state.settings.auth.min_password_length, "newPassword")?;
    let hash = hash_password(new).await?;
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let mut active: user::ActiveModel = u.into();
    active.password_hash = Set(hash);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    revoke_sessions(state, &txn, viewer.user_id, Some(viewer.session_id), now).await?;
    let actor = Actor::User {
        id: viewer.user_id,
        email: viewer.email.clone(),
        role: viewer.role,
    };
    audit::record(
        &txn,
        &actor,
        "user.password_change",
        "user",
        viewer.user_id,
        None,
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
