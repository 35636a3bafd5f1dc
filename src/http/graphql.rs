//! `/graphql` following the GraphQL-over-HTTP specification: POST with `application/json`, GET for
//! queries only (mutations over GET get 405), `application/graphql-response+json` with 4xx status codes
//! for requests that never executed, `application/json` with 200 for them. Batched POST bodies (a JSON
//! array) are accepted up to `graphql.max_batch_size` operations.

use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, BatchResponse};
use poem::http::{HeaderMap, StatusCode, header};
use poem::web::Data;
use poem::{Body, Request, Response, handler};
use serde_json::{Map, Value, json};

use super::HttpState;
use crate::graphql::guards::{ClientIp, UserAgent};
use crate::graphql::loaders::Loaders;
use crate::services::auth::{self, Viewer};

const GQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

#[derive(Clone, Copy, PartialEq, Eq)]
enum MediaType {
    GraphqlResponse,
    Json,
}

impl MediaType {
    fn content_type(self) -> &'static str {
        match self {
            MediaType::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        }
    }
}

/// Picks the response type from `Accept`, in the client's order; None when nothing acceptable is asked.
fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(MediaType::Json);
    };
    if accept.trim().is_empty() {
        return Some(MediaType::Json);
    }
    accept.split(',').find_map(|part| {
        let media = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            GQL_RESPONSE => Some(MediaType::GraphqlResponse),
            JSON | "application/*" | "*/*" => Some(MediaType::Json),
            _ => None,
        }
    })
}

fn error_body(media: MediaType, status: StatusCode, message: &str) -> Response {
    let body =
        json!({ "errors": [{ "message": message, "extensions": { "code": "BAD_USER_INPUT" } }] });
    Response::builder()
        .status(status)
        .content_type(media.content_type())
        .body(body.to_string())
}

fn not_acceptable() -> Response {
    Response::builder()
        .status(StatusCode::NOT_ACCEPTABLE)
        .content_type("text/plain; charset=utf-8")
        .body("accept application/graphql-response+json or application/json")
}

/// Reads who is calling from `Authorization: Bearer <token>`.
pub(super) async fn viewer_of(
    state: &HttpState,
    headers: &HeaderMap,
) -> Result<Viewer, crate::error::AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Viewer::Anonymous);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 200);
    match token {
        Some(token) => auth::authenticate(&state.app, token).await,
        None => Ok(Viewer::Invalid(
            "the Authorization header must be `Bearer <token>`",
        )),
    }
}

/// Drops members whose value is null, so `"variables": null` means the same as leaving it out.
fn without_nulls(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .collect::<Map<_, _>>(),
        ),
        other => other,
    }
}

fn parse_one(v: Value) -> Result<async_graphql::Request, String> {
    let v = without_nulls(v);
    match v.get("query") {
        Some(Value::String(_)) => {}
        Some(_) => return Err("`query` must be a string".into()),
        None => return Err("the request has no `query`".into()),
    }
    serde_json::from_value(v).map_err(|e| format!("malformed GraphQL request: {e}"))
}

#[handler]
pub async fn post_handler(req: &Request, body: Body, Data(state): Data<&HttpState>) -> Response {
    let Some(media) = negotiate(req.headers()) else {
        return not_acceptable();
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if content_type.as_deref() != Some(JSON) {
        return error_body(
            media,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request as application/json",
        );
    }
    let bytes = match body
        .into_bytes_limit(state.app.settings.server.max_body_bytes)
        .await
    {
        Ok(b) => b,
        Err(_) => {
            return error_body(
                media,
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body is too large",
            );
        }
    };
    let json: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            return error_body(
                media,
                StatusCode::BAD_REQUEST,
                &format!("the body is not valid JSON: {e}"),
            );
        }
    };
    let batch = match json {
        Value::Array(items) => {
            let max = state.app.settings.graphql.max_batch_size;
            if items.is_empty() || items.len() > max {
                let msg = format!("a batch must hold 1 to {max} operations");
                return error_body(media, StatusCode::BAD_REQUEST, &msg);
            }
            match items
                .into_iter()
                .map(parse_one)
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(reqs) => BatchRequest::Batch(reqs),
                Err(msg) => return error_body(media, StatusCode::BAD_REQUEST, &msg),
            }
        }
        Value::Object(_) => match parse_one(json) {
            Ok(r) => BatchRequest::Single(r),
            Err(msg) => return error_body(media, StatusCode::BAD_REQUEST, &msg),
        },
        _ => {
            return error_body(
                media,
                StatusCode::BAD_REQUEST,
                "the body must be a JSON object",
            );
        }
    };
    execute(state, req, media, batch).await
}

#[handler]
pub async fn get_handler(req: &Request, Data(state): Data<&HttpState>) -> Response {
    let Some(media) = negotiate(req.headers()) else {
        return not_acceptable();
    };
    let request = match parse_get(req.uri().query().unwrap_or_default()) {
        Ok(r) => r,
        Err(msg) => return error_body(media, StatusCode::BAD_REQUEST, &msg),
    };
    // The mutation check parses the query, so the limits that protect the parser come first.
    let limits = crate::graphql::schema::query_limits(&state.app.settings.graphql);
    if let Err(msg) = crate::graphql::limits::check_text(&request.query, &limits) {
        return error_body(media, StatusCode::BAD_REQUEST, &msg);
    }
    if is_mutation(&request) {
        let mut resp = error_body(
            media,
            StatusCode::METHOD_NOT_ALLOWED,
            "mutations must be sent with POST",
        );
        resp.headers_mut()
            .insert(header::ALLOW, poem::http::HeaderValue::from_static("POST"));
        return resp;
    }
    execute(state, req, media, BatchRequest::Single(request)).await
}

