//! Logins: creating them (API and CLI), listing them.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::db::begin_write;
use crate::db::entities::{contact, user};
use crate::domain::account::User;
use crate::domain::email::EmailAddress;
use crate::domain::role::{Role, check_password};
use crate::error::{AppError, AppResult, is_unique_violation};
use crate::services::auth::Viewer;
use crate::services::pagination::{Page, PageArgs, page_by_id};
use crate::services::{Actor, access};
use crate::state::AppState;

pub struct NewUser {
    pub email: String,
    pub password: String,
    pub role: Role,
    pub contact_id: Option<i64>,
}

/// Creates a login. A MEMBER login must belong to a live contact; the email is unique.
#[tracing::instrument(skip(state, input, actor), fields(email = %input.email, role = ?input.role))]
pub async fn create(state: &AppState, actor: &Actor, input: NewUser) -> AppResult<User> {
    let email = EmailAddress::parse(&input.email, "email")?;
    check_password(
        &input.password,
        state.settings.auth.min_password_length,
        "password",
    )?;
    if input.role == Role::Member && input.contact_id.is_none() {
        return Err(AppError::bad_input(
            "contactId",
            "a MEMBER login must be linked to a contact",
        ));
    }
    let hash = crate::services::auth::hash_password(&input.password).await?;
    let txn = begin_write(&state.db).await?;
    if let Some(contact_id) = input.contact_id {
        let live = contact::Entity::find_by_id(contact_id)
            .filter(contact::Column::DeletedAt.is_null())
            .one(&txn)
            .await?;
        match live {
            None => return Err(AppError::not_found("contact", contact_id, "contactId")),
            Some(c) => crate::services::contacts::refuse_erased(&c)?,
        }
    }
    let now = state.clock.now();
    let created = user::ActiveModel {
        email: Set(email.into_string()),
        password_hash: Set(hash),
        role: Set(input.role),
        contact_id: Set(input.contact_id),
        disabled_at: Set(None),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        verification_required: Set(false),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            AppError::conflict(
                Some("email"),
                "a login with this email (or for this contact) already exists",
            )
        } else {
            e.into()
        }
    })?;
    let view = serde_json::json!({ "email": created.email, "role": created.role.as_str(), "contactId": created.contact_id });
    crate::services::audit::record(
        &txn,
        actor,
        "user.create",
        "user",
        created.id,
        None,
        Some(view),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created.into())
}

/// Creates an ADMIN login, or resets the password (and role, and enabled flag) of an existing one.
/// Returns the login and whether it was created.
pub async fn create_or_reset_admin(
    state: &AppState,
    email: &str,
    password: &str,
) -> AppResult<(User, bool)> {
    let email = EmailAddress::parse(email, "email")?;
    check_password(
        password,
        state.settings.auth.min_password_length,
        "password",
    )?;
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(&state.db)
        .await?;
    match existing {
        None => {
            let created = create(
                state,
                &Actor::Cli,
                NewUser {
                    email: email.into_string(),
                    password: password.into(),
                    role: Role::Admin,
                    contact_id: None,
                },
            )
            .await?;
            Ok((created, true))
        }
        Some(found) => {
            let hash = crate::services::auth::hash_password(password).await?;
            let now = state.clock.now();
            let txn = begin_write(&state.db).await?;
            let user_id = found.id;
            let mut active: user::ActiveModel = found.into();
            active.password_hash = Set(hash);
            active.role = Set(Role::Admin);
            active.disabled_at = Set(None);
            active.updated_at = Set(now);
            let updated = active.update(&txn).await?;
            // A reset password should not leave old sessions open.
            crate::services::auth::revoke_sessions(state, &txn, user_id, None, now).await?;
            txn.commit().await?;
            Ok((updated.into(), false))
        }
    }
}

/// A login by id (admins).
pub async fn get(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<User> {
    access::require_role(viewer, Role::Admin)?;
    user::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .map(User::from)
        .ok_or_else(|| AppError::not_found("user", id, "id"))
}

/// The viewer's own login.
pub async fn me(state: &AppState, viewer: &Viewer) -> AppResult<User> {
    let id = access::user(viewer)?.user_id;
    user::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .map(User::from)
        .ok_or_else(|| AppError::not_found("user", id, "id"))
}

/// The login of a contact, if any (staff).
pub async fn find_by_contact(
    state: &AppState,
    viewer: &Viewer,
    contact_id: i64,
) -> AppResult<Option<User>> {
    access::require_role(viewer, Role::Staff)?;
    Ok(user::Entity::find()
        .filter(user::Column::ContactId.eq(contact_id))
        .one(&state.db)
        .await?
        .map(User::from))
}

/// Lists logins oldest first, optionally filtered by role (admins).
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    role: Option<Role>,
    page: PageArgs,
) -> AppResult<Page<User>> {
    access::require_role(viewer, Role::Admin)?;
    let mut q = user::Entity::find();
    if let Some(role) = role {
        q = q.filter(user::Column::Role.eq(role));
    }
    let page = page_by_id(&state.db, q, user::Column::Id, false, page, |r| r.id).await?;
    Ok(page.map(User::from))
}
