//! Every error in a response carries its stable `extensions.code`, attached inside the schema so
//! `schema.execute` callers (tests, jobs, a future transport) see what HTTP clients see.
//!
//! - Errors from services keep the `AppError` behind them: its code, field and public message (an
//!   internal one is logged in full and shown as a generic message).
//! - Errors from the engine itself carry no code: request errors (parsing, validation, the limits;
//!   they have no path) and input coercion failures are `BAD_USER_INPUT`; anything else is
//!   unexpected, logged, and shown as `INTERNAL` with a generic message.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest};
use async_graphql::{Response, ServerError};

use crate::error::{AppError, ErrorCode};

/// The schema extension that attaches codes.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

#[async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        response.errors.iter_mut().for_each(finish);
        response
    }
}

/// Gives one error its public message and code.
pub fn finish(err: &mut ServerError) {
    if err.source::<AppError>().is_some() {
        crate::error::finish_server_error(err);
        return;
    }
    if err
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some())
    {
        return;
    }
    // The engine's input coercion errors (the only source-less errors a resolver path can carry once
    // every error of ours is an `AppError`) start with one of these.
    let bad_input = err.path.is_empty()
        || ["Failed to parse", "Invalid value", "Expected input type"]
            .iter()
            .any(|p| err.message.starts_with(p));
    let code = if bad_input {
        ErrorCode::BadUserInput
    } else {
        tracing::error!(error = %err.message, path = ?err.path, "unexpected GraphQL error");
        err.message = AppError::internal("").public_message();
        ErrorCode::Internal
    };
    err.extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
}

/// Times each request into `tessera_graphql_request_duration_seconds`, by operation name (known
/// once the document is parsed) and outcome. Created per request, so it can carry the name from
/// the `execute` hook to the end of `request`.
pub struct RequestTiming(pub std::sync::Arc<crate::metrics::Metrics>);

impl ExtensionFactory for RequestTiming {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(TimingExtension {
            metrics: self.0.clone(),
            operation: std::sync::Mutex::new(None),
        })
    }
}

struct TimingExtension {
    metrics: std::sync::Arc<crate::metrics::Metrics>,
    operation: std::sync::Mutex<Option<String>>,
}

#[async_trait::async_trait]
impl Extension for TimingExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = std::time::Instant::now();
        let response = next.run(ctx).await;
        let name = self.operation.lock().ok().and_then(|mut n| n.take());
        self.metrics.request(
            name.as_deref(),
            response.errors.is_empty(),
            started.elapsed().as_secs_f64(),
        );
        response
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: async_graphql::extensions::NextExecute<'_>,
    ) -> Response {
        if let (Some(name), Ok(mut slot)) = (operation_name, self.operation.lock()) {
            *slot = Some(name.to_string());
        }
        next.run(ctx, operation_name).await
    }
}
