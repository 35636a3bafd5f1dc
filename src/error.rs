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
    /// Several inputs that fail their rules at once (a form): each field and why. Shown as
    /// BAD_USER_INPUT with `extensions.fields: [{ field, message }]` (and `field`: the first).
    #[error("{}", invalid_fields_message(.0))]
    InvalidFields(Vec<crate::domain::FieldError>),
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
    /// The payment provider (or another service) did not answer. Within the contract's codes this
    /// is `INTERNAL`, but with its own message (try again later) and `extensions.retryable: true`.
    #[error("{0}")]
    Unavailable(String),
    /// Anything unexpected: what was being done, and the error that stopped it. Logged with its
    /// whole chain of causes ([`AppError::detail`]), never shown to a client.
    #[error("internal error: {context}")]
    Internal {
        context: String,
        #[source]
        source: Option<BoxError>,
    },
}

fn invalid_fields_message(errors: &[crate::domain::FieldError]) -> String {
    let listed: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect();
    match errors.len() {
        1 => listed.join(""),
        n => format!("{n} fields need attention: {}", listed.join("; ")),
    }
}

/// The cause an internal error keeps.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

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

    /// An internal error described by `detail` alone (no underlying error to keep).
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        AppError::Internal {
            context: detail.to_string(),
            source: None,
        }
    }

    /// An internal error caused by `source`: `context` says what was being done.
    pub fn internal_from(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        AppError::Internal {
            context: context.into(),
            source: Some(source.into()),
        }
    }

    /// Everything known about the error, causes included, for logs, job runs and the operator at
    /// the command line; never for API clients (see [`AppError::public_message`]). An internal
    /// error reads `context: cause: cause of the cause`; a cause whose text its parent already
    /// repeats is not written twice.
    pub fn detail(&self) -> String {
        let AppError::Internal { context, source } = self else {
            return self.to_string();
        };
        let mut text = context.clone();
        let mut next = source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static));
        while let Some(cause) = next {
            let line = cause.to_string();
            if !text.contains(&line) {
                text.push_str(": ");
                text.push_str(&line);
            }
            next = cause.source();
        }
        text
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::BadUserInput { .. } | AppError::InvalidFields(_) => ErrorCode::BadUserInput,
            AppError::NotFound { .. } => ErrorCode::NotFound,
            AppError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::Conflict { .. } => ErrorCode::Conflict,
            AppError::TooManyRequests(_) => ErrorCode::TooManyRequests,
            AppError::Unavailable(_) => ErrorCode::Internal,
            AppError::Internal { .. } => ErrorCode::Internal,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            AppError::BadUserInput { field, .. } | AppError::NotFound { field, .. } => Some(field),
            AppError::Conflict { field, .. } => field.as_deref(),
            AppError::InvalidFields(errors) => errors.first().map(|e| e.field.as_str()),
            _ => None,
        }
    }

    /// The message a client sees.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal { .. } => {
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
        AppError::internal_from("database", err)
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
        if let AppError::Internal { .. } = self {
            tracing::error!(error = %self.detail(), "internal error");
        }
        async_graphql::Error::new(self.public_message()).extend_with(|_, e| {
            e.set("code", self.code().as_str());
            if let Some(field) = self.field() {
                e.set("field", field);
            }
            if let AppError::Unavailable(_) = self {
                e.set("retryable", true);
            }
            if let AppError::InvalidFields(errors) = self {
                let list: Vec<async_graphql::Value> = errors
                    .iter()
                    .map(|f| {
                        let mut item = async_graphql::indexmap::IndexMap::new();
                        item.insert(
                            async_graphql::Name::new("field"),
                            async_graphql::Value::from(f.field.as_str()),
                        );
                        item.insert(
                            async_graphql::Name::new("message"),
                            async_graphql::Value::from(f.message.as_str()),
                        );
                        async_graphql::Value::Object(item)
                    })
                    .collect();
                e.set("fields", async_graphql::Value::List(list));
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

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// An error with a cause, as libraries wrap theirs.
    #[derive(Debug, thiserror::Error)]
    #[error("cannot read the template file")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn a_database_error_stays_the_source_of_the_internal_error() {
        let err: AppError = DbErr::Custom("disk on fire".into()).into();
        let source = std::error::Error::source(&err).expect("a source");
        assert!(source.downcast_ref::<DbErr>().is_some());
        assert_eq!(err.code(), ErrorCode::Internal);
        assert!(err.detail().starts_with("database: "), "{}", err.detail());
        assert!(err.detail().contains("disk on fire"));
        let shown = err.extend();
        assert!(!shown.message.contains("disk on fire"), "{}", shown.message);
        assert_eq!(shown.message, err.public_message());
    }

    #[test]
    fn the_detail_names_every_cause_once() {
        let io = std::io::Error::other("permission denied");
        let err = AppError::internal_from("loading templates", Outer(io));
        assert_eq!(
            err.detail(),
            "loading templates: cannot read the template file: permission denied"
        );
        // A cause whose parent already quotes it is not repeated.
        let err = AppError::internal_from("x", std::io::Error::other("disk on fire"));
        let err = AppError::internal_from("saving: disk on fire", err);
        assert_eq!(err.detail(), "saving: disk on fire: internal error: x");
        assert_eq!(AppError::internal("plain").detail(), "plain");
        let input = AppError::bad_input("email", "is not an address");
        assert_eq!(input.detail(), input.public_message());
    }

    #[test]
    fn several_bad_fields_are_listed_in_the_extensions() {
        use crate::domain::FieldError;
        let err = AppError::InvalidFields(vec![
            FieldError::new("email", "is not an address"),
            FieldError::new("customFields.age", "must be at least 16"),
        ]);
        assert_eq!(err.code(), ErrorCode::BadUserInput);
        let shown = err.extend();
        assert_eq!(
            shown.message,
            "2 fields need attention: email: is not an address; customFields.age: must be at least 16"
        );
        let ext = serde_json::to_value(shown.extensions.expect("extensions")).unwrap();
        assert_eq!(
            ext,
            serde_json::json!({
                "code": "BAD_USER_INPUT", "field": "email",
                "fields": [
                    { "field": "email", "message": "is not an address" },
                    { "field": "customFields.age", "message": "must be at least 16" },
                ],
            })
        );
    }

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn an_internal_error_is_logged_with_its_whole_chain() {
        let log = Captured::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let io = std::io::Error::other("permission denied");
        let err = AppError::internal_from("loading templates", Outer(io));
        let shown = tracing::subscriber::with_default(subscriber, || err.extend());
        let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
        assert!(
            logged.contains("loading templates: cannot read the template file: permission denied"),
            "{logged}"
        );
        assert_eq!(
            shown.message,
            "internal server error; the details are in the server log"
        );
    }
}
