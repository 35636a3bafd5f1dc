//! Money in: contributions (dues, donations, fees), the memberships they pay for, soft credits,
//! refunds, receipts and annual statements; campaigns, financial types and recurring gifts.
//!
//! Exactly once: completing a contribution is a conditional update (`status` moves to COMPLETED
//! only from PENDING or FAILED), each link to a membership is applied by a conditional update of
//! its `applied_at`, and mail goes through the outbox under a dedupe key — so a payment completed
//! twice, concurrently or by two replicas extends and receipts once.

pub mod campaigns;
mod change;
pub mod financial_types;
mod list;
mod receipts;
pub mod recurring;
mod refund;
pub mod statements;
mod summary;
mod write;

pub use change::*;
pub use list::*;
pub use refund::*;
pub use summary::*;
pub use write::*;

use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{Value, json};

use crate::db::entities::contribution;
use crate::domain::money::Currency;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The contribution as the audit log shows it.
pub fn audit_view(c: &contribution::Model) -> Value {
    json!({
        "contactId": c.contact_id,
        "financialTypeId": c.financial_type_id,
        "amountMinor": c.amount_minor,
        "currency": c.currency,
        "receivedDate": c.received_date,
        "status": c.status.as_str(),
        "paymentInstrument": c.payment_instrument.map(|p| p.as_str()),
        "transactionId": c.transaction_id,
        "campaignId": c.campaign_id,
        "checkNumber": c.check_number,
        "refundedMinor": c.refunded_minor,
        "source": c.source,
    })
}

pub async fn get_in<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<contribution::Model> {
    contribution::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("contribution", id, "id"))
}

/// The currency named in `field`, or the organisation's default.
pub fn currency_or_default(
    state: &AppState,
    raw: Option<&str>,
    field: &str,
) -> AppResult<Currency> {
    match raw {
        Some(code) => Ok(Currency::parse(code, field)?),
        None => Ok(state.settings.organization.default_currency),
    }
}

/// The exponent of a stored currency code (2 when a row holds an unknown one).
pub fn exponent_of(code: &str) -> u32 {
    Currency::parse(code, "currency").map_or(2, |c| c.exponent())
}
