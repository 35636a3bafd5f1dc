//! One error type for the whole server, with stable codes clients can branch on.
//!
//! Policy: services return `AppError`. `anyhow` is used only at the edges (`main.rs`, start-up) where an
//! error ends the process with a message; nothing in a request path returns `anyhow::Error` to a
//! client. Database and unexpected errors are logged in full here, once, and reach the client as a
//! generic message with code `INTERNAL`, so SQL and internals never leak.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, SqlErr};

/// The stable `extensions.code` values of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    BadUserInput,
    NotFound,
    Unauthenticated,
    Forbidden,
    Conflict,
    TooManyRequests,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::TooManyRequests => "TOO_MANY_REQUESTS",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that fails a rule; `field` names the input field (GraphQL name, e.g. `email`).
    #[error("{field}: {message}")]
    BadUserInput { field: String, message: String },
    /// An id that resolves to nothing; `field` names the argument or input field.
    #[error("{entity} {id} not found")]
    NotFound {
        entity: &'static str,
        id: String,
        field: String,
    },
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    /// A uniqueness or state conflict; `field` names the field when there is one.
    #[error("{message}")]
    Conflict {
        field: Option<String>,
        message: String,
    },
    #[error("{0}")]
    TooManyRequests(String),
    /// Anything unexpected; the detail is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(entity: &'static str, id: impl ToString, field: impl Into<String>) -> Self {
        AppError::NotFound {
            entity,
            id: id.to_string(),
            field: field.into(),
        }
    }

    pub fn conflict(field: Option<&str>, message: impl Into<String>) -> Self {
        AppError::Conflict {
            field: field.map(str::to_string),
            message: message.into(),
        }
    }

    pub fn forbidden() -> Self {
        AppError::Forbidden("you are not allowed to do this".into())
    }

    pub fn unauthenticated() -> Self {
        AppError::Unauthenticated(
            "sign in first: send a valid token in the Authorization header".into(),
        )
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        AppError::Internal(detail.to_string())
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::BadUserInput { .. } => ErrorCode::BadUserInput,
            AppError::NotFound { .. } => ErrorCode::NotFound,
            AppError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::Conflict { .. } => ErrorCode::Conflict,
            AppError::TooManyRequests(_) => ErrorCode::TooManyRequests,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            AppError::BadUserInput { field, .. } | AppError::NotFound { field, .. } => Some(field),
            AppError::Conflict { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// The message a client sees.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => {
                "internal server error; the details are in the server log".into()
            }
            other => other.to_string(),
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(detail)) = err.sql_err() {
            // Services map the violations they expect to a field; this is the fallback.
            tracing::info!(%detail, "unique constraint violation");
            return AppError::conflict(None, "a record with the same unique value already exists");
        }
        AppError::Internal(format!("database: {err}"))
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        if let AppError::Internal(detail) = self {
            tracing::error!(error = %detail, "internal error");
        }
        async_graphql::Error::new(self.public_message()).extend_with(|_, e| {
            e.set("code", self.code().as_str());
            if let Some(field) = self.field() {
                e.set("field", field);
            }
        })
    }
}

/// Gives a server error the public message and extensions of the `AppError` behind it.
///
/// Resolvers use `?` on `AppError`, which async-graphql turns into an error carrying the `AppError` as
/// its source but with the plain `Display` message; this restores the stable code and replaces internal
/// details with the generic message (logging them once).
pub fn finish_server_error(err: &mut async_graphql::ServerError) {
    let Some(app) = err.source::<AppError>() else {
        return;
    };
    let extended = app.extend();
    err.message = extended.message;
    err.extensions = extended.extensions;
}

/// Whether a database error is a unique-constraint violation.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}
