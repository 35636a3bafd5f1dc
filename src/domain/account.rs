//! Logins, API keys and single-use links.

use chrono::{DateTime, Utc};

use super::role::Role;

/// A login. Its password hash stays in the database layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub contact_id: Option<i64>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    /// When the email address was confirmed (None: not yet).
    pub email_verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A key other systems use to call the API. Only a digest of its secret is ever stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    /// The admin who created it.
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

coded_enum! {
    /// What a single-use link lets its holder do.
    pub enum TokenPurpose as "link purpose" {
        /// Set a new password (a reset the login asked for).
        Reset = "RESET",
        /// Set a first password (an invitation from the staff).
        Invite = "INVITE",
        /// Confirm the login's email address.
        Verify = "VERIFY",
    }
}
