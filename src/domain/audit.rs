//! The audit log: who changed what, with the record before and after.

use chrono::{DateTime, Utc};

/// One change recorded in the audit log.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    /// `user:<id>`, `api-key:<id>`, `job:<name>`, `cli` or `anonymous`.
    pub actor: String,
    /// e.g. `membership.renew`.
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub at: DateTime<Utc>,
}
