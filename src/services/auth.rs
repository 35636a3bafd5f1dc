//! Logins: password hashing (argon2id, OWASP parameters), opaque session tokens of which only the
//! SHA-256 is stored, and resolving a bearer token to a viewer.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::TryRngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use crate::db::entities::{session, user};
use crate::domain::email::EmailAddress;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// OWASP's argon2id recommendation: m = 19 MiB, t = 2, p = 1.
fn argon2() -> AppResult<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(AppError::internal)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Bounds how many argon2 computations run at once: each takes ~19 MiB and a core for tens of
/// milliseconds, so a flood of logins must queue instead of exhausting memory and CPU. A caller that
/// cannot start within [`HASH_QUEUE_WAIT`] gets TOO_MANY_REQUESTS.
fn hash_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores.clamp(2, 16))
    })
}

const HASH_QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs one argon2 computation on the blocking pool, within the concurrency bound.
async fn with_hash_slot<T: Send + 'static>(
    work: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let _slot = tokio::time::timeout(HASH_QUEUE_WAIT, hash_slots().acquire())
        .await
        .map_err(|_| {
            AppError::TooManyRequests("the server is busy checking passwords; try again".into())
        })?
        .map_err(AppError::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(AppError::internal)?
}

/// Hashes a password (argon2 takes tens of milliseconds on purpose).
pub async fn hash_password(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    with_hash_slot(move || {
        argon2()?
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(AppError::internal)
    })
    .await
}

/// Checks a password against a stored PHC hash.
pub async fn verify_password(password: &str, hash: &str) -> AppResult<bool> {
    let password = password.to_owned();
    let hash = hash.to_owned();
    with_hash_slot(move || {
        Ok(argon2()?
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok())
    })
    .await
}

/// A hash of a random password, verified against when the email is unknown so that an unknown email
/// and a wrong password take the same time.
async fn decoy_hash() -> AppResult<&'static str> {
    static DECOY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DECOY.get() {
        return Ok(h);
    }
    let h = hash_password(&new_token()).await?;
    Ok(DECOY.get_or_init(|| h))
}

/// 256 random bits from the operating system, base64url-encoded.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's random source is unavailable");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A signed-in user, as resolved from a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthUser {
    pub user_id: i64,
    pub email: String,
    pub role: Role,
    pub contact_id: Option<i64>,
    pub session_id: i64,
    /// Set when the caller used an API key (then `user_id` is the admin who created it and `role` is
    /// the key's role).
    pub api_key_id: Option<i64>,
}

/// Who is calling: nobody, someone with a token that does not work (and why), or a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Viewer {
    Anonymous,
    Invalid(&'static str),
    User(AuthUser),
}

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
    let reservation =
        crate::services::throttle::reserve(state, &typed, client_ip, state.clock.now()).await?;
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
            crate::services::throttle::failed(state, reservation, now).await?;
            return Err(AppError::Unauthenticated(BAD_LOGIN.into()));
        }
    };
    let token = new_token();
    let expires_at = now + Duration::days(state.settings.auth.session_ttl_days);
    let txn = crate::db::begin_write(&state.db).await?;
    crate::services::throttle::succeeded(&txn, reservation).await?;
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
    if token.starts_with(crate::services::api_keys::PREFIX) {
        return crate::services::api_keys::authenticate(state, token).await;
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
    let role = user.role.parse::<Role>().map_err(AppError::internal)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let a = hash_password("correct horse battery").await.unwrap();
        let b = hash_password("correct horse battery").await.unwrap();
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse battery", &a).await.unwrap());
        assert!(!verify_password("wrong", &a).await.unwrap());
    }

    #[test]
    fn tokens_are_long_and_unique() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_eq!(token_digest(&a).len(), 64);
    }
}
