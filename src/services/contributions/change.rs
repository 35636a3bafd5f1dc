//! Editing, completing and cancelling contributions. One transaction each.

use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::write::{check_transaction_id, on_completed};
use super::{audit_view, get_in};
use crate::db::begin_write;
use crate::db::entities::contribution;
use crate::domain::contribution::{
    Contribution, ContributionStatus, PaymentInstrument, can_set_status, positive_amount,
};
use crate::domain::dates::check_in_range;
use crate::domain::money::{Currency, Money};
use crate::domain::patch::Patch;
use crate::domain::text::optional_text;
use crate::error::{AppError, AppResult};
use crate::services::{Actor, audit};
use crate::state::AppState;

/// A change to a contribution; `Keep` leaves a field as it is.
#[derive(Default)]
pub struct ContributionPatch {
    pub financial_type: Option<String>,
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub received_date: Option<NaiveDate>,
    pub status: Option<ContributionStatus>,
    pub payment_instrument: Patch<PaymentInstrument>,
    pub transaction_id: Patch<String>,
    pub source: Patch<String>,
    pub note: Patch<String>,
    pub campaign_id: Patch<i64>,
    pub check_number: Patch<String>,
}

/// Edits a contribution (staff). Moving it to COMPLETED does what completing does, exactly once;
/// completed gifts are refunded rather than edited back, and refunded amounts stay fixed.
#[tracing::instrument(skip(state, patch), fields(actor = %actor.label()))]
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    patch: ContributionPatch,
) -> AppResult<Contribution> {
    let txn = begin_write(&state.db).await?;
    let updated = update_in(state, &txn, actor, id, patch).await?;
    txn.commit().await?;
    Ok(updated)
}

