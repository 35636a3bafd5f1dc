//! Every error in a response carries its stable `extensions.code`, attached by the request pipeline
//! (`pipeline.rs`) that every transport runs the schema through.
//!
//! - Errors from services keep the `AppError` behind them: its code, field and public message (an
//!   internal one is logged in full and shown as a generic message).
//! - Errors from the engine itself carry no code: request errors (parsing, validation, the limits;
//!   they have no path) and input coercion failures are `BAD_USER_INPUT`; anything else is
//!   unexpected, logged, and shown as `INTERNAL` with a generic message.

use async_graphql::ServerError;

use crate::error::{AppError, ErrorCode};

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
