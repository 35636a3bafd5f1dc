//! The one schema extension: what every request goes through around the engine.
//!
//! - `prepare_request` and `parse_query`: the limits of `limits.rs`, checked before any recursive
//!   work (the parse here replaces async-graphql's own).
//! - `request`, once the answer is complete: fields put in the query's order (`order.rs`), every
//!   error given its code (`errors.rs`), and the request timed into
//!   `tessera_graphql_request_duration_seconds` by operation name and outcome.
//!
//! These are one extension rather than one each because the engine wraps the resolution of every
//! field in every extension's `resolve` hook: each extension costs a layer of boxed futures per
//! field, which on a page of fifty rows was a third of the server's CPU time.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextRequest,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, Response, ServerResult, Variables};

use super::limits::{self, QueryLimits};
use crate::metrics::Metrics;

/// The schema extension.
pub struct RequestPipeline {
    pub limits: QueryLimits,
    pub metrics: Arc<Metrics>,
}

impl ExtensionFactory for RequestPipeline {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest {
            limits: self.limits,
            metrics: self.metrics.clone(),
            document: Mutex::new(None),
            operation: Mutex::new(None),
        })
    }
}

/// Created for each request, so it can carry the document and the operation name from the hooks
/// that see them to the end of `request`.
struct PerRequest {
    limits: QueryLimits,
    metrics: Arc<Metrics>,
    document: Mutex<Option<ExecutableDocument>>,
    operation: Mutex<Option<String>>,
}

#[async_trait::async_trait]
impl Extension for PerRequest {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = std::time::Instant::now();
        let mut response = next.run(ctx).await;
        let doc = self.document.lock().ok().and_then(|mut d| d.take());
        let name = self.operation.lock().ok().and_then(|mut n| n.take());
        if let Some(doc) = doc {
            super::order::reorder_response(&mut response.data, &doc, name.as_deref());
        }
        response.errors.iter_mut().for_each(super::errors::finish);
        self.metrics.request(
            name.as_deref(),
            response.errors.is_empty(),
            started.elapsed().as_secs_f64(),
        );
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        limits::check_request(&request, &self.limits)?;
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // `next` would parse and then run the exponential recursion check; the limits replace it,
        // so the chain ends here.
        let _ = (ctx, variables, next);
        let doc = limits::parse_checked(query, &self.limits)?;
        if let Ok(mut slot) = self.document.lock() {
            *slot = Some(doc.clone());
        }
        Ok(doc)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let (Some(name), Ok(mut slot)) = (operation_name, self.operation.lock()) {
            *slot = Some(name.to_string());
        }
        next.run(ctx, operation_name).await
    }
}
