//! Stripe's webhook events: checked, recorded once, applied in one transaction.
//!
//! - The signature is checked first (see `payments::signature`); a bad one writes nothing.
//! - The event id is recorded in `webhook_events` in the transaction that applies the event: a
//!   replay, or the same event delivered to two replicas at once, finds it there (the unique index
//!   makes the second wait for the first and then fail) and changes nothing.
//! - Events may arrive in any order: completing is a no-op on a completed contribution (so
//!   `checkout.session.completed` and `payment_intent.succeeded` for one payment complete it once),
//!   a failure after success is ignored, and a refund whose payment is not known yet is refused with
//!   503 so that Stripe delivers it again later.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use serde_json::Value;

use super::{CHARGE, CHECKOUT, EXPIRED, OPEN, SUCCEEDED, renewals};
use crate::db::begin_write;
use crate::db::entities::{contribution, payment, payment_method, webhook_event};
use crate::domain::contribution::ContributionStatus;
use crate::error::{AppError, is_unique_violation};
use crate::payments::signature::{self, SignatureError};
use crate::services::Actor;
use crate::services::contributions::{self, RefundInput};
use crate::state::AppState;

const ACTOR: Actor = Actor::Job("stripe-webhook");

/// What became of an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// Seen before: nothing changed.
    Duplicate,
    /// Not an event Tessera acts on (recorded all the same).
    Ignored,
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// 400: not from Stripe (or not for this endpoint); nothing written.
    #[error("signature: {0}")]
    Signature(#[from] SignatureError),
    /// 400: not an event.
    #[error("bad payload: {0}")]
    BadPayload(String),
    /// 503: cannot be applied yet (e.g. a refund of a payment not known yet); Stripe retries.
    #[error("not yet: {0}")]
    Retry(String),
    /// 500.
    #[error(transparent)]
    Failed(#[from] AppError),
}

impl From<sea_orm::DbErr> for WebhookError {
    fn from(e: sea_orm::DbErr) -> Self {
        WebhookError::Failed(e.into())
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The contribution an object names in its metadata (or `client_reference_id`).
fn contribution_of(obj: &Value) -> Option<i64> {
    obj.get("metadata")
        .and_then(|m| text(m, "contribution_id"))
        .or_else(|| text(obj, "client_reference_id"))
        .and_then(|s| s.parse().ok())
}

/// Checks, records and applies one webhook delivery.
pub async fn handle_stripe(
    state: &AppState,
    payload: &[u8],
    signature_header: Option<&str>,
) -> Result<Outcome, WebhookError> {
    let stripe = &state.settings.payments.stripe;
    if state.settings.payments.provider != "stripe" || stripe.webhook_secret.is_empty() {
        return Err(SignatureError::Mismatch.into());
    }
    signature::verify(
        payload,
        signature_header.ok_or(SignatureError::Malformed)?,
        &stripe.webhook_secret,
        state.clock.now().timestamp(),
        stripe.webhook_tolerance_secs,
    )?;
    let event: Value = serde_json::from_slice(payload)
        .map_err(|e| WebhookError::BadPayload(format!("not JSON: {e}")))?;
    let (Some(id), Some(kind)) = (text(&event, "id"), text(&event, "type")) else {
        return Err(WebhookError::BadPayload("no event id or type".into()));
    };
    let obj = event
        .get("data")
        .and_then(|d| d.get("object"))
        .cloned()
        .unwrap_or(Value::Null);
    let txn = begin_write(&state.db).await?;
    let recorded = webhook_event::ActiveModel {
        provider: Set("stripe".into()),
        event_id: Set(id.chars().take(255).collect()),
        event_type: Set(kind.chars().take(100).collect()),
        received_at: Set(state.clock.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    match recorded {
        Err(e) if is_unique_violation(&e) => return Ok(Outcome::Duplicate),
        Err(e) => return Err(e.into()),
        Ok(_) => {}
    }
    let outcome = match kind {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            if text(&obj, "payment_status") == Some("paid") {
                mark(&txn, CHECKOUT, text(&obj, "id"), SUCCEEDED, None).await?;
                let paid = paid_amount(&obj, "amount_total");
                complete(
                    state,
                    &txn,
                    contribution_of(&obj),
                    text(&obj, "payment_intent"),
                    paid,
                )
                .await?
            } else {
                Outcome::Ignored
            }
        }
        "payment_intent.succeeded" => {
            mark(&txn, CHARGE, text(&obj, "id"), SUCCEEDED, None).await?;
            let paid = paid_amount(&obj, "amount_received");
            let done = complete(state, &txn, contribution_of(&obj), text(&obj, "id"), paid).await?;
            save_method(state, &txn, &obj).await?;
            done
        }
        "checkout.session.expired" => {
            mark(&txn, CHECKOUT, text(&obj, "id"), EXPIRED, None).await?;
            Outcome::Applied
        }
        "payment_intent.payment_failed" => failed(state, &txn, &obj).await?,
        "charge.refunded" => refunded(state, &txn, &obj).await?,
        _ => Outcome::Ignored,
    };
    txn.commit().await?;
    Ok(outcome)
}

/// Sets the status of the attempt with this provider id (if Tessera made it).
async fn mark(
    txn: &DatabaseTransaction,
    kind: &str,
    external_id: Option<&str>,
    status: &str,
    error: Option<String>,
) -> Result<(), WebhookError> {
    let Some(external_id) = external_id else {
        return Ok(());
    };
    let mut update = payment::Entity::update_many()
        .col_expr(payment::Column::Status, Expr::value(status))
        .col_expr(payment::Column::Error, Expr::value(error));
    if status == SUCCEEDED {
        update = update.col_expr(
            payment::Column::NextRetryAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        );
    }
    update
        .filter(payment::Column::Provider.eq("stripe"))
        .filter(payment::Column::Kind.eq(kind))
        .filter(payment::Column::ExternalId.eq(external_id))
        .filter(payment::Column::Status.ne(SUCCEEDED))
        .exec(txn)
        .await?;
    Ok(())
}

/// The amount and currency an object says was paid, when it says.
fn paid_amount(obj: &Value, field: &str) -> Option<(i64, String)> {
    let amount = obj.get(field).and_then(Value::as_i64)?;
    let currency = text(obj, "currency")?.to_ascii_uppercase();
    Some((amount, currency))
}

/// Completes the contribution (a no-op when it already is). A payment of less than is due, or in
/// another currency, completes nothing: it is logged for staff to look at.
async fn complete(
    state: &AppState,
    txn: &DatabaseTransaction,
    contribution_id: Option<i64>,
    transaction_id: Option<&str>,
    paid: Option<(i64, String)>,
) -> Result<Outcome, WebhookError> {
    let Some(id) = contribution_id else {
        return Ok(Outcome::Ignored);
    };
    let Some(k) = contribution::Entity::find_by_id(id).one(txn).await? else {
        tracing::warn!(
            contribution = id,
            "a Stripe payment names an unknown contribution"
        );
        return Ok(Outcome::Ignored);
    };
    if let Some((amount, currency)) = paid
        && (amount < k.amount_minor - k.refunded_minor || currency != k.currency)
    {
        tracing::warn!(
            contribution = id,
            amount,
            %currency,
            due = k.amount_minor,
            "a Stripe payment does not match its contribution; not completed"
        );
        return Ok(Outcome::Ignored);
    }
    let moved = super::complete_paid(state, txn, &ACTOR, &k, transaction_id).await?;
    Ok(if moved {
        Outcome::Applied
    } else {
        Outcome::Ignored
    })
}

/// Keeps the card a payer agreed to save, for automatic renewals.
async fn save_method(
    state: &AppState,
    txn: &DatabaseTransaction,
    obj: &Value,
) -> Result<(), WebhookError> {
    let (Some(customer), Some(method), Some(id)) = (
        text(obj, "customer"),
        text(obj, "payment_method"),
        contribution_of(obj),
    ) else {
        return Ok(());
    };
    if text(obj, "setup_future_usage") != Some("off_session") {
        return Ok(());
    }
    let Some(k) = contribution::Entity::find_by_id(id).one(txn).await? else {
        return Ok(());
    };
    let now = state.clock.now();
    let existing = payment_method::Entity::find_by_id(k.contact_id)
        .one(txn)
        .await?;
    let is_new = existing.is_none();
    let mut row: payment_method::ActiveModel = match existing {
        Some(m) => m.into(),
        None => payment_method::ActiveModel {
            contact_id: Set(k.contact_id),
            ..Default::default()
        },
    };
    row.provider = Set("stripe".into());
    row.customer_id = Set(customer.chars().take(255).collect());
    row.payment_method_id = Set(method.chars().take(255).collect());
    row.updated_at = Set(now);
    if is_new {
        row.insert(txn).await?;
    } else {
        row.update(txn).await?;
    }
    Ok(())
}

/// A charge Tessera made failed: follow it up (an attempt on a payment page is the payer's to
/// retry there).
async fn failed(
    state: &AppState,
    txn: &DatabaseTransaction,
    obj: &Value,
) -> Result<Outcome, WebhookError> {
    let Some(external_id) = text(obj, "id") else {
        return Ok(Outcome::Ignored);
    };
    let attempt = payment::Entity::find()
        .filter(payment::Column::Provider.eq("stripe"))
        .filter(payment::Column::Kind.eq(CHARGE))
        .filter(payment::Column::ExternalId.eq(external_id))
        .one(txn)
        .await?;
    let Some(attempt) = attempt.filter(|a| a.status == OPEN) else {
        return Ok(Outcome::Ignored);
    };
    let reason = obj
        .get("last_payment_error")
        .and_then(|e| text(e, "message"))
        .unwrap_or("the card was declined")
        .to_string();
    renewals::record_failure(state, txn, attempt, reason).await?;
    Ok(Outcome::Applied)
}

/// A refund made at Stripe: the contribution's refunded total follows Stripe's.
async fn refunded(
    state: &AppState,
    txn: &DatabaseTransaction,
    obj: &Value,
) -> Result<Outcome, WebhookError> {
    let Some(intent) = text(obj, "payment_intent") else {
        return Ok(Outcome::Ignored);
    };
    let total = obj
        .get("amount_refunded")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let k = contribution::Entity::find()
        .filter(contribution::Column::TransactionId.eq(intent))
        .one(txn)
        .await?;
    let Some(k) = k else {
        return Err(WebhookError::Retry(format!(
            "no completed contribution for {intent} yet"
        )));
    };
    match k.status {
        ContributionStatus::Completed => {}
        ContributionStatus::Refunded => return Ok(Outcome::Ignored),
        _ => {
            return Err(WebhookError::Retry(format!(
                "contribution {} is not completed yet",
                k.id
            )));
        }
    }
    let delta = total.min(k.amount_minor) - k.refunded_minor;
    if delta <= 0 {
        return Ok(Outcome::Ignored);
    }
    let currency =
        crate::domain::money::Currency::parse(&k.currency, "currency").map_err(AppError::from)?;
    let input = RefundInput {
        amount: Some(crate::domain::money::Money::from_minor(delta, currency).to_decimal_string()),
        reason: Some("refunded at Stripe".into()),
        cancel_memberships: false,
    };
    contributions::refund_in(state, txn, &ACTOR, k.id, input).await?;
    Ok(Outcome::Applied)
}
