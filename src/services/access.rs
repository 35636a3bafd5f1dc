//! What a viewer may do and see — one policy for GraphQL (root and nested fields alike), the CLI
//! and the export endpoints to come. Services call these and return `UNAUTHENTICATED`, `FORBIDDEN`
//! or `NOT_FOUND` themselves; resolvers only pass the viewer along.

use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::Actor;
use crate::services::auth::{AuthUser, Viewer};
use crate::state::AppState;

/// The signed-in user, or UNAUTHENTICATED saying what is wrong with the token.
pub fn user(viewer: &Viewer) -> AppResult<&AuthUser> {
    match viewer {
        Viewer::User(u) => Ok(u),
        Viewer::Invalid(why) => Err(AppError::Unauthenticated((*why).into())),
        Viewer::Anonymous => Err(AppError::unauthenticated()),
    }
}

/// A signed-in user with at least `role`.
pub fn require_role(viewer: &Viewer, role: Role) -> AppResult<&AuthUser> {
    let u = user(viewer)?;
    if u.role.at_least(role) {
        Ok(u)
    } else {
        Err(AppError::Forbidden(format!(
            "this needs the {} role or higher",
            role.as_str()
        )))
    }
}

/// Whether the viewer is signed in as STAFF or ADMIN.
pub fn is_staff(viewer: &Viewer) -> bool {
    viewer.user().is_some_and(|u| u.role.at_least(Role::Staff))
}

/// Staff, or a member acting on their own contact.
pub fn require_self_or_staff(viewer: &Viewer, contact_id: i64) -> AppResult<&AuthUser> {
    let u = user(viewer)?;
    if u.role.at_least(Role::Staff) || u.contact_id == Some(contact_id) {
        Ok(u)
    } else {
        Err(AppError::forbidden())
    }
}

/// A record that staff, or the member it belongs to, may use. A member asking for anything not
/// theirs gets FORBIDDEN whether or not it exists, so ids tell them nothing.
pub fn own_or_staff<T>(
    viewer: &Viewer,
    found: AppResult<T>,
    contact_of: impl Fn(&T) -> i64,
) -> AppResult<T> {
    let u = user(viewer)?;
    if u.role.at_least(Role::Staff) {
        return found;
    }
    match found {
        Ok(x) if u.contact_id == Some(contact_of(&x)) => Ok(x),
        _ => Err(AppError::forbidden()),
    }
}

/// A field only staff may read (e.g. `Contact.notes`), wherever it is reached from.
pub fn require_staff_field(viewer: &Viewer, field: &str) -> AppResult<()> {
    user(viewer)?;
    if is_staff(viewer) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!("`{field}` is for staff only")))
    }
}

/// The permissions the viewer holds through current memberships (none when anonymous or without a
/// contact), loaded once per viewer however many fields ask.
pub async fn permissions<'v>(state: &AppState, viewer: &'v Viewer) -> AppResult<&'v [String]> {
    let Some(u) = viewer.user() else {
        return Ok(&[]);
    };
    let Some(contact_id) = u.contact_id else {
        return Ok(&[]);
    };
    u.permissions
        .get_or_load(|| async move {
            if u.api_key_id.is_none() && awaiting_verification(state, u.user_id).await? {
                return Ok(Vec::new());
            }
            crate::services::memberships::permissions_of(state, contact_id).await
        })
        .await
}

/// A login made by self-service signup whose address is not confirmed yet: it may see and edit
/// its own data, but holds no permission (members-only resources stay closed) until the
/// verification link is opened — so typing someone else's address into a signup form gains
/// nothing.
async fn awaiting_verification(state: &AppState, user_id: i64) -> AppResult<bool> {
    use sea_orm::EntityTrait;
    let found = crate::db::entities::user::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?;
    Ok(found.is_some_and(|u| u.verification_required && u.email_verified_at.is_none()))
}

/// Whether the viewer holds `permission` through a current membership (a staff role alone does not).
pub async fn holds(state: &AppState, viewer: &Viewer, permission: &str) -> AppResult<bool> {
    Ok(permissions(state, viewer)
        .await?
        .iter()
        .any(|p| p == permission))
}

/// The actor recorded in history and audit rows for what the viewer does.
pub fn actor(viewer: &Viewer) -> Actor {
    match viewer.user() {
        Some(u) => match u.api_key_id {
            Some(id) => Actor::ApiKey { id, role: u.role },
            None => Actor::User {
                id: u.user_id,
                email: u.email.clone(),
                role: u.role,
            },
        },
        None => Actor::Anonymous,
    }
}
