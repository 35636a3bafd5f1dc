//! `GET /export/<name>.csv?<arguments>`: the `contacts`, `memberships` and `contributions` lists and
//! the reports as CSV, with the same bearer token, arguments and access rules as the GraphQL fields
//! (`contacts` takes the whole `ContactFilter` as JSON in `filter`, and `savedSearchId`);
//! lists streamed page by page (see `services::exports`). `GET /export/personal-data/<contactId>.json`:
//! the `exportPersonalData` document, with the same token and access (`services::privacy`).

use std::collections::HashMap;

use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{Body, Request, Response, handler};

use super::HttpState;
use crate::error::{AppError, ErrorCode};
use crate::services::auth::Viewer;
use crate::services::exports;

fn refused(status: StatusCode, message: &str) -> Response {
    Response::builder()
        .status(status)
        .content_type("text/plain; charset=utf-8")
        .body(format!("{message}\n"))
}

fn error_response(e: &AppError) -> Response {
    let status = match e.code() {
        ErrorCode::BadUserInput => StatusCode::BAD_REQUEST,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        _ => {
            tracing::error!(error = %e.detail(), "export failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    refused(status, &e.public_message())
}

/// The export's arguments; `contacts` also takes the whole filter language of the `contacts`
/// field: `filter` (its `ContactFilter` argument as JSON) and `savedSearchId`.
async fn parse(
    state: &HttpState,
    viewer: &Viewer,
    name: &str,
    params: &HashMap<String, String>,
) -> Result<exports::Export, AppError> {
    let (json, saved) = (params.get("filter"), params.get("savedSearchId"));
    if name != "contacts" || (json.is_none() && saved.is_none()) {
        return exports::parse(name, params);
    }
    // Staff only, checked before a saved search is read (no probing which ids exist).
    crate::services::access::require_role(viewer, crate::domain::role::Role::Staff)?;
    const SINGLE: [&str; 6] = [
        "search",
        "kind",
        "inTrash",
        "tagIds",
        "groupIds",
        "interestIds",
    ];
    if let Some(other) = SINGLE.iter().find(|k| params.contains_key(**k)) {
        return Err(AppError::bad_input(
            *other,
            "give it inside `filter` when `filter` or `savedSearchId` is used",
        ));
    }
    let mut input = match json {
        None => crate::graphql::types::contact::ContactFilter::default(),
        Some(text) => {
            let value: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| AppError::bad_input("filter", format!("is not JSON: {e}")))?;
            <crate::graphql::types::contact::ContactFilter as async_graphql::InputType>::parse(
                Some(async_graphql::Value::from_json(value).map_err(|e| {
                    AppError::bad_input("filter", format!("is not a ContactFilter: {e}"))
                })?),
            )
            .map_err(|e| {
                AppError::bad_input(
                    "filter",
                    format!(
                        "is not a ContactFilter: {}",
                        e.into_server_error(async_graphql::Pos::default()).message
                    ),
                )
            })?
        }
    };
    if let Some(id) = saved {
        if input.saved_search_id.is_some() {
            return Err(AppError::bad_input(
                "savedSearchId",
                "given twice (also inside `filter`)",
            ));
        }
        input.saved_search_id = Some(async_graphql::ID(id.clone()));
    }
    let f = crate::graphql::types::segments::evaluated_filter(&state.app, input).await?;
    Ok(exports::Export::Contacts(Box::new(f)))
}

#[handler]
pub async fn export(
    req: &Request,
    Path(file): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    Data(state): Data<&HttpState>,
) -> Response {
    let Some(name) = file.strip_suffix(".csv") else {
        return refused(StatusCode::NOT_FOUND, "exports are /export/<name>.csv");
    };
    let viewer = match super::graphql::viewer_of(state, req.headers()).await {
        Ok(Viewer::Invalid(why)) => return refused(StatusCode::UNAUTHORIZED, why),
        Ok(v) => v,
        Err(e) => return error_response(&e),
    };
    let export = match parse(state, &viewer, name, &params).await {
        Ok(e) => e,
        Err(e) => return error_response(&e),
    };
    // The first page answers for access and filters before the response starts.
    let (first, next) = match exports::page(&state.app, &viewer, &export, None).await {
        Ok(p) => p,
        Err(e) => return error_response(&e),
    };
    let app = state.app.clone();
    let rest = futures::stream::unfold(next, move |cursor| {
        let (app, viewer, export) = (app.clone(), viewer.clone(), export.clone());
        async move {
            let cursor = cursor?;
            match exports::page(&app, &viewer, &export, Some(cursor)).await {
                Ok((bytes, next)) => Some((Ok(bytes), next)),
                Err(e) => {
                    tracing::error!(error = %e.detail(), "export stopped");
                    Some((Err(std::io::Error::other("export stopped")), None))
                }
            }
        }
    });
    let stream = futures::StreamExt::chain(
        futures::stream::once(async move { Ok::<Vec<u8>, std::io::Error>(first) }),
        rest,
    );
    Response::builder()
        .status(StatusCode::OK)
        .content_type("text/csv; charset=utf-8")
        .header(
            "Content-Disposition",
            format!("attachment; filename=\"{name}.csv\""),
        )
        .body(Body::from_bytes_stream(stream))
}

/// `GET /export/personal-data/<contactId>.json`: everything held about a person, as a download.
#[handler]
pub async fn personal_data(
    req: &Request,
    Path(file): Path<String>,
    Data(state): Data<&HttpState>,
) -> Response {
    let Some(id) = file
        .strip_suffix(".json")
        .and_then(|id| id.parse::<i64>().ok())
    else {
        return refused(
            StatusCode::NOT_FOUND,
            "personal data exports are /export/personal-data/<contactId>.json",
        );
    };
    let viewer = match super::graphql::viewer_of(state, req.headers()).await {
        Ok(Viewer::Invalid(why)) => return refused(StatusCode::UNAUTHORIZED, why),
        Ok(v) => v,
        Err(e) => return error_response(&e),
    };
    let doc = match crate::services::privacy::export(&state.app, &viewer, id).await {
        Ok(doc) => doc,
        Err(e) => return error_response(&e),
    };
    let body = match serde_json::to_vec_pretty(&doc) {
        Ok(b) => b,
        Err(e) => return error_response(&AppError::internal(e)),
    };
    Response::builder()
        .status(StatusCode::OK)
        .content_type("application/json; charset=utf-8")
        .header("Cache-Control", "no-store")
        .header(
            "Content-Disposition",
            format!("attachment; filename=\"personal-data-{id}.json\""),
        )
        .body(body)
}
