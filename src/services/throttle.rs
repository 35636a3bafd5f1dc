//! Login throttling: after `auth.max_failed_logins` failures within `auth.failed_login_window_minutes`
//! for one account, or from one client address, further attempts get TOO_MANY_REQUESTS until the
//! window has passed. A successful sign-in clears the account's failures.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::db::entities::login_attempt as attempt;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Refuses when the account or the address has too many recent failures.
pub async fn check(
    state: &AppState,
    email: &str,
    client_ip: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let auth = &state.settings.auth;
    let since = now - Duration::minutes(auth.failed_login_window_minutes);
    let failures = |col: attempt::Column, value: String| {
        attempt::Entity::find()
            .filter(col.eq(value))
            .filter(attempt::Column::Succeeded.eq(false))
            .filter(attempt::Column::At.gte(since))
            .count(&state.db)
    };
    let by_account = failures(attempt::Column::Email, email.to_string()).await?;
    let by_address = failures(attempt::Column::ClientIp, client_ip.to_string()).await?;
    if by_account >= u64::from(auth.max_failed_logins)
        || by_address >= u64::from(auth.max_failed_logins)
    {
        return Err(AppError::TooManyRequests(format!(
            "too many failed sign-ins; try again in {} minutes",
            auth.failed_login_window_minutes
        )));
    }
    Ok(())
}

/// Records an attempt; a success clears the account's earlier failures.
pub async fn record(
    state: &AppState,
    email: &str,
    client_ip: &str,
    succeeded: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if succeeded {
        attempt::Entity::delete_many()
            .filter(attempt::Column::Email.eq(email))
            .filter(attempt::Column::Succeeded.eq(false))
            .exec(&state.db)
            .await?;
        return Ok(());
    }
    attempt::ActiveModel {
        email: Set(email.chars().take(254).collect()),
        client_ip: Set(client_ip.chars().take(64).collect()),
        succeeded: Set(false),
        at: Set(now),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    // Old rows serve no purpose: keep the table small.
    let cutoff = now - Duration::days(1);
    attempt::Entity::delete_many()
        .filter(attempt::Column::At.lt(cutoff))
        .exec(&state.db)
        .await?;
    Ok(())
}
