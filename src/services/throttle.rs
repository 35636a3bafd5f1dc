//! Login throttling: after `auth.max_failed_logins` failures within `auth.failed_login_window_minutes`
//! for one account, or from one client address, further attempts get TOO_MANY_REQUESTS until the
//! window has passed. A successful sign-in clears the account's failures.
//!
//! An attempt is counted *before* its password is checked: [`reserve`] inserts it as a failure, then
//! counts the recent failures including it, and refuses (removing its row) when that exceeds the limit.
//! Of concurrent attempts, the k-th to commit its row sees at least k rows, so at most the limit's
//! worth of passwords are ever checked per window — whether the attempts come one by one, at once, or
//! as the operations of one batch. [`succeeded`] turns the reservation into a success.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

use crate::db::entities::login_attempt as attempt;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A counted attempt whose password may now be checked.
#[derive(Debug)]
pub struct Reservation {
    id: i64,
    email: String,
}

/// Counts an attempt for `email` from `client_ip`, refusing when the account or the address already
/// has `auth.max_failed_logins` recent failures.
pub async fn reserve(
    state: &AppState,
    email: &str,
    client_ip: &str,
    now: DateTime<Utc>,
) -> AppResult<Reservation> {
    let auth = &state.settings.auth;
    let email: String = email.chars().take(254).collect();
    let client_ip: String = client_ip.chars().take(64).collect();
    let row = attempt::ActiveModel {
        email: Set(email.clone()),
        client_ip: Set(client_ip.clone()),
        succeeded: Set(false),
        at: Set(now),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    let since = now - Duration::minutes(auth.failed_login_window_minutes);
    let failures = |col: attempt::Column, value: String| {
        attempt::Entity::find()
            .filter(col.eq(value))
            .filter(attempt::Column::Succeeded.eq(false))
            .filter(attempt::Column::At.gte(since))
            .count(&state.db)
    };
    let by_account = failures(attempt::Column::Email, email.clone()).await?;
    let by_address = failures(attempt::Column::ClientIp, client_ip).await?;
    let limit = u64::from(auth.max_failed_logins);
    if by_account > limit || by_address > limit {
        attempt::Entity::delete_by_id(row.id)
            .exec(&state.db)
            .await?;
        return Err(AppError::TooManyRequests(format!(
            "too many failed sign-ins; try again in {} minutes",
            auth.failed_login_window_minutes
        )));
    }
    Ok(Reservation { id: row.id, email })
}

/// The password was right: clears the account's failures (the reservation among them), in the
/// caller's transaction.
pub async fn succeeded<C: ConnectionTrait>(db: &C, reservation: Reservation) -> AppResult<()> {
    attempt::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(attempt::Column::Id.eq(reservation.id))
                .add(attempt::Column::Email.eq(reservation.email)),
        )
        .filter(attempt::Column::Succeeded.eq(false))
        .exec(db)
        .await?;
    Ok(())
}

/// The password was wrong: the reservation stays as a failure; rows past any window are pruned.
pub async fn failed(
    state: &AppState,
    _reservation: Reservation,
    now: DateTime<Utc>,
) -> AppResult<()> {
    // Old rows serve no purpose: keep the table small.
    let cutoff = now - Duration::days(1);
    attempt::Entity::delete_many()
        .filter(attempt::Column::At.lt(cutoff))
        .exec(&state.db)
        .await?;
    Ok(())
}
