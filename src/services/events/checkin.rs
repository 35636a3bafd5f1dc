//! At the door (staff): checking people in by registration id or by the code from their
//! confirmation, and marking those who never came as no-shows once the event has started.
//! Check-in codes are 256-bit random tokens of which only a SHA-256 digest is stored.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::{get_in, registration_in};
use crate::db::begin_write;
use crate::db::entities::event_registration as reg;
use crate::domain::event::{EventStatus, RegistrationStatus};
use crate::error::{AppError, AppResult};
use crate::services::auth::token_digest;
use crate::services::{Actor, audit};
use crate::state::AppState;

/// Checks a registration in (REGISTERED, or a NO_SHOW corrected) and returns it as ATTENDED.
#[tracing::instrument(skip(state), fields(actor = %actor.label()))]
pub async fn check_in(state: &AppState, actor: &Actor, id: i64) -> AppResult<reg::Model> {
    let txn = begin_write(&state.db).await?;
    let r = registration_in(&txn, id, "id").await?;
    let done = check_in_row(state, &txn, actor, r).await?;
    txn.commit().await?;
    Ok(done)
}

/// Checks in the registration of event `event_id` whose confirmation carried `code`.
#[tracing::instrument(skip(state, code), fields(actor = %actor.label()))]
pub async fn check_in_by_code(
    state: &AppState,
    actor: &Actor,
    event_id: i64,
    code: &str,
) -> AppResult<reg::Model> {
    let code = code.trim();
    if code.is_empty() || code.len() > 200 {
        return Err(AppError::bad_input("code", "not a check-in code"));
    }
    let txn = begin_write(&state.db).await?;
    let found = reg::Entity::find()
        .filter(reg::Column::EventId.eq(event_id))
        .filter(reg::Column::CheckInCodeSha256.eq(token_digest(code)))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("registration", "with this code", "code"))?;
    let done = check_in_row(state, &txn, actor, found).await?;
    txn.commit().await?;
    Ok(done)
}

async fn check_in_row(
    state: &AppState,
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    r: reg::Model,
) -> AppResult<reg::Model> {
    let now = state.clock.now();
    let e = get_in(txn, r.event_id, "id").await?;
    if e.status != EventStatus::Published {
        return Err(AppError::conflict(
            None,
            format!("the event is {}", e.status),
        ));
    }
    match r.status {
        RegistrationStatus::Registered | RegistrationStatus::NoShow => {}
        RegistrationStatus::Attended => {
            return Err(AppError::conflict(
                None,
                format!(
                    "already checked in at {}",
                    r.checked_in_at.map(super::mail::when).unwrap_or_default()
                ),
            ));
        }
        other => {
            return Err(AppError::conflict(
                None,
                format!("this registration is {other}: only a REGISTERED person checks in"),
            ));
        }
    }
    let moved = reg::Entity::update_many()
        .col_expr(
            reg::Column::Status,
            Expr::value(RegistrationStatus::Attended),
        )
        .col_expr(reg::Column::CheckedInAt, Expr::value(now))
        .col_expr(reg::Column::UpdatedAt, Expr::value(now))
        .filter(reg::Column::Id.eq(r.id))
        .filter(reg::Column::Status.eq(r.status))
        .exec(txn)
        .await?
        .rows_affected;
    if moved == 0 {
        return Err(AppError::conflict(None, "already checked in meanwhile"));
    }
    audit::record(
        txn,
        actor,
        "event.check_in",
        "event_registration",
        r.id,
        None,
        Some(json!({ "eventId": e.id })),
        now,
    )
    .await?;
    registration_in(txn, r.id, "id").await
}

/// Marks every REGISTERED person of an event that has started as NO_SHOW (staff); returns how
/// many. Checking someone in afterwards corrects it.
#[tracing::instrument(skip(state), fields(actor = %actor.label()))]
pub async fn mark_no_shows(state: &AppState, actor: &Actor, event_id: i64) -> AppResult<u64> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let e = get_in(&txn, event_id, "eventId").await?;
    if now < e.starts_at {
        return Err(AppError::conflict(
            Some("eventId"),
            "the event has not started yet",
        ));
    }
    let marked = reg::Entity::update_many()
        .col_expr(reg::Column::Status, Expr::value(RegistrationStatus::NoShow))
        .col_expr(reg::Column::UpdatedAt, Expr::value(now))
        .filter(reg::Column::EventId.eq(event_id))
        .filter(reg::Column::Status.eq(RegistrationStatus::Registered))
        .exec(&txn)
        .await?
        .rows_affected;
    audit::record(
        &txn,
        actor,
        "event.mark_no_shows",
        "event",
        event_id,
        None,
        Some(json!({ "marked": marked })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(marked)
}
