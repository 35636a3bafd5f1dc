//! `POST /webhooks/stripe`: Stripe's events. 400 (nothing written) when the signature does not
//! verify or the body is not an event; 200 when applied, ignored or already seen; 503 when an event
//! cannot be applied yet (Stripe delivers it again later); 500 on an unexpected failure.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Body, Request, Response, handler};

use super::HttpState;
use crate::services::payments::events::{self, WebhookError};

/// Stripe's events are a few KiB; anything far larger is not one.
const MAX_EVENT_BYTES: usize = 512 * 1024;

fn reply(status: StatusCode, text: &str) -> Response {
    Response::builder()
        .status(status)
        .content_type("text/plain; charset=utf-8")
        .body(text.to_string())
}

#[handler]
pub async fn stripe(req: &Request, body: Body, Data(state): Data<&HttpState>) -> Response {
    let Ok(bytes) = body.into_bytes_limit(MAX_EVENT_BYTES).await else {
        return reply(StatusCode::PAYLOAD_TOO_LARGE, "event too large");
    };
    let signature = req
        .headers()
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    match events::handle_stripe(&state.app, &bytes, signature).await {
        Ok(outcome) => {
            tracing::info!(?outcome, "stripe event");
            reply(StatusCode::OK, "ok")
        }
        Err(WebhookError::Signature(e)) => {
            tracing::warn!(error = %e, "stripe webhook refused");
            reply(StatusCode::BAD_REQUEST, "invalid signature")
        }
        Err(WebhookError::BadPayload(e)) => {
            tracing::warn!(error = %e, "stripe webhook refused");
            reply(StatusCode::BAD_REQUEST, "not an event")
        }
        Err(WebhookError::Retry(why)) => {
            tracing::info!(%why, "stripe event deferred");
            reply(
                StatusCode::SERVICE_UNAVAILABLE,
                "not yet; deliver again later",
            )
        }
        Err(WebhookError::Failed(e)) => {
            tracing::error!(error = %e.detail(), "stripe event failed");
            reply(StatusCode::INTERNAL_SERVER_ERROR, "failed")
        }
    }
}
