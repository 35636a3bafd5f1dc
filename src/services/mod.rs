//! Use cases shared by the GraphQL API, jobs and the CLI. Each write runs in one transaction; rules
//! come from `domain`, the time from `Clock`.

pub mod access;
pub mod account;
pub mod audit;
pub mod auth;
pub mod contacts;
pub mod contributions;
pub mod custom_values;
pub mod events;
pub mod exports;
pub mod households;
pub mod import;
pub mod letters;
pub mod mailings;
pub mod membership_types;
pub mod memberships;
pub mod messages;
pub mod notify;
pub mod pagination;
pub mod payments;
pub mod privacy;
pub mod reference;
pub mod reminders;
pub mod reports;
pub mod resources;
pub mod segments;
pub mod signup;
pub mod signup_forms;
pub mod statuses;
pub mod telemetry;
pub mod users;

use crate::domain::role::Role;

/// Who is acting: recorded in history and audit rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    User { id: i64, email: String, role: Role },
    ApiKey { id: i64, role: Role },
    Job(&'static str),
    Cli,
    Anonymous,
}

impl Actor {
    /// How the actor is written in history rows: `user:12`, `job:update-statuses`, `cli`.
    pub fn label(&self) -> String {
        match self {
            Actor::User { id, .. } => format!("user:{id}"),
            Actor::ApiKey { id, .. } => format!("api-key:{id}"),
            Actor::Job(name) => format!("job:{name}"),
            Actor::Cli => "cli".into(),
            Actor::Anonymous => "anonymous".into(),
        }
    }
}

impl From<crate::domain::FieldError> for crate::error::AppError {
    fn from(e: crate::domain::FieldError) -> Self {
        crate::error::AppError::bad_input(e.field, e.message)
    }
}
