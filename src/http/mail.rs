//! The public pages of bulk mail, reached from links in messages without signing in:
//! - `GET /mail/preferences?token=…` (also `GET /mail/unsubscribe?token=…`): the contact's public
//!   interests and "no bulk mail at all", as a form; `POST /mail/preferences` saves it. GET never
//!   changes anything (mail scanners open links).
//! - `POST /mail/unsubscribe?token=…`: RFC 8058 one-click unsubscribe (the `List-Unsubscribe`
//!   header's target), body `List-Unsubscribe=One-Click`.
//! - `GET /mail/subscribe/confirm?token=…` shows a button; `POST` confirms a newsletter sign-up.
//! - `POST /webhooks/mail-events`: bounce and complaint notifications from an email provider,
//!   with a staff bearer token (an API key); JSON `{ "events": [{ "type": "bounce" | "complaint",
//!   "email": "…", "permanent": true, "detail": "…" }] }`.
//!
//! Tokens are signed and expire (`services::mailings::links`); a tampered or expired one gets 400.

use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{Body, Request, Response, handler};

use super::HttpState;
use crate::error::{AppError, ErrorCode};
use crate::services::auth::Viewer;
use crate::services::mailings::{bounces, subscribe, unsubscribe};

/// Forms and notifications are small; anything larger is refused.
const MAX_BODY: usize = 64 * 1024;

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

fn esc(s: &str) -> String {
    handlebars::html_escape(s)
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width\"><title>{t}</title></head><body><h1>{t}</h1>{body}</body></html>",
        t = esc(title)
    );
    Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .body(html)
}

fn refused(e: &AppError) -> Response {
    let status = match e.code() {
        ErrorCode::BadUserInput => StatusCode::BAD_REQUEST,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        _ => {
            tracing::error!(error = %e.detail(), "mail page failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    let message = match e {
        AppError::BadUserInput { message, .. } => message.clone(),
        AppError::NotFound { .. } => "this link is not valid".into(),
        other => other.public_message(),
    };
    page(
        status,
        "Email preferences",
        &format!("<p>{}</p>", esc(&message)),
    )
}

/// The preferences form for a link.
#[handler]
pub async fn preferences_page(
    Query(q): Query<TokenQuery>,
    Data(state): Data<&HttpState>,
) -> Response {
    let token = q.token.unwrap_or_default();
    let prefs = match unsubscribe::preferences(&state.app, &token).await {
        Ok(p) => p,
        Err(e) => return refused(&e),
    };
    let mut form = format!(
        "<p>Email from {} to {}.</p><form method=\"post\" action=\"/mail/preferences\">\
         <input type=\"hidden\" name=\"token\" value=\"{}\">",
        esc(&state.app.settings.organization.name),
        esc(&prefs.display_name),
        esc(&token)
    );
    for (i, on) in &prefs.interests {
        form.push_str(&format!(
            "<p><label><input type=\"checkbox\" name=\"interest\" value=\"{}\"{}> {}</label></p>",
            i.id,
            if *on { " checked" } else { "" },
            esc(&i.name)
        ));
    }
    form.push_str(&format!(
        "<p><label><input type=\"checkbox\" name=\"unsubscribe_all\" value=\"1\"{}> \
         Unsubscribe from everything (newsletters and appeals; receipts and account messages \
         still come)</label></p><p><button type=\"submit\">Save my choices</button></p></form>",
        if prefs.unsubscribed_from_all {
            " checked"
        } else {
            ""
        }
    ));
    page(StatusCode::OK, "Email preferences", &form)
}

fn form_fields(bytes: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(bytes).unwrap_or_default()
}

/// Saves the preferences form.
#[handler]
pub async fn save_preferences(body: Body, Data(state): Data<&HttpState>) -> Response {
    let Ok(bytes) = body.into_bytes_limit(MAX_BODY).await else {
        return page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Email preferences",
            "<p>Too large.</p>",
        );
    };
    let fields = form_fields(&bytes);
    let get = |k: &str| fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone());
    let token = get("token").unwrap_or_default();
    let chosen: Vec<i64> = fields
        .iter()
        .filter(|(k, _)| k == "interest")
        .filter_map(|(_, v)| v.parse().ok())
        .take(200)
        .collect();
    let all = get("unsubscribe_all").is_some();
    match unsubscribe::save(&state.app, &token, &chosen, all).await {
        Ok(()) => page(
            StatusCode::OK,
            "Email preferences",
            "<p>Your choices are saved.</p>",
        ),
        Err(e) => refused(&e),
    }
}

