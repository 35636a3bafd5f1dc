//! The payment-provider seam: `offline` (pay later, staff record the payment) and Stripe (Checkout
//! Sessions for one-off payments, saved cards charged off-session for automatic renewals).
//!
//! What Tessera does with payments lives in `services::payments`; this module only talks to the
//! provider: every call carries an idempotency key derived from the contribution and the attempt,
//! so a retried call (after a timeout, a crash, or on another replica) never charges twice.

pub mod signature;
mod stripe;

use std::sync::Arc;

use crate::config::Settings;
use crate::error::{AppError, AppResult};

pub use stripe::Stripe;

/// A hosted payment page for one contribution.
#[derive(Clone, Debug)]
pub struct CheckoutRequest {
    pub contribution_id: i64,
    pub amount_minor: i64,
    /// ISO 4217, upper case.
    pub currency: String,
    /// What the payer sees, e.g. "Individual membership".
    pub description: String,
    pub customer_email: Option<String>,
    /// Keep the card for automatic renewals.
    pub save_method: bool,
    pub success_url: String,
    pub cancel_url: String,
    pub idempotency_key: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkout {
    /// The provider's id of the page (a Checkout Session).
    pub id: String,
    pub url: String,
}

/// An off-session charge of a saved payment method.
#[derive(Clone, Debug)]
pub struct ChargeRequest {
    pub contribution_id: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub description: String,
    pub customer_id: String,
    pub payment_method_id: String,
    pub idempotency_key: String,
}

/// What a charge did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChargeOutcome {
    /// Paid: the provider's payment id.
    Succeeded { id: String },
    /// Not paid (declined, expired card, authentication needed): why, for the member and staff.
    Failed { id: Option<String>, reason: String },
    /// Still processing: the provider's event will tell.
    Processing { id: String },
}

#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync {
    /// `offline` or `stripe`, as stored with each payment.
    fn name(&self) -> &'static str;
    /// Whether payers can pay online.
    fn is_online(&self) -> bool;
    /// Creates a hosted payment page.
    async fn checkout(&self, request: &CheckoutRequest) -> AppResult<Checkout>;
    /// Charges a saved payment method without the payer present.
    async fn charge(&self, request: &ChargeRequest) -> AppResult<ChargeOutcome>;
}

/// Pay later: members follow `organization.payment_instructions`; staff record the payments.
pub struct Offline;

#[async_trait::async_trait]
impl PaymentProvider for Offline {
    fn name(&self) -> &'static str {
        "offline"
    }
    fn is_online(&self) -> bool {
        false
    }
    async fn checkout(&self, _: &CheckoutRequest) -> AppResult<Checkout> {
        Err(offline())
    }
    async fn charge(&self, _: &ChargeRequest) -> AppResult<ChargeOutcome> {
        Err(offline())
    }
}

fn offline() -> AppError {
    AppError::conflict(
        None,
        "online payment is not set up here: please pay as the payment instructions say",
    )
}

/// The provider the settings choose.
pub fn from_settings(settings: &Settings) -> Result<Arc<dyn PaymentProvider>, String> {
    match settings.payments.provider.as_str() {
        "stripe" => Ok(Arc::new(Stripe::new(&settings.payments.stripe)?)),
        _ => Ok(Arc::new(Offline)),
    }
}
