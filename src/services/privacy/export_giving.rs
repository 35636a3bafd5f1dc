//! The giving part of a personal-data export: contributions with refunds and payment attempts,
//! credits and tributes on other people's gifts (the credit or tribute only), recurring gifts.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use super::subject::Subject;
use crate::db::entities::{
    campaign, contribution, contribution_membership as link, contribution_refund as refund,
    contribution_soft_credit as soft, financial_type, payment, recurring_gift as gift,
};
use crate::domain::money::format_minor;
use crate::error::AppResult;
use crate::services::contributions::exponent_of;

fn money(minor: i64, currency: &str) -> Value {
    json!({ "amount": format_minor(minor, exponent_of(currency)), "currency": currency })
}

/// The person's contributions; their staff notes only when `staff` asks.
pub(super) async fn contributions<C: ConnectionTrait>(
    db: &C,
    s: &Subject,
    staff: bool,
) -> AppResult<Vec<Value>> {
    let types: HashMap<i64, String> = financial_type::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.key))
        .collect();
    let campaigns: HashMap<i64, String> = campaign::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let ids = s.contribution_ids.clone();
    let refunds = refund::Entity::find()
        .filter(refund::Column::ContributionId.is_in(ids.clone()))
        .order_by_asc(refund::Column::Id)
        .all(db)
        .await?;
    let payments = payment::Entity::find()
        .filter(payment::Column::ContributionId.is_in(ids.clone()))
        .order_by_asc(payment::Column::Id)
        .all(db)
        .await?;
    let links = link::Entity::find()
        .filter(link::Column::ContributionId.is_in(ids.clone()))
        .all(db)
        .await?;
    let rows = contribution::Entity::find()
        .filter(contribution::Column::ContactId.eq(s.contact_id))
        .order_by_asc(contribution::Column::Id)
        .all(db)
        .await?;
    Ok(rows.iter().map(|k| json!({
        "id": k.id.to_string(), "financialType": types.get(&k.financial_type_id),
        "total": money(k.amount_minor, &k.currency),
        "refunded": money(k.refunded_minor, &k.currency),
        "receivedDate": k.received_date, "dueDate": k.due_date, "status": k.status.as_str(),
        "paymentInstrument": k.payment_instrument.map(|p| p.as_str()),
        "transactionId": k.transaction_id, "checkNumber": k.check_number, "source": k.source,
        "note": if staff { k.note.as_deref() } else { None }, "campaign": k.campaign_id.and_then(|c| campaigns.get(&c)),
        "recurringGiftId": k.recurring_gift_id.map(|g| g.to_string()),
        "tribute": k.tribute_kind.map(|t| json!({ "kind": t.as_str(), "name": k.tribute_name })),
        "createdAt": k.created_at, "completedAt": k.completed_at,
        "membershipIds": links.iter().filter(|l| l.contribution_id == k.id)
            .map(|l| l.membership_id.to_string()).collect::<Vec<_>>(),
        "refunds": refunds.iter().filter(|r| r.contribution_id == k.id).map(|r| json!({
            "amount": money(r.amount_minor, &k.currency), "reason": r.reason,
            "refundedAt": r.refunded_at })).collect::<Vec<_>>(),
        // Provider references and checkout links stay out: they act on the payment.
        "payments": payments.iter().filter(|p| p.contribution_id == k.id).map(|p| json!({
            "provider": p.provider, "kind": p.kind, "status": p.status,
            "createdAt": p.created_at, "updatedAt": p.updated_at })).collect::<Vec<_>>(),
    })).collect())
}

/// Gifts of others credited to the person: the credit only, nothing about the donor.
pub(super) async fn soft_credits<C: ConnectionTrait>(
    db: &C,
    contact_id: i64,
) -> AppResult<Vec<Value>> {
    let rows = soft::Entity::find()
        .filter(soft::Column::ContactId.eq(contact_id))
        .order_by_asc(soft::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.contribution_id).collect();
    let gifts: HashMap<i64, contribution::Model> = contribution::Entity::find()
        .filter(contribution::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|k| (k.id, k))
        .collect();
    Ok(rows
        .iter()
        .map(|r| {
            let k = gifts.get(&r.contribution_id);
            json!({ "contributionId": r.contribution_id.to_string(), "kind": r.kind.as_str(),
            "credit": k.map(|k| money(r.amount_minor, &k.currency)),
            "receivedDate": k.map(|k| k.received_date) })
        })
        .collect())
}

/// Gifts of others made in the person's honour or memory, or notifying them: the tribute only.
pub(super) async fn named_in<C: ConnectionTrait>(db: &C, contact_id: i64) -> AppResult<Vec<Value>> {
    let rows = contribution::Entity::find()
        .filter(
            Condition::any()
                .add(contribution::Column::TributeContactId.eq(contact_id))
                .add(contribution::Column::NotifyContactId.eq(contact_id)),
        )
        .filter(contribution::Column::ContactId.ne(contact_id))
        .order_by_asc(contribution::Column::Id)
        .all(db)
        .await?;
    Ok(rows.iter().map(|k| json!({
        "contributionId": k.id.to_string(), "tributeKind": k.tribute_kind.map(|t| t.as_str()),
        "honoured": k.tribute_contact_id == Some(contact_id),
        "notified": k.notify_contact_id == Some(contact_id), "receivedDate": k.received_date,
    })).collect())
}

pub(super) fn gift_json(g: &gift::Model) -> Value {
    json!({
        "id": g.id.to_string(), "amount": money(g.amount_minor, &g.currency),
        "frequency": g.frequency.as_str(), "startDate": g.start_date, "endDate": g.end_date,
        "nextDueDate": g.next_due_date, "status": g.status.as_str(),
        "paymentInstrument": g.payment_instrument.map(|p| p.as_str()), "createdAt": g.created_at,
    })
}
