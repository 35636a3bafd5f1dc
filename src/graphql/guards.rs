//! Who may call what. Guards sit on each resolver (not only on the root types), so nested fields and
//! new operations are checked where they are defined.

use async_graphql::{Context, ErrorExtensions, Guard};

use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::Actor;
use crate::services::auth::{AuthUser, Viewer};
use crate::state::AppState;

/// The User-Agent of the request, kept with a new session so a user can tell sessions apart.
#[derive(Clone)]
pub struct UserAgent(pub Option<String>);

/// The address the request came from (for login throttling).
#[derive(Clone)]
pub struct ClientIp(pub String);

/// The client address of the request, or "unknown".
pub fn client_ip(ctx: &Context<'_>) -> String {
    ctx.data_opt::<ClientIp>()
        .map_or_else(|| "unknown".into(), |c| c.0.clone())
}

/// The application state, from the schema data.
pub fn state<'a>(ctx: &Context<'a>) -> AppResult<&'a AppState> {
    ctx.data::<AppState>()
        .map_err(|_| AppError::internal("AppState missing from schema data"))
}

/// The caller; anonymous when the request carried no token.
pub fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    static ANONYMOUS: Viewer = Viewer::Anonymous;
    ctx.data_opt::<Viewer>().unwrap_or(&ANONYMOUS)
}

/// The signed-in user, or UNAUTHENTICATED (explaining what is wrong with the token).
pub fn user<'a>(ctx: &Context<'a>) -> AppResult<&'a AuthUser> {
    match viewer(ctx) {
        Viewer::User(u) => Ok(u),
        Viewer::Invalid(why) => Err(AppError::Unauthenticated((*why).into())),
        Viewer::Anonymous => Err(AppError::unauthenticated()),
    }
}

/// The signed-in user if there is one (public operations that behave differently for users).
pub fn user_opt<'a>(ctx: &Context<'a>) -> Option<&'a AuthUser> {
    match viewer(ctx) {
        Viewer::User(u) => Some(u),
        _ => None,
    }
}

/// The actor recorded in history and audit rows.
pub fn actor(ctx: &Context<'_>) -> Actor {
    match user_opt(ctx) {
        Some(u) if u.api_key_id.is_some() => Actor::ApiKey {
            id: u.api_key_id.unwrap_or_default(),
            role: u.role,
        },
        Some(u) => Actor::User {
            id: u.user_id,
            email: u.email.clone(),
            role: u.role,
        },
        None => Actor::Anonymous,
    }
}

/// Requires a signed-in user with at least `role`.
pub fn require_role<'a>(ctx: &Context<'a>, role: Role) -> AppResult<&'a AuthUser> {
    let u = user(ctx)?;
    if u.role.at_least(role) {
        Ok(u)
    } else {
        Err(AppError::Forbidden(format!(
            "this needs the {} role or higher",
            role.as_str()
        )))
    }
}

/// Allows staff, or a member acting on their own contact.
pub fn require_self_or_staff<'a>(ctx: &Context<'a>, contact_id: i64) -> AppResult<&'a AuthUser> {
    let u = user(ctx)?;
    if u.role.at_least(Role::Staff) || u.contact_id == Some(contact_id) {
        Ok(u)
    } else {
        Err(AppError::forbidden())
    }
}

/// Field guard: a signed-in user with at least the given role.
pub struct RoleGuard(pub Role);

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        require_role(ctx, self.0)
            .map(|_| ())
            .map_err(|e| e.extend())
    }
}

/// Field guard: any signed-in user.
pub struct SignedIn;

impl Guard for SignedIn {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        user(ctx).map(|_| ()).map_err(|e| e.extend())
    }
}