/// RFC 8058 one-click unsubscribe.
#[handler]
pub async fn one_click(
    Query(q): Query<TokenQuery>,
    body: Body,
    Data(state): Data<&HttpState>,
) -> Response {
    // The body is `List-Unsubscribe=One-Click` from a mailbox provider, or the token when a
    // plain form posts it; either way the signed token decides.
    let bytes = body.into_bytes_limit(MAX_BODY).await.unwrap_or_default();
    let token = q.token.or_else(|| {
        form_fields(&bytes)
            .into_iter()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v)
    });
    match unsubscribe::one_click(&state.app, &token.unwrap_or_default()).await {
        Ok(()) => page(
            StatusCode::OK,
            "Unsubscribed",
            "<p>You will get no more newsletters or appeals from us.</p>",
        ),
        Err(e) => refused(&e),
    }
}

/// The confirmation page of a newsletter sign-up: a button, so that a mail scanner opening the
/// link confirms nothing.
#[handler]
pub async fn confirm_page(Query(q): Query<TokenQuery>) -> Response {
    let token = q.token.unwrap_or_default();
    let form = format!(
        "<form method=\"post\" action=\"/mail/subscribe/confirm\"><input type=\"hidden\" \
         name=\"token\" value=\"{}\"><p><button type=\"submit\">Confirm my subscription</button></p></form>",
        esc(&token)
    );
    page(StatusCode::OK, "Confirm your subscription", &form)
}

/// Confirms a newsletter sign-up.
#[handler]
pub async fn confirm(body: Body, Data(state): Data<&HttpState>) -> Response {
    let bytes = body.into_bytes_limit(MAX_BODY).await.unwrap_or_default();
    let token = form_fields(&bytes)
        .into_iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v)
        .unwrap_or_default();
    match subscribe::confirm(&state.app, &token).await {
        Ok(_) => page(
            StatusCode::OK,
            "Subscribed",
            "<p>Thank you: your subscription is confirmed.</p>",
        ),
        Err(e) => refused(&e),
    }
}

fn json(status: StatusCode, value: serde_json::Value) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json")
        .body(value.to_string())
}

/// Bounce and complaint notifications (staff bearer token).
#[handler]
pub async fn events(req: &Request, body: Body, Data(state): Data<&HttpState>) -> Response {
    let viewer = match super::graphql::viewer_of(state, req.headers()).await {
        Ok(Viewer::Invalid(why)) => {
            return json(
                StatusCode::UNAUTHORIZED,
                serde_json::json!({ "error": why }),
            );
        }
        Ok(v) => v,
        Err(e) => {
            return json(
                StatusCode::UNAUTHORIZED,
                serde_json::json!({ "error": e.public_message() }),
            );
        }
    };
    let Ok(bytes) = body.into_bytes_limit(1024 * 1024).await else {
        return json(
            StatusCode::PAYLOAD_TOO_LARGE,
            serde_json::json!({ "error": "too large" }),
        );
    };
    let parsed: bounces::MailEvents = match serde_json::from_slice(&bytes) {
        Ok(p) => p,
        Err(e) => {
            return json(
                StatusCode::BAD_REQUEST,
                serde_json::json!({ "error": e.to_string() }),
            );
        }
    };
    match bounces::apply_events(&state.app, &viewer, parsed).await {
        Ok(applied) => json(StatusCode::OK, serde_json::json!(applied)),
        Err(e) => {
            let status = match e.code() {
                ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
                ErrorCode::Forbidden => StatusCode::FORBIDDEN,
                ErrorCode::BadUserInput => StatusCode::BAD_REQUEST,
                _ => {
                    tracing::error!(error = %e.detail(), "mail events failed");
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            };
            json(status, serde_json::json!({ "error": e.public_message() }))
        }
    }
}