/// The parameters of a GET request, named as the GraphQL-over-HTTP specification names them:
/// `query`, `operationName`, and `variables` and `extensions` as JSON-encoded strings.
#[derive(serde::Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

fn parse_get(query_string: &str) -> Result<async_graphql::Request, String> {
    let params: GetParams = serde_urlencoded::from_str(query_string)
        .map_err(|e| format!("malformed GraphQL request: {e}"))?;
    let Some(query) = params.query.filter(|q| !q.is_empty()) else {
        return Err("the request has no `query` parameter".into());
    };
    let json = |name: &str, text: Option<String>| -> Result<Value, String> {
        match text.filter(|t| !t.is_empty()) {
            None => Ok(Value::Null),
            Some(t) => serde_json::from_str::<Value>(&t)
                .map_err(|e| format!("`{name}` is not valid JSON: {e}")),
        }
    };
    let mut body = json!({ "query": query });
    if let Some(name) = params.operation_name.filter(|n| !n.is_empty()) {
        body["operationName"] = Value::String(name);
    }
    body["variables"] = json("variables", params.variables)?;
    body["extensions"] = json("extensions", params.extensions)?;
    parse_one(body)
}

/// Whether the operation a GET request would run is a mutation (unparseable documents are left for
/// the executor to report).
fn is_mutation(request: &async_graphql::Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    match &doc.operations {
        DocumentOperations::Single(op) => op.node.ty == OperationType::Mutation,
        DocumentOperations::Multiple(ops) => match &request.operation_name {
            Some(name) => ops
                .get(name.as_str())
                .is_some_and(|op| op.node.ty == OperationType::Mutation),
            None => ops.len() == 1 && ops.values().any(|op| op.node.ty == OperationType::Mutation),
        },
    }
}

/// The client address: the peer, or the first `X-Forwarded-For` entry when configured to trust it.
fn client_ip(state: &HttpState, req: &Request) -> String {
    if state.app.settings.server.trust_forwarded_for
        && let Some(first) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        return first.chars().take(64).collect();
    }
    match req.remote_addr().as_socket_addr() {
        Some(addr) => addr.ip().to_string(),
        None => "unknown".into(),
    }
}

async fn execute(
    state: &HttpState,
    req: &Request,
    media: MediaType,
    batch: BatchRequest,
) -> Response {
    let headers = req.headers();
    let viewer = match viewer_of(state, headers).await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "authentication lookup failed");
            return error_body(
                media,
                StatusCode::SERVICE_UNAVAILABLE,
                "the server cannot check credentials right now",
            );
        }
    };
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let batch = batch
        .data(viewer)
        .data(UserAgent(user_agent))
        .data(ClientIp(client_ip(state, req)));
    // Loaders cache per request, so each operation of a batch gets its own.
    let batch = match batch {
        BatchRequest::Single(r) => BatchRequest::Single(r.data(Loaders::new(&state.app))),
        BatchRequest::Batch(rs) => BatchRequest::Batch(
            rs.into_iter()
                .map(|r| r.data(Loaders::new(&state.app)))
                .collect(),
        ),
    };
    let limit = std::time::Duration::from_secs(state.app.settings.graphql.timeout_secs);
    match tokio::time::timeout(
        limit,
        crate::graphql::pipeline::execute_batch(&state.app, &state.schema, batch),
    )
    .await
    {
        Ok(response) => render(media, response),
        Err(_) => {
            // Dropping the execution rolls back the transaction of a mutation still running.
            tracing::warn!(limit_secs = limit.as_secs(), "request timed out");
            let body = json!({ "errors": [{
                "message": format!("the request took longer than {} s and was stopped", limit.as_secs()),
                "extensions": { "code": "TIMEOUT" },
            }] });
            Response::builder()
                .status(StatusCode::SERVICE_UNAVAILABLE)
                .content_type(media.content_type())
                .body(body.to_string())
        }
    }
}

/// Serialises the response.
fn render(media: MediaType, response: BatchResponse) -> Response {
    let (body, request_error) = match &response {
        BatchResponse::Single(r) => (serde_json::to_vec(&Answer::of(r)), is_request_error(r)),
        BatchResponse::Batch(rs) => {
            let answers: Vec<Answer<'_>> = rs.iter().map(Answer::of).collect();
            (serde_json::to_vec(&answers), false)
        }
    };
    let status = if media == MediaType::GraphqlResponse && request_error {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    match body {
        Ok(body) => Response::builder()
            .status(status)
            .content_type(media.content_type())
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise a GraphQL response");
            error_body(
                media,
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal server error",
            )
        }
    }
}

/// Whether a response is a request error: nothing executed (data is null and no error has a path).
/// Error codes are already attached by the schema (`graphql/errors.rs`).
fn is_request_error(r: &async_graphql::Response) -> bool {
    r.data == async_graphql::Value::Null
        && !r.errors.is_empty()
        && r.errors.iter().all(|e| e.path.is_empty())
}

/// One response as sent, serialised straight from the engine's ordered values, so fields come in
/// the order the query asked for. A request error has no `data` entry.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Answer<'a> {
    RequestError {
        errors: &'a [async_graphql::ServerError],
    },
    Executed(&'a async_graphql::Response),
}

impl<'a> Answer<'a> {
    fn of(r: &'a async_graphql::Response) -> Self {
        if is_request_error(r) {
            Answer::RequestError { errors: &r.errors }
        } else {
            Answer::Executed(r)
        }
    }
}
