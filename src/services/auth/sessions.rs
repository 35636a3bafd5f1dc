//! Sessions: signing in (throttled, argon2-checked, one transaction), signing out, and resolving a
//! bearer token — a session token, or an API key starting `tsk_` — to a viewer.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::passwords::{decoy_hash, verify_password};
use super::tokens::{new_token, token_digest};
use super::viewer::{AuthUser, Viewer};
use super::{api_keys, throttle};
use crate::db::entities::{session, user};
use crate::domain::email::EmailAddress;
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
pub async fn logout(state: &AppState, session_id: i64) -> AppResult<()> {
    session::Entity::update_many()
        .col_expr(
            session::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(state.clock.now()),
        )
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Resolves a bearer token (a session token, or an API key starting `tsk_`). Refreshes `last_used_at`
/// at most once a minute to spare the database.
pub async fn authenticate(state: &AppState, token: &str) -> AppResult<Viewer> {
    if token.starts_with(api_keys::PREFIX) {
        return api_keys::authenticate(state, token).await;
    }
    let found = session::Entity::find()
        .filter(session::Column::TokenSha256.eq(token_digest(token)))
        .one(&state.db)
        .await?;
    let Some(session) = found else {
        return Ok(Viewer::Invalid("the token is not valid"));
    };
    let now = state.clock.now();
    if session.revoked_at.is_some() {
        return Ok(Viewer::Invalid("the token was revoked (signed out)"));
    }
    if session.expires_at <= now {
        return Ok(Viewer::Invalid("the token has expired; sign in again"));
    }
    let Some(user) = user::Entity::find_by_id(session.user_id)
        .one(&state.db)
        .await?
    else {
        return Ok(Viewer::Invalid("the token is not valid"));
    };
    if user.disabled_at.is_some() {
        return Ok(Viewer::Invalid("this login is disabled"));
    }
    let role = user.role;
    if now - session.last_used_at > Duration::minutes(1) {
        session::Entity::update_many()
            .col_expr(
                session::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(session::Column::Id.eq(session.id))
            .exec(&state.db)
            .await?;
    }
    Ok(Viewer::User(AuthUser {
        user_id: user.id,
        email: user.email,
        role,
        contact_id: user.contact_id,
        session_id: session.id,
        api_key_id: None,
        permissions: Default::default(),
    }))
}

/// Revokes every open session of a user, optionally sparing one.
pub async fn revoke_sessions<C: sea_orm::ConnectionTrait>(
    db: &C,
    user_id: i64,
    except: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<u64> {
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
