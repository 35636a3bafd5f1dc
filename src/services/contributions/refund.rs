//! Refunds: all or part of a completed contribution. The original stays for the books; the refund
//! is its own row, and the contribution records how much was refunded (REFUNDED once all of it).

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::{audit_view, get_in};
use crate::db::begin_write;
use crate::db::entities::{contribution, contribution_membership as link, contribution_refund};
use crate::domain::contribution::{Contribution, ContributionStatus, refund_amount};
use crate::domain::money::{Currency, Money};
use crate::domain::text::optional_text;
use crate::error::{AppError, AppResult};
use crate::services::statuses::{CANCELLED, Statuses};
use crate::services::{Actor, audit, memberships};
use crate::state::AppState;

pub struct RefundInput {
    /// The amount refunded (default: all that remains).
    pub amount: Option<String>,
    pub reason: Option<String>,
    /// Cancel the memberships this contribution paid for.
    pub cancel_memberships: bool,
}

#[tracing::instrument(skip(state, input), fields(actor = %actor.label()))]
pub async fn refund(
    state: &AppState,
    actor: &Actor,
    id: i64,
    input: RefundInput,
) -> AppResult<Contribution> {
    let txn = begin_write(&state.db).await?;
    let updated = refund_in(state, &txn, actor, id, input).await?;
    txn.commit().await?;
    Ok(updated)
}

/// [`refund`] inside the caller's transaction (refunds reported by the payment provider).
pub async fn refund_in(
    state: &AppState,
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    id: i64,
    input: RefundInput,
) -> AppResult<Contribution> {
    let now = state.clock.now();
    let reason = optional_text(input.reason.as_deref(), "reason", 2000)?;
    let current = get_in(txn, id).await?;
    if current.status != ContributionStatus::Completed {
        return Err(AppError::conflict(
            None,
            format!(
                "only a completed contribution can be refunded; this one is {}",
                current.status
            ),
        ));
    }
    let currency = Currency::parse(&current.currency, "currency")?;
    let requested = match input.amount.as_deref() {
        Some(raw) => Some(Money::parse(raw, currency, "amount", true)?.minor()),
        None => None,
    };
    let amount = refund_amount(current.amount_minor, current.refunded_minor, requested)?;
    let full = current.refunded_minor + amount >= current.amount_minor;
    // Conditional on the refunded total read above: of two refunds racing, the second finds it
    // changed and is refused rather than refunding more than was paid.
    let mut change = contribution::Entity::update_many()
        .col_expr(
            contribution::Column::RefundedMinor,
            Expr::value(current.refunded_minor + amount),
        )
        .col_expr(contribution::Column::UpdatedBy, Expr::value(actor.label()))
        .col_expr(contribution::Column::UpdatedAt, Expr::value(now));
    if full {
        change = change.col_expr(
            contribution::Column::Status,
            Expr::value(ContributionStatus::Refunded),
        );
    }
    let moved = change
        .filter(contribution::Column::Id.eq(id))
        .filter(contribution::Column::Status.eq(ContributionStatus::Completed))
        .filter(contribution::Column::RefundedMinor.eq(current.refunded_minor))
        .exec(txn)
        .await?
        .rows_affected;
    if moved == 0 {
        return Err(AppError::conflict(
            None,
            "the contribution changed meanwhile (another refund?); reload and try again",
        ));
    }
    let row = contribution_refund::ActiveModel {
        contribution_id: Set(id),
        amount_minor: Set(amount),
        reason: Set(reason.clone()),
        cancelled_memberships: Set(input.cancel_memberships),
        refunded_at: Set(now),
        refunded_by: Set(actor.label()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    if input.cancel_memberships {
        cancel_paid_memberships(state, txn, actor, id, reason.clone()).await?;
    }
    let updated = get_in(txn, id).await?;
    let mut after = audit_view(&updated);
    after["refund"] = serde_json::json!({
        "id": row.id, "amountMinor": amount, "reason": reason,
        "cancelledMemberships": input.cancel_memberships,
    });
    let action = "contribution.refund";
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

async fn cancel_paid_memberships<C: sea_orm::ConnectionTrait>(
    state: &AppState,
    txn: &C,
    actor: &Actor,
    contribution_id: i64,
    reason: Option<String>,
) -> AppResult<()> {
    let statuses = Statuses::load(txn).await?;
    let cancelled = statuses.id_of(CANCELLED)?;
    let links = link::Entity::find()
        .filter(link::Column::ContributionId.eq(contribution_id))
        .all(txn)
        .await?;
    for l in links {
        let m = memberships::get_in(txn, l.membership_id).await?;
        if m.status_id != cancelled {
            let why = reason
                .clone()
                .or_else(|| Some(format!("payment {contribution_id} refunded")));
            memberships::cancel_in(state, txn, actor, m.id, why).await?;
        }
    }
    Ok(())
}
