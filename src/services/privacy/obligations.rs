//! What a person still owes or has arranged to give, which erasure refuses to lose silently: pending
//! contributions, open payments, active or paused recurring gifts. With `force`, erasure cancels
//! them first, each cancellation audited.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::erase::EraseOutcome;
use crate::db::entities::{contribution, payment, recurring_gift as gift};
use crate::domain::contribution::{ContributionStatus, RecurringStatus};
use crate::error::AppResult;
use crate::services::payments::{EXPIRED, OPEN};
use crate::services::{Actor, audit};

/// What the person still owes or has arranged to give.
pub(super) struct Obligations {
    pending: Vec<contribution::Model>,
    open_payments: Vec<i64>,
    gifts: Vec<gift::Model>,
}

impl Obligations {
    pub(super) async fn of<C: ConnectionTrait>(db: &C, contact_id: i64) -> AppResult<Self> {
        let pending = contribution::Entity::find()
            .filter(contribution::Column::ContactId.eq(contact_id))
            .filter(contribution::Column::Status.eq(ContributionStatus::Pending))
            .all(db)
            .await?;
        let theirs = contribution::Entity::find()
            .filter(contribution::Column::ContactId.eq(contact_id))
            .all(db)
            .await?
            .into_iter()
            .map(|k| k.id);
        let open_payments = payment::Entity::find()
            .filter(payment::Column::ContributionId.is_in(theirs))
            .filter(payment::Column::Status.eq(OPEN))
            .all(db)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        let gifts = gift::Entity::find()
            .filter(gift::Column::ContactId.eq(contact_id))
            .filter(gift::Column::Status.is_in([RecurringStatus::Active, RecurringStatus::Paused]))
            .all(db)
            .await?;
        Ok(Obligations {
            pending,
            open_payments,
            gifts,
        })
    }

    pub(super) fn is_empty(&self) -> bool {
        self.pending.is_empty() && self.open_payments.is_empty() && self.gifts.is_empty()
    }

    pub(super) fn describe(&self) -> String {
        let parts = [
            (self.pending.len(), "pending contribution"),
            (self.open_payments.len(), "open payment"),
            (self.gifts.len(), "active or paused recurring gift"),
        ];
        let listed: Vec<String> = parts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}{}", if *n == 1 { "" } else { "s" }))
            .collect();
        listed.join(", ")
    }

    /// Cancels everything open (nothing when there is nothing), each change audited.
    pub(super) async fn cancel<C: ConnectionTrait>(
        self,
        db: &C,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> AppResult<EraseOutcome> {
        let why = json!("the contact was erased");
        for k in &self.pending {
            contribution::Entity::update_many()
                .col_expr(
                    contribution::Column::Status,
                    Expr::value(ContributionStatus::Cancelled),
                )
                .col_expr(contribution::Column::UpdatedBy, Expr::value(actor.label()))
                .col_expr(contribution::Column::UpdatedAt, Expr::value(now))
                .filter(contribution::Column::Id.eq(k.id))
                .exec(db)
                .await?;
            let before = crate::services::contributions::audit_view(k);
            let mut after = before.clone();
            after["status"] = json!(ContributionStatus::Cancelled.as_str());
            after["reason"] = why.clone();
            audit::record(
                db,
                actor,
                "contribution.cancel",
                "contribution",
                k.id,
                Some(before),
                Some(after),
                now,
            )
            .await?;
        }
        payment::Entity::update_many()
            .col_expr(payment::Column::Status, Expr::value(EXPIRED))
            .col_expr(payment::Column::UpdatedAt, Expr::value(now))
            .filter(payment::Column::Id.is_in(self.open_payments.clone()))
            .exec(db)
            .await?;
        for g in &self.gifts {
            let mut active: gift::ActiveModel = g.clone().into();
            active.status = Set(RecurringStatus::Cancelled);
            active.updated_at = Set(now);
            active.update(db).await?;
            let after = json!({ "status": RecurringStatus::Cancelled.as_str(), "reason": why });
            audit::record(
                db,
                actor,
                "recurring_gift.cancel",
                "recurring_gift",
                g.id,
                None,
                Some(after),
                now,
            )
            .await?;
        }
        Ok(EraseOutcome {
            contact_id: 0,
            cancelled_contributions: self.pending.len(),
            cancelled_gifts: self.gifts.len(),
        })
    }
}
