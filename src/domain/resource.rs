//! Articles and links for members, some restricted to holders of a permission.

use chrono::{DateTime, Utc};

/// A resource as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    pub id: i64,
    pub title: String,
    pub summary: Option<String>,
    pub body: Option<String>,
    pub url: Option<String>,
    /// Permission needed to open it; None: open to all.
    pub required_permission: Option<String>,
    pub is_published: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Resource {
    /// Whether someone may open it: staff always, others when they hold the required permission.
    pub fn opens_for(&self, staff: bool, permissions: &[String]) -> bool {
        staff
            || self
                .required_permission
                .as_ref()
                .is_none_or(|p| permissions.contains(p))
    }
}