/// [`update`] inside the caller's transaction (payment-provider events record themselves with it).
pub async fn update_in(
    state: &AppState,
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    id: i64,
    patch: ContributionPatch,
) -> AppResult<Contribution> {
    let now = state.clock.now();
    let mut current = get_in(txn, id).await?;
    let before = audit_view(&current);
    let mut completes = false;
    if let Some(to) = patch.status
        && to != current.status
    {
        if !can_set_status(current.status, to) {
            return Err(AppError::bad_input(
                "status",
                format!(
                    "a {} contribution cannot become {}{}",
                    current.status,
                    to,
                    if current.status == ContributionStatus::Completed {
                        " (refund it instead)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        // Conditional: of two requests completing one payment at once, one moves it.
        let moved = contribution::Entity::update_many()
            .col_expr(contribution::Column::Status, Expr::value(to))
            .col_expr(contribution::Column::UpdatedAt, Expr::value(now))
            .filter(contribution::Column::Id.eq(id))
            .filter(contribution::Column::Status.eq(current.status))
            .exec(txn)
            .await?
            .rows_affected;
        if moved == 1 {
            completes = to == ContributionStatus::Completed;
        }
        current = get_in(txn, id).await?;
    }
    let mut active: contribution::ActiveModel = current.clone().into();
    if let Some(key) = &patch.financial_type {
        let t = super::financial_types::by_key_in(txn, key, "financialType", true).await?;
        active.financial_type_id = Set(t.id);
    }
    if patch.amount.is_some() || patch.currency.is_some() {
        if current.refunded_minor > 0 {
            return Err(AppError::conflict(
                Some("amount"),
                "this contribution has refunds; its amount cannot change",
            ));
        }
        let currency = match &patch.currency {
            Some(c) => Currency::parse(c, "currency")?,
            None => Currency::parse(&current.currency, "currency")?,
        };
        let raw = match &patch.amount {
            Some(a) => a.clone(),
            None => Money::from_minor(current.amount_minor, currency).to_decimal_string(),
        };
        active.amount_minor = Set(positive_amount(&raw, currency, "amount")?.minor());
        active.currency = Set(currency.code().to_string());
    }
    if let Some(d) = patch.received_date {
        active.received_date = Set(check_in_range(d, "receivedDate")?);
    }
    active.payment_instrument = Set(patch.payment_instrument.apply(current.payment_instrument));
    let trxn = optional_text(
        patch
            .transaction_id
            .apply(current.transaction_id.clone())
            .as_deref(),
        "transactionId",
        255,
    )?;
    check_transaction_id(txn, &trxn, id).await?;
    active.transaction_id = Set(trxn);
    let text = |p: Patch<String>, cur: &Option<String>, field: &str, max: usize| {
        optional_text(p.apply(cur.clone()).as_deref(), field, max)
    };
    active.source = Set(text(patch.source, &current.source, "source", 200)?);
    active.note = Set(text(patch.note, &current.note, "note", 4000)?);
    active.check_number = Set(text(
        patch.check_number,
        &current.check_number,
        "checkNumber",
        64,
    )?);
    let campaign = patch.campaign_id.apply(current.campaign_id);
    if let Some(c) = campaign {
        super::campaigns::get_in(txn, c, "campaignId").await?;
    }
    active.campaign_id = Set(campaign);
    if completes {
        active.completed_at = Set(Some(now));
    }
    active.updated_by = Set(actor.label());
    active.updated_at = Set(now);
    let updated = active.update(txn).await?;
    let action = "contribution.update";
    audit::record(
        txn,
        actor,
        action,
        "contribution",
        id,
        Some(before),
        Some(audit_view(&updated)),
        now,
    )
    .await?;
    if completes {
        on_completed(state, txn, actor, &updated).await?;
    }
    Ok(updated.into())
}

/// Completes a contribution (a payment provider confirmed it, or staff did): the same as moving it
/// to COMPLETED, and a no-op when it already is.
pub async fn complete(state: &AppState, actor: &Actor, id: i64) -> AppResult<Contribution> {
    let patch = ContributionPatch {
        status: Some(ContributionStatus::Completed),
        ..Default::default()
    };
    update(state, actor, id, patch).await
}

/// Cancels a pending or failed contribution (staff); a completed one is refunded instead.
#[tracing::instrument(skip(state, reason), fields(actor = %actor.label()))]
pub async fn cancel(
    state: &AppState,
    actor: &Actor,
    id: i64,
    reason: Option<String>,
) -> AppResult<Contribution> {
    let txn = begin_write(&state.db).await?;
    let updated = cancel_in(state, &txn, actor, id, reason).await?;
    txn.commit().await?;
    Ok(updated)
}

/// [`cancel`] inside the caller's transaction (an event registration released or cancelled
/// cancels its pending fee with it).
pub async fn cancel_in<C: sea_orm::ConnectionTrait>(
    state: &AppState,
    txn: &C,
    actor: &Actor,
    id: i64,
    reason: Option<String>,
) -> AppResult<Contribution> {
    let now = state.clock.now();
    let reason = optional_text(reason.as_deref(), "reason", 2000)?;
    let current = get_in(txn, id).await?;
    if !matches!(
        current.status,
        ContributionStatus::Pending | ContributionStatus::Failed
    ) {
        return Err(AppError::conflict(
            None,
            format!(
                "a {} contribution cannot be cancelled{}",
                current.status,
                if current.status == ContributionStatus::Completed {
                    " (refund it instead)"
                } else {
                    ""
                }
            ),
        ));
    }
    let moved = contribution::Entity::update_many()
        .col_expr(
            contribution::Column::Status,
            Expr::value(ContributionStatus::Cancelled),
        )
        .col_expr(contribution::Column::UpdatedBy, Expr::value(actor.label()))
        .col_expr(contribution::Column::UpdatedAt, Expr::value(now))
        .filter(contribution::Column::Id.eq(id))
        .filter(contribution::Column::Status.eq(current.status))
        .exec(txn)
        .await?
        .rows_affected;
    if moved == 0 {
        return Err(AppError::conflict(
            None,
            "the contribution changed meanwhile; try again",
        ));
    }
    let updated = get_in(txn, id).await?;
    let mut after = audit_view(&updated);
    after["reason"] = serde_json::json!(reason);
    let action = "contribution.cancel";
    audit::record(
        txn,
        actor,
        action,
        "contribution",
        id,
        Some(audit_view(&current)),
        Some(after),
        now,
    )
    .await?;
    Ok(updated.into())
}
