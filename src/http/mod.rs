//! HTTP routes: `/graphql` (GET and POST), `/graphiql`, `/healthz`, `/readyz`; request ids, request
//! logging, security headers and CORS around them.

mod graphql;

use std::time::Instant;

use poem::http::{HeaderValue, StatusCode};
use poem::middleware::Cors;
use poem::web::{Data, Html};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get, handler};
use tracing::Instrument;

use crate::graphql::AppSchema;
use crate::state::AppState;

/// Shared by the handlers.
#[derive(Clone)]
pub struct HttpState {
    pub app: AppState,
    pub schema: AppSchema,
}

pub fn routes(app: AppState) -> impl Endpoint {
    let schema = crate::graphql::build_schema(app.clone());
    let settings = app.settings.clone();
    let http_state = HttpState { app, schema };
    let mut route = Route::new()
        .at(
            "/graphql",
            get(graphql::get_handler).post(graphql::post_handler),
        )
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz));
    if settings.graphql.graphiql {
        route = route.at("/graphiql", get(graphiql));
    }
    let cors = (!settings.server.cors_origins.is_empty()).then(|| {
        Cors::new()
            .allow_origins(settings.server.cors_origins.clone())
            .allow_methods(["GET", "POST", "OPTIONS"])
            .allow_headers(["authorization", "content-type", "accept"])
            .max_age(600)
    });
    route
        .with_if(cors.is_some(), cors.unwrap_or_default())
        .data(http_state)
        .around(request_context)
}

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
    span.in_scope(|| {
        tracing::info!(
            status,
            elapsed_ms = format!("{elapsed_ms:.1}"),
            "request finished"
        )
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
    if path != "/graphiql" {
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

#[handler]
async fn readyz(Data(state): Data<&HttpState>) -> Response {
    match crate::db::ping(&state.app.db).await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

#[handler]
async fn graphiql() -> Html<String> {
    Html(
        async_graphql::http::GraphiQLSource::build()
            .endpoint("/graphql")
            .title("Tessera GraphiQL")
            .finish(),
    )
}
