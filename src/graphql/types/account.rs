use async_graphql::{ID, InputObject, Json, MaybeUndefined, Object, SimpleObject};

use super::user::Role;
use crate::domain::account::ApiKey as ApiKeyRecord;
use crate::domain::audit::AuditEntry as AuditRecord;
use crate::graphql::scalars::DateTime;
use crate::services::resources::ResourceView;

/// What a member may change about themselves; fields left out keep their value, `null` clears.
#[derive(Debug, InputObject)]
pub struct UpdateMyProfileInput {
    /// Given name.
    pub first_name: MaybeUndefined<String>,
    /// Family name.
    pub last_name: MaybeUndefined<String>,
    /// Phone number.
    pub phone: MaybeUndefined<String>,
    /// Street address.
    pub street: MaybeUndefined<String>,
    /// City or town.
    pub city: MaybeUndefined<String>,
    /// Postal or ZIP code.
    pub postal_code: MaybeUndefined<String>,
    /// State, province or region.
    pub region: MaybeUndefined<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: MaybeUndefined<String>,
    /// Preferred language (BCP 47).
    pub preferred_language: MaybeUndefined<String>,
    /// No email, please.
    pub do_not_email: Option<bool>,
    /// No postal mail, please.
    pub do_not_mail: Option<bool>,
}

/// An admin's change to a login; fields left out keep their value.
#[derive(Debug, InputObject)]
pub struct UpdateUserInput {
    /// New role (changing it signs the login out everywhere).
    pub role: Option<Role>,
    /// Disable (signs out everywhere, no sign-in) or enable the login.
    pub disabled: Option<bool>,
    /// The contact the login belongs to; `null` unlinks (not allowed for MEMBER logins).
    pub contact_id: MaybeUndefined<ID>,
}

/// A key other systems use to call the API, with a role.
#[derive(Clone, Debug)]
pub struct ApiKey(pub ApiKeyRecord);

/// A key other systems use to call the API, with a role.
#[Object]
impl ApiKey {
    /// Identifier of the key.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What the key is for, e.g. "website".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the key may do.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The first characters of the key, to recognise it.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it was last used.
    async fn last_used_at(&self) -> Option<DateTime> {
        self.0.last_used_at.map(DateTime)
    }
    /// When it was revoked (it no longer works).
    async fn revoked_at(&self) -> Option<DateTime> {
        self.0.revoked_at.map(DateTime)
    }
}

/// A new API key.
#[derive(Debug, InputObject)]
pub struct CreateApiKeyInput {
    /// What the key is for.
    pub name: String,
    /// What it may do (at most the creator's role).
    pub role: Role,
}

/// A new API key and its secret.
#[derive(Debug, SimpleObject)]
pub struct CreatedApiKey {
    /// The key.
    pub api_key: ApiKey,
    /// The secret to send as `Authorization: Bearer <secret>`. Shown once; only its hash is stored.
    pub secret: String,
}

/// One change recorded in the audit log.
#[derive(Clone, Debug)]
pub struct AuditEntry(pub AuditRecord);

/// One change recorded in the audit log.
#[Object]
impl AuditEntry {
    /// Identifier of the entry.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Who did it: `user:<id>`, `api-key:<id>`, `job:<name>`, `cli` or `anonymous`.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// What was done, e.g. `membership.renew` or `user.update`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The kind of record, e.g. `membership`.
    async fn entity(&self) -> &str {
        &self.0.entity
    }
    /// The record's id.
    async fn entity_id(&self) -> &str {
        &self.0.entity_id
    }
    /// The record before the change.
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.clone().map(Json)
    }
    /// The record after the change.
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0.after.clone().map(Json)
    }
    /// When it happened.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
}

/// Narrows the audit log.
#[derive(Debug, Default, InputObject)]
pub struct AuditFilter {
    /// Only this kind of record, e.g. `membership`.
    pub entity: Option<String>,
    /// Only this record.
    pub entity_id: Option<ID>,
    /// Only this actor, e.g. `user:3`.
    pub actor: Option<String>,
}

crate::connection!(
    AuditEntryConnection,
    AuditEntryEdge,
    AuditEntry,
    "A page of the audit log, newest first.",
    "One audit entry in a list, with its cursor."
);

/// An article or link for members. Everyone sees published titles and summaries; the body and link
/// need the required permission (held through a current membership).
#[derive(Clone, Debug)]
pub struct Resource(pub ResourceView);

/// An article or link for members. Everyone sees published titles and summaries; the body and link
/// need the required permission (held through a current membership).
#[Object]
impl Resource {
    /// Identifier of the resource.
    async fn id(&self) -> ID {
        ID(self.0.resource.id.to_string())
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.resource.title
    }
    /// Short summary, shown to everyone.
    async fn summary(&self) -> Option<&str> {
        self.0.resource.summary.as_deref()
    }
    /// The article; null unless the caller may open the resource.
    async fn body(&self) -> Option<&str> {
        self.0.body()
    }
    /// The link; null unless the caller may open the resource.
    async fn url(&self) -> Option<&str> {
        self.0.url()
    }
    /// Permission needed to open it (null: open to all).
    async fn required_permission(&self) -> Option<&str> {
        self.0.resource.required_permission.as_deref()
    }
    /// Whether the caller may open it.
    async fn is_accessible(&self) -> bool {
        self.0.accessible
    }
    /// Whether it is visible outside the staff.
    async fn is_published(&self) -> bool {
        self.0.resource.is_published
    }
    /// When it was last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.resource.updated_at.into()
    }
}

/// A new resource.
#[derive(Debug, InputObject)]
pub struct CreateResourceInput {
    /// Title.
    pub title: String,
    /// Short summary shown to everyone.
    pub summary: Option<String>,
    /// The article.
    pub body: Option<String>,
    /// A link (https://…).
    pub url: Option<String>,
    /// Permission needed to open it, e.g. `members-area` (none: open to all).
    pub required_permission: Option<String>,
    /// Visible outside the staff (default false).
    pub is_published: Option<bool>,
}

/// Changes to a resource; fields left out keep their value, `null` clears.
#[derive(Debug, InputObject)]
pub struct UpdateResourceInput {
    /// Title.
    pub title: Option<String>,
    /// Short summary.
    pub summary: MaybeUndefined<String>,
    /// The article.
    pub body: MaybeUndefined<String>,
    /// A link.
    pub url: MaybeUndefined<String>,
    /// Permission needed to open it.
    pub required_permission: MaybeUndefined<String>,
    /// Visible outside the staff.
    pub is_published: Option<bool>,
}
