//! Pure rules: no database, GraphQL, mail or clock. Time is always an argument.
//!
//! Values are parsed once into types with private fields ("parse, don't validate"); a constructor's
//! error is a [`FieldError`] that names the input field, which the API turns into `BAD_USER_INPUT`.

#[macro_use]
mod coded;

pub mod account;
pub mod audit;
pub mod contact;
pub mod contribution;
pub mod country;
pub mod dates;
pub mod directory;
pub mod email;
pub mod event;
pub mod household;
pub mod import;
pub mod job;
pub mod membership;
pub mod message;
pub mod money;
pub mod patch;
pub mod reminder;
pub mod resource;
pub mod role;
pub mod search;
pub mod segment;
pub mod signup;
pub mod status;
pub mod text;
pub mod timeline;

/// A validation failure of one input field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

pub use coded::UnknownCode;
