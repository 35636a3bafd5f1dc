//! `GET /events.ics`: the public events as an iCalendar feed, for members' calendar apps.
//! `GET /events/registration/<id>.ics?token=…`: one registration's event with its location, the
//! link mailed with the confirmation (the token is the key; a wrong one is 404).

use std::collections::HashMap;

use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{Response, handler};

use super::HttpState;
use crate::error::{AppError, ErrorCode};
use crate::services::events::ical;

fn calendar(body: String) -> Response {
    Response::builder()
        .content_type("text/calendar; charset=utf-8")
        .header("Cache-Control", "no-cache")
        .body(body)
}

fn failed(e: &AppError) -> Response {
    let status = match e.code() {
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        _ => {
            tracing::error!(error = %e.detail(), "calendar failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    Response::builder()
        .status(status)
        .content_type("text/plain; charset=utf-8")
        .body(format!("{}\n", e.public_message()))
}

#[handler]
pub async fn feed(Data(state): Data<&HttpState>) -> Response {
    match ical::feed(&state.app).await {
        Ok(body) => calendar(body),
        Err(e) => failed(&e),
    }
}

#[handler]
pub async fn registration(
    Path(file): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    Data(state): Data<&HttpState>,
) -> Response {
    let id = file
        .strip_suffix(".ics")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n > 0);
    let Some(id) = id else {
        return failed(&AppError::not_found("registration", &file, "id"));
    };
    let token = params.get("token").map(String::as_str).unwrap_or("");
    match ical::for_registration(&state.app, id, token).await {
        Ok(body) => calendar(body),
        Err(e) => failed(&e),
    }
}
