//! HTTP routes: `/graphql` (GET and POST), `/graphiql`, `/webhooks/stripe`, `/export/<name>.csv`,
//! `/export/personal-data/<contactId>.json`, the bulk-mail pages under `/mail/` and
//! `/webhooks/mail-events`,
//! `/healthz`, `/readyz`; request ids, request
//! logging, security headers and CORS around them.

mod calendar;
mod exports;
pub mod graphiql;
mod graphql;
mod mail;
mod webhooks;

use std::time::Instant;

use poem::http::{HeaderValue, StatusCode};
use poem::middleware::Cors;
use poem::web::Data;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get, handler};
use tracing::Instrument;

use crate::graphql::AppSchema;
use crate::state::AppState;

/// Shared by the handlers.
#[derive(Clone)]
pub struct HttpState {
    pub app: AppState,
    pub schema: AppSchema,
    /// The GraphiQL page, when `graphql.graphiql` is on.
    pub graphiql: Option<std::sync::Arc<graphiql::GraphiqlPage>>,
}

/// Every route; fails (naming the setting) when the GraphiQL assets folder is unusable.
pub fn routes(app: AppState) -> Result<poem::endpoint::BoxEndpoint<'static>, String> {
    let schema = crate::graphql::build_schema(app.clone());
    let settings = app.settings.clone();
    let graphiql = if settings.graphql.graphiql {
        Some(graphiql::GraphiqlPage::new(
            &settings.graphql.graphiql_assets_dir,
        )?)
    } else {
        None
    };
    let http_state = HttpState {
        app,
        schema,
        graphiql,
    };
    let mut route = Route::new()
        .at(
            "/graphql",
            get(graphql::get_handler).post(graphql::post_handler),
        )
        .at("/webhooks/stripe", poem::post(webhooks::stripe))
        .at("/webhooks/mail-events", poem::post(mail::events))
        .at(
            "/mail/preferences",
            get(mail::preferences_page).post(mail::save_preferences),
        )
        .at(
            "/mail/unsubscribe",
            get(mail::preferences_page).post(mail::one_click),
        )
        .at(
            "/mail/subscribe/confirm",
            get(mail::confirm_page).post(mail::confirm),
        )
        .at("/export/:file", get(exports::export))
        .at("/events.ics", get(calendar::feed))
        .at("/events/registration/:file", get(calendar::registration))
        .at("/export/personal-data/:file", get(exports::personal_data))
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
        .at("/metrics", get(metrics_with_token));
    if settings.graphql.graphiql {
        route = route
            .at("/graphiql", get(graphiql::page))
            .at("/graphiql/init.js", get(graphiql::init_js))
            .at("/graphiql/assets/:name", get(graphiql::asset));
    }
    let cors = (!settings.server.cors_origins.is_empty()).then(|| {
        Cors::new()
            .allow_origins(settings.server.cors_origins.clone())
            .allow_methods(["GET", "POST", "OPTIONS"])
            .allow_headers(["authorization", "content-type", "accept"])
            .max_age(600)
    });
    Ok(route
        .with_if(cors.is_some(), cors.unwrap_or_default())
        .data(http_state)
        .around(request_context)
        .map_to_response()
        .boxed())
}

/// Requests slower than this are logged at info level.
const SLOW_REQUEST: std::time::Duration = std::time::Duration::from_secs(1);

/// Gives each request an id (kept from `X-Request-Id` when the caller sent a sane one), logs it with
/// its status and duration, and adds security headers to the response.
async fn request_context<E: Endpoint>(
    ep: std::sync::Arc<E>,
    req: Request,
) -> poem::Result<Response> {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_string)
        .unwrap_or_else(|| {
            let bytes: [u8; 8] = rand::random();
            hex::encode(bytes)
        });
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let span = tracing::info_span!("request", id = %request_id, %method, %path);
    let started = Instant::now();
    let result = ep.call(req).instrument(span.clone()).await;
    let mut resp = match result {
        Ok(r) => r.into_response(),
        Err(e) => e.into_response(),
    };
    let status = resp.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    // One line per request only at debug level: at thousands of requests a second the log would
    // cost more than the answers. Failures and slow requests are always logged.
    span.in_scope(|| {
        let elapsed_ms = format!("{elapsed_ms:.1}");
        if status >= 500 {
            tracing::warn!(status, elapsed_ms, "request failed");
        } else if started.elapsed() >= SLOW_REQUEST {
            tracing::info!(status, elapsed_ms, "slow request");
        } else {
            tracing::debug!(status, elapsed_ms, "request finished");
        }
    });
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert("x-request-id", v);
    }
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    // The GraphiQL page sets its own, looser policy.
    if !headers.contains_key("content-security-policy") {
        headers.insert(
            "content-security-policy",
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    Ok(resp)
}

#[handler]
async fn healthz() -> &'static str {
    "ok"
}

/// The routes of the operators' metrics listener (`metrics.listen`): `/metrics` without a token.
pub fn metrics_routes(app: AppState) -> poem::endpoint::BoxEndpoint<'static> {
    Route::new()
        .at("/metrics", get(metrics))
        .data(app)
        .map_to_response()
        .boxed()
}

async fn scrape(app: &AppState) -> Response {
    match crate::services::telemetry::scrape(app).await {
        Ok(text) => Response::builder()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(text),
        Err(e) => {
            tracing::error!(error = %e.detail(), "metrics scrape failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[handler]
async fn metrics(Data(app): Data<&AppState>) -> Response {
    scrape(app).await
}

/// `/metrics` on the main listener: only with `metrics.token` configured and sent as a bearer token.
#[handler]
async fn metrics_with_token(req: &Request, Data(state): Data<&HttpState>) -> Response {
    let expected = &state.app.settings.metrics.token;
    if expected.is_empty() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let sent = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Compared as digests, so the time taken does not depend on where they differ.
    let digest = crate::services::auth::token_digest;
    if digest(sent) != digest(expected) {
        return (StatusCode::UNAUTHORIZED, "a metrics token is required").into_response();
    }
    scrape(&state.app).await
}

/// Ready when the database answers and accepts writes. A write probe still waiting after two
/// seconds means another writer holds the lock (SQLite): the database is writable, so that is ready.
#[handler]
async fn readyz(Data(state): Data<&HttpState>) -> Response {
    if let Err(e) = crate::db::ping(&state.app.db).await {
        tracing::warn!(error = %e, "readiness check failed");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response();
    }
    let probe = crate::db::check_writes_accepted(&state.app.db);
    match tokio::time::timeout(std::time::Duration::from_secs(2), probe).await {
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check: the database refuses writes");
            (StatusCode::SERVICE_UNAVAILABLE, "database refuses writes").into_response()
        }
        Ok(Ok(())) | Err(_) => "ready".into_response(),
    }
}
