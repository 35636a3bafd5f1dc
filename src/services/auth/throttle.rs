//! Login throttling: after `auth.max_failed_logins` failures within `auth.failed_login_window_minutes`
//! for one account, or from one client address, further attempts get TOO_MANY_REQUESTS until the
//! window has passed. A successful sign-in clears the account's failures.
//!
//! An attempt is counted *before* its password is checked: [`reserve`] counts the recent failures
//! and records the attempt as one, in a transaction that holds the account's and the address's turn
//! (SQLite: the write lock; PostgreSQL: transaction-scoped advisory locks on both keys, taken in a
//! fixed order). So of any number of attempts — one by one, at once, or the operations of one
//! batch — exactly the limit's worth of passwords are checked per window. [`succeeded`] turns the
//! reservation into a success.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

use crate::db::entities::login_attempt as attempt;
use crate::db::{begin_write, lock_subject, subject_key};
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
    let txn = begin_write(&state.db).await?;
    // Both subjects' turns, in a fixed order.
    let mut keys = [("account", &email), ("address", &client_ip)];
    keys.sort_unstable_by_key(|(kind, value)| subject_key(kind, value));
    for (kind, value) in keys {
        lock_subject(&txn, kind, value).await?;
    }
    let since = now - Duration::minutes(auth.failed_login_window_minutes);
    let failures = |col: attempt::Column, value: String| {
        attempt::Entity::find()
            .filter(col.eq(value))
            .filter(attempt::Column::Succeeded.eq(false))
            .filter(attempt::Column::At.gte(since))
            .count(&txn)
    };
    let by_account = failures(attempt::Column::Email, email.clone()).await?;
    let by_address = failures(attempt::Column::ClientIp, client_ip.clone()).await?;
    let limit = u64::from(auth.max_failed_logins);
    if by_account >= limit || by_address >= limit {
        return Err(AppError::TooManyRequests(format!(
            "too many failed sign-ins; try again in {} minutes",
            auth.failed_login_window_minutes
        )));
    }
    let row = attempt::ActiveModel {
        email: Set(email.clone()),
        client_ip: Set(client_ip),
        succeeded: Set(false),
        at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
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
