//! Cancelling registrations: by staff (with or without a refund), by the person themself (before
//! the start; another person's id is NOT_FOUND), by the event's cancellation, or by the
//! `event-followups` job when a fee was not paid in time. The freed seats go to the waitlist.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use serde_json::json;

use super::{get_in, lock_event, mail, registration_in};
use crate::db::begin_write;
use crate::db::entities::{contribution, event, event_registration as reg};
use crate::domain::contribution::ContributionStatus;
use crate::domain::event::RegistrationStatus;
use crate::domain::text::optional_text;
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
use crate::services::contributions::{self, RefundInput};
use crate::services::{Actor, access, audit};
use crate::state::AppState;

/// How a registration is cancelled.
#[derive(Clone, Debug, Default)]
pub struct Cancellation {
    /// Refund a completed fee in full.
    pub refund: bool,
    pub reason: Option<String>,
    /// The whole event was cancelled (the notice says so).
    pub event_cancelled: bool,
    /// Offer the freed seats to the waitlist.
    pub promote: bool,
}

/// Cancels a registration inside the caller's transaction (the event is locked by the caller):
/// its pending fee is cancelled, a completed one refunded when asked, the person told, and the
/// freed seats offered to the waitlist when asked.
pub async fn cancel_in(
    state: &AppState,
    txn: &DatabaseTransaction,
    actor: &Actor,
    e: &event::Model,
    r: reg::Model,
    how: Cancellation,
) -> AppResult<reg::Model> {
    let now = state.clock.now();
    if !r.status.is_live() {
        return Err(AppError::conflict(
            None,
            "this registration is cancelled already",
        ));
    }
    let held = r.status.holds_seat();
    let moved = reg::Entity::update_many()
        .col_expr(
            reg::Column::Status,
            Expr::value(RegistrationStatus::Cancelled),
        )
        .col_expr(reg::Column::CancelledAt, Expr::value(now))
        .col_expr(reg::Column::UpdatedAt, Expr::value(now))
        .filter(reg::Column::Id.eq(r.id))
        .filter(reg::Column::Status.eq(r.status))
        .exec(txn)
        .await?
        .rows_affected;
    if moved == 0 {
        return Err(AppError::conflict(
            None,
            "the registration changed meanwhile; try again",
        ));
    }
    if let Some(k) = r.contribution_id {
        let fee = contribution::Entity::find_by_id(k).one(txn).await?;
        let why = how
            .reason
            .clone()
            .or_else(|| Some(format!("event registration {} cancelled", r.id)));
        match fee.map(|f| f.status) {
            Some(ContributionStatus::Pending | ContributionStatus::Failed) => {
                contributions::cancel_in(state, txn, actor, k, why).await?;
            }
            Some(ContributionStatus::Completed) if how.refund => {
                let input = RefundInput {
                    amount: None,
                    reason: why,
                    cancel_memberships: false,
                };
                contributions::refund_in(state, txn, actor, k, input).await?;
            }
            _ => {}
        }
    }
    let r = registration_in(txn, r.id, "id").await?;
    mail::cancelled(
        state,
        txn,
        e,
        &r,
        how.event_cancelled,
        how.reason.as_deref(),
    )
    .await?;
    audit::record(txn, actor, "event.cancel_registration", "event_registration", r.id, None,
        Some(json!({ "refund": how.refund, "reason": how.reason, "eventCancelled": how.event_cancelled })),
        now).await?;
    if how.promote && held {
        super::waitlist::promote_in(state, txn, actor, e).await?;
    }
    Ok(r)
}

/// Cancels a registration (staff); a completed fee is refunded unless `refund` is false.
#[tracing::instrument(skip(state, reason), fields(actor = %actor.label()))]
pub async fn cancel(
    state: &AppState,
    actor: &Actor,
    id: i64,
    refund: bool,
    reason: Option<String>,
) -> AppResult<reg::Model> {
    let reason = optional_text(reason.as_deref(), "reason", 2000)?;
    let txn = begin_write(&state.db).await?;
    let found = registration_in(&txn, id, "id").await?;
    lock_event(&txn, found.event_id).await?;
    let r = registration_in(&txn, id, "id").await?;
    refuse_after_event(&r)?;
    let e = get_in(&txn, r.event_id, "id").await?;
    let how = Cancellation {
        refund,
        reason,
        event_cancelled: false,
        promote: true,
    };
    let done = cancel_in(state, &txn, actor, &e, r, how).await?;
    txn.commit().await?;
    Ok(done)
}

fn refuse_after_event(r: &reg::Model) -> AppResult<()> {
    if matches!(
        r.status,
        RegistrationStatus::Attended | RegistrationStatus::NoShow
    ) {
        return Err(AppError::conflict(
            None,
            format!(
                "this registration is {}: the event has taken place",
                r.status
            ),
        ));
    }
    Ok(())
}

/// Cancels the viewer's own registration. Another person's (or an unknown id) is NOT_FOUND, so ids
/// tell nothing. A pending fee is cancelled; a paid one stays for staff to refund.
#[tracing::instrument(skip(state, viewer))]
pub async fn cancel_mine(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<reg::Model> {
    let u = access::user(viewer)?;
    let actor = access::actor(viewer);
    let txn = begin_write(&state.db).await?;
    let found = reg::Entity::find_by_id(id).one(&txn).await?;
    let Some(found) = found.filter(|r| u.contact_id == Some(r.contact_id)) else {
        return Err(AppError::not_found("registration", id, "id"));
    };
    lock_event(&txn, found.event_id).await?;
    let r = registration_in(&txn, id, "id").await?;
    refuse_after_event(&r)?;
    let e = get_in(&txn, r.event_id, "id").await?;
    if state.clock.now() >= e.starts_at {
        return Err(AppError::conflict(
            None,
            "the event has started; ask the organisers",
        ));
    }
    let how = Cancellation {
        refund: false,
        reason: None,
        event_cancelled: false,
        promote: true,
    };
    let done = cancel_in(state, &txn, &actor, &e, r, how).await?;
    txn.commit().await?;
    Ok(done)
}
