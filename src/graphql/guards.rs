//! Request data for resolvers (the state, the viewer, the client address) and guards. Guards sit on
//! each resolver (not only on the root types), so nested fields and new operations are checked where
//! they are defined; the rules themselves are `services::access`, shared with the CLI.

use async_graphql::{Context, ErrorExtensions, Guard};

use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::graphql::loaders::Loaders;
use crate::services::auth::{AuthUser, Viewer};
use crate::services::pagination::PageArgs;
use crate::services::{Actor, access};
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

/// The request's DataLoaders.
pub fn loaders<'a>(ctx: &Context<'a>) -> AppResult<&'a Loaders> {
    ctx.data::<Loaders>()
        .map_err(|_| AppError::internal("Loaders missing from request data"))
}

/// Page arguments of a list field, checked against `graphql.max_page_size`; the total is counted
/// only when the query selects `totalCount`.
pub fn page_args(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<PageArgs> {
    let max = state(ctx)?.settings.graphql.max_page_size;
    let counted = ctx.look_ahead().field("totalCount").exists();
    Ok(PageArgs::new(first, after, max)?.counting(counted))
}

/// The caller; anonymous when the request carried no token.
pub fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    static ANONYMOUS: Viewer = Viewer::Anonymous;
    ctx.data_opt::<Viewer>().unwrap_or(&ANONYMOUS)
}

/// The signed-in user, or UNAUTHENTICATED (explaining what is wrong with the token).
pub fn user<'a>(ctx: &Context<'a>) -> AppResult<&'a AuthUser> {
    access::user(viewer(ctx))
}

/// The signed-in user if there is one (public operations that behave differently for users).
pub fn user_opt<'a>(ctx: &Context<'a>) -> Option<&'a AuthUser> {
    viewer(ctx).user()
}

/// The actor recorded in history and audit rows.
pub fn actor(ctx: &Context<'_>) -> Actor {
    access::actor(viewer(ctx))
}

/// Requires a signed-in user with at least `role`.
pub fn require_role<'a>(ctx: &Context<'a>, role: Role) -> AppResult<&'a AuthUser> {
    access::require_role(viewer(ctx), role)
}

/// Allows staff, or a member acting on their own contact.
pub fn require_self_or_staff<'a>(ctx: &Context<'a>, contact_id: i64) -> AppResult<&'a AuthUser> {
    access::require_self_or_staff(viewer(ctx), contact_id)
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
