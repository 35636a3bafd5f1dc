//! Sessions: signing in (throttled, argon2-checked, one transaction), signing out, and resolving a
//! bearer token — a session token, or an API key starting `tsk_` — to a viewer.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, Set};

use super::passwords::{decoy_hash, verify_password};
use super::tokens::{new_token, token_digest};
use super::viewer::{AuthUser, Viewer};
use super::{api_keys, throttle};
use crate::db::entities::{session, user};
use crate::db::sql::Sql;
use crate::domain::email::EmailAddress;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub struct LoginResult {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

const BAD_LOGIN: &str = "the email or password is not correct";

/// Checks credentials and opens a session. Unknown email, wrong password and a disabled login all
/// give the same error after the same amount of work; too many failures for the account or the
/// client address give TOO_MANY_REQUESTS.
#[tracing::instrument(skip(state, password))]
pub async fn login(
    state: &AppState,
    email: &str,
    password: &str,
    user_agent: Option<String>,
    client_ip: &str,
) -> AppResult<LoginResult> {
    let typed = email.trim().to_lowercase();
    let reservation = throttle::reserve(state, &typed, client_ip, state.clock.now()).await?;
    let found = match EmailAddress::parse(email, "email") {
        Ok(email) => {
            user::Entity::find()
                .filter(user::Column::Email.eq(email.as_str()))
                .one(&state.db)
                .await?
        }
        Err(_) => None,
    };
    let hash = match &found {
        Some(u) => u.password_hash.clone(),
        None => decoy_hash().await?.to_string(),
    };
    let password_ok = verify_password(password, &hash).await?;
    let now = state.clock.now();
    let user = match found {
        Some(u) if password_ok && u.disabled_at.is_none() => u,
        _ => {
            throttle::failed(state, reservation, now).await?;
            return Err(AppError::Unauthenticated(BAD_LOGIN.into()));
        }
    };
    let token = new_token();
    let expires_at = now + Duration::days(state.settings.auth.session_ttl_days);
    let txn = crate::db::begin_write(&state.db).await?;
    throttle::succeeded(&txn, reservation).await?;
    session::ActiveModel {
        user_id: Set(user.id),
        token_sha256: Set(token_digest(&token)),
        created_at: Set(now),
        expires_at: Set(expires_at),
        last_used_at: Set(now),
        revoked_at: Set(None),
        user_agent: Set(user_agent.map(|ua| ua.chars().take(255).collect())),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut active: user::ActiveModel = user.into();
    active.last_login_at = Set(Some(now));
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(LoginResult { token, expires_at })
}

/// Revokes the session behind the viewer's token.
pub async fn logout(state: &AppState, user: &AuthUser) -> AppResult<()> {
    session::Entity::update_many()
        .col_expr(
            session::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(state.clock.now()),
        )
        .filter(session::Column::Id.eq(user.session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(&state.db)
        .await?;
    state.tokens.forget_user(user.user_id);
    Ok(())
}

/// Resolves a bearer token (a session token, or an API key starting `tsk_`). Refreshes `last_used_at`
/// at most once a minute to spare the database.
pub async fn authenticate(state: &AppState, token: &str) -> AppResult<Viewer> {
    let digest = token_digest(token);
    if let Some(user) = state.tokens.get(&digest, state.clock.now()) {
        return Ok(Viewer::User(user));
    }
    let (viewer, expires_at) = if token.starts_with(api_keys::PREFIX) {
        (api_keys::authenticate(state, &digest).await?, None)
    } else {
        session_viewer(state, &digest).await?
    };
    if let Viewer::User(u) = &viewer {
        state.tokens.put(digest, u, expires_at);
    }
    Ok(viewer)
}

/// A session and its login, read in one statement.
#[derive(Debug, sea_orm::FromQueryResult)]
struct SessionRow {
    session_id: i64,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    last_used_at: DateTime<Utc>,
    user_id: i64,
    email: String,
    role: Role,
    contact_id: Option<i64>,
    disabled_at: Option<DateTime<Utc>>,
}

/// The viewer of a session token, and when the session ends.
async fn session_viewer(
    state: &AppState,
    digest: &str,
) -> AppResult<(Viewer, Option<DateTime<Utc>>)> {
    let mut sql = Sql::new(state.db.get_database_backend());
    sql.push(
        "SELECT s.id AS session_id, s.expires_at, s.revoked_at, s.last_used_at, \
         u.id AS user_id, u.email, u.role, u.contact_id, u.disabled_at \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_sha256 = ",
    )
    .bind(digest.to_string());
    let found = SessionRow::find_by_statement(sql.statement())
        .one(&state.db)
        .await?;
    let invalid = |why| Ok((Viewer::Invalid(why), None));
    let Some(row) = found else {
        return invalid("the token is not valid");
    };
    let now = state.clock.now();
    if row.revoked_at.is_some() {
        return invalid("the token was revoked (signed out)");
    }
    if row.expires_at <= now {
        return invalid("the token has expired; sign in again");
    }
    if row.disabled_at.is_some() {
        return invalid("this login is disabled");
    }
    if now - row.last_used_at > Duration::minutes(1) {
        session::Entity::update_many()
            .col_expr(
                session::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(session::Column::Id.eq(row.session_id))
            .exec(&state.db)
            .await?;
    }
    let user = AuthUser {
        user_id: row.user_id,
        email: row.email,
        role: row.role,
        contact_id: row.contact_id,
        session_id: row.session_id,
        api_key_id: None,
        permissions: Default::default(),
    };
    Ok((Viewer::User(user), Some(row.expires_at)))
}

/// Revokes every open session of a user, optionally sparing one, in the caller's transaction, and
/// forgets the user's tokens resolved on this server.
pub async fn revoke_sessions<C: sea_orm::ConnectionTrait>(
    state: &AppState,
    db: &C,
    user_id: i64,
    except: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    state.tokens.forget_user(user_id);
    let mut q = session::Entity::update_many()
        .col_expr(
            session::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null());
    if let Some(keep) = except {
        q = q.filter(session::Column::Id.ne(keep));
    }
    Ok(q.exec(db).await?.rows_affected)
}
