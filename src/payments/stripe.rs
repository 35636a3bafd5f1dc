//! A small typed client for the two Stripe calls Tessera makes: create a Checkout Session, and
//! create-and-confirm a PaymentIntent off-session. Form-encoded requests, `Idempotency-Key` on each.
//! The secret key is sent only in the `Authorization` header and never logged.

use std::time::Duration;

use serde::Deserialize;

use super::{ChargeOutcome, ChargeRequest, Checkout, CheckoutRequest, PaymentProvider};
use crate::config::StripeSettings;
use crate::error::{AppError, AppResult};

pub struct Stripe {
    client: reqwest::Client,
    base: String,
    secret_key: String,
}

#[derive(Deserialize)]
struct SessionReply {
    id: String,
    url: Option<String>,
}

#[derive(Deserialize)]
struct IntentReply {
    id: String,
    status: String,
    last_payment_error: Option<ErrorBody>,
}

#[derive(Deserialize)]
struct ErrorReply {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    message: Option<String>,
    code: Option<String>,
    decline_code: Option<String>,
    payment_intent: Option<IntentRef>,
}

#[derive(Deserialize)]
struct IntentRef {
    id: String,
}

impl ErrorBody {
    fn reason(&self) -> String {
        let code = self
            .decline_code
            .clone()
            .or_else(|| self.code.clone())
            .unwrap_or_else(|| "payment_failed".into());
        match &self.message {
            Some(m) => format!("{m} ({code})"),
            None => code,
        }
    }
}

impl Stripe {
    pub fn new(settings: &StripeSettings) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(settings.timeout_secs))
            .connect_timeout(Duration::from_secs(settings.timeout_secs.min(10)))
            .user_agent(concat!("tessera/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("payments.stripe: cannot build the HTTP client: {e}"))?;
        Ok(Self {
            client,
            base: settings.api_base.trim_end_matches('/').to_string(),
            secret_key: settings.secret_key.clone(),
        })
    }

    /// POSTs a form to `path`; returns the status and body. Network failures and 5xx answers are
    /// UNAVAILABLE (the caller may try again with the same idempotency key).
    async fn post(
        &self,
        path: &str,
        form: &[(String, String)],
        idempotency_key: &str,
    ) -> AppResult<(u16, String)> {
        let url = format!("{}{path}", self.base);
        let reply = self
            .client
            .post(&url)
            .bearer_auth(&self.secret_key)
            .header("Idempotency-Key", idempotency_key)
            .header("Stripe-Version", "2024-06-20")
            .form(form)
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, path, "Stripe did not answer");
                unavailable()
            })?;
        let status = reply.status().as_u16();
        let body = reply.text().await.map_err(|e| {
            tracing::warn!(error = %e, path, "Stripe's answer was cut off");
            unavailable()
        })?;
        if status >= 500 || status == 429 {
            tracing::warn!(status, path, "Stripe answered with an error");
            return Err(unavailable());
        }
        Ok((status, body))
    }
}

fn unavailable() -> AppError {
    AppError::Unavailable(
        "the payment service is not answering; please try again in a few minutes".into(),
    )
}

fn parse<T: for<'de> Deserialize<'de>>(body: &str, what: &str) -> AppResult<T> {
    serde_json::from_str(body)
        .map_err(|e| AppError::internal_from(format!("reading Stripe's {what}"), e))
}

fn pair(k: &str, v: impl ToString) -> (String, String) {
    (k.to_string(), v.to_string())
}

#[async_trait::async_trait]
impl PaymentProvider for Stripe {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn is_online(&self) -> bool {
        true
    }

    async fn checkout(&self, r: &CheckoutRequest) -> AppResult<Checkout> {
        let id = r.contribution_id.to_string();
        let mut form = vec![
            pair("mode", "payment"),
            pair("success_url", &r.success_url),
            pair("cancel_url", &r.cancel_url),
            pair("client_reference_id", &id),
            pair("metadata[contribution_id]", &id),
            pair("payment_intent_data[metadata][contribution_id]", &id),
            pair("payment_intent_data[description]", &r.description),
            pair("line_items[0][quantity]", 1),
            pair(
                "line_items[0][price_data][currency]",
                r.currency.to_lowercase(),
            ),
            pair("line_items[0][price_data][unit_amount]", r.amount_minor),
            pair(
                "line_items[0][price_data][product_data][name]",
                &r.description,
            ),
        ];
        if let Some(email) = &r.customer_email {
            form.push(pair("customer_email", email));
        }
        if r.save_method {
            form.push(pair("customer_creation", "always"));
            form.push(pair(
                "payment_intent_data[setup_future_usage]",
                "off_session",
            ));
        }
        let (status, body) = self
            .post("/v1/checkout/sessions", &form, &r.idempotency_key)
            .await?;
        if status != 200 {
            let why = serde_json::from_str::<ErrorReply>(&body)
                .map(|e| e.error.reason())
                .unwrap_or_else(|_| format!("HTTP {status}"));
            return Err(AppError::internal(format!(
                "Stripe refused a Checkout Session: {why}"
            )));
        }
        let reply: SessionReply = parse(&body, "Checkout Session")?;
        let url = reply
            .url
            .ok_or_else(|| AppError::internal("Stripe's Checkout Session has no url"))?;
        Ok(Checkout { id: reply.id, url })
    }

    async fn charge(&self, r: &ChargeRequest) -> AppResult<ChargeOutcome> {
        let id = r.contribution_id.to_string();
        let form = vec![
            pair("amount", r.amount_minor),
            pair("currency", r.currency.to_lowercase()),
            pair("customer", &r.customer_id),
            pair("payment_method", &r.payment_method_id),
            pair("off_session", "true"),
            pair("confirm", "true"),
            pair("description", &r.description),
            pair("metadata[contribution_id]", &id),
        ];
        let (status, body) = self
            .post("/v1/payment_intents", &form, &r.idempotency_key)
            .await?;
        match status {
            200 => {
                let pi: IntentReply = parse(&body, "PaymentIntent")?;
                Ok(match pi.status.as_str() {
                    "succeeded" => ChargeOutcome::Succeeded { id: pi.id },
                    "processing" => ChargeOutcome::Processing { id: pi.id },
                    other => ChargeOutcome::Failed {
                        reason: pi
                            .last_payment_error
                            .map(|e| e.reason())
                            .unwrap_or_else(|| format!("the payment is {other}")),
                        id: Some(pi.id),
                    },
                })
            }
            402 => {
                let e: ErrorReply = parse(&body, "card error")?;
                Ok(ChargeOutcome::Failed {
                    reason: e.error.reason(),
                    id: e.error.payment_intent.map(|p| p.id),
                })
            }
            other => {
                let why = serde_json::from_str::<ErrorReply>(&body)
                    .map(|e| e.error.reason())
                    .unwrap_or_else(|_| format!("HTTP {other}"));
                Err(AppError::internal(format!(
                    "Stripe refused a charge: {why}"
                )))
            }
        }
    }
}
