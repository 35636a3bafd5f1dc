//! Password hashing: argon2id with OWASP's parameters, at most one computation per core at a time.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use super::tokens::new_token;
use crate::error::{AppError, AppResult};

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
pub(super) async fn decoy_hash() -> AppResult<&'static str> {
    static DECOY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DECOY.get() {
        return Ok(h);
    }
    let h = hash_password(&new_token()).await?;
    Ok(DECOY.get_or_init(|| h))
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
}
