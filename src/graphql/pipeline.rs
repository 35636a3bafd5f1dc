//! What every GraphQL request goes through around the engine (`execute_batch`, the one way the
//! HTTP transport runs the schema):
//!
//! - before: the limits of `limits.rs`, checked before any recursive work, and the query parsed
//!   once, here; the engine is handed the parsed document. Its own recursion check still runs but,
//!   the expanded size of the document being bounded by then, costs no more than the document;
//! - after: fields put in the query's order (`order.rs`), every error given its code (`errors.rs`),
//!   and the request timed into `tessera_graphql_request_duration_seconds` by operation name and
//!   outcome.
//!
//! None of this is a schema extension: with any extension installed the engine wraps the
//! resolution of every field in boxed hooks and a registry lookup, which on a page of fifty rows
//! was a third of the server's CPU time.

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use async_graphql::{BatchRequest, BatchResponse, Request, Response, ServerResult};

use super::AppSchema;
use super::limits::{self, QueryLimits};
use crate::state::AppState;

/// Runs each operation of the batch in turn.
pub async fn execute_batch(
    state: &AppState,
    schema: &AppSchema,
    batch: BatchRequest,
) -> BatchResponse {
    let limits = super::schema::query_limits(&state.settings.graphql);
    match batch {
        BatchRequest::Single(r) => BatchResponse::Single(execute(state, schema, &limits, r).await),
        BatchRequest::Batch(rs) => {
            let mut out = Vec::with_capacity(rs.len());
            for r in rs {
                out.push(execute(state, schema, &limits, r).await);
            }
            BatchResponse::Batch(out)
        }
    }
}

async fn execute(
    state: &AppState,
    schema: &AppSchema,
    limits: &QueryLimits,
    mut request: Request,
) -> Response {
    let started = std::time::Instant::now();
    let (mut response, name) = match prepare(&mut request, limits) {
        Err(e) => (Response::from_errors(vec![e]), None),
        Ok(doc) => {
            let name = operation_name(&request, &doc);
            let mut response = schema.execute(request).await;
            super::order::reorder_response(&mut response.data, &doc, name.as_deref());
            (response, name)
        }
    };
    response.errors.iter_mut().for_each(super::errors::finish);
    state.metrics.request(
        name.as_deref(),
        response.errors.is_empty(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// The operation's name: the one asked for, or that of a document's only operation.
fn operation_name(request: &Request, doc: &ExecutableDocument) -> Option<String> {
    match (&request.operation_name, &doc.operations) {
        (Some(name), _) => Some(name.clone()),
        (None, DocumentOperations::Multiple(ops)) if ops.len() == 1 => {
            ops.keys().next().map(|n| n.to_string())
        }
        _ => None,
    }
}

/// Checks the request and parses its query, handing the engine the document; returns a copy for
/// putting the answer in order.
fn prepare(request: &mut Request, limits: &QueryLimits) -> ServerResult<ExecutableDocument> {
    limits::check_request(request, limits)?;
    let doc = limits::parse_checked(&request.query, limits)?;
    request.set_parsed_query(doc.clone());
    Ok(doc)
}
