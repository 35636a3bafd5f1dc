//! The audit log: who changed what and when, with the record before and after, for memberships,
//! logins and roles, API keys and settings. Rows are written in the transaction of the change.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use serde_json::Value;

use crate::db::columns::JsonText;
use crate::db::entities::audit_entry as audit;
use crate::domain::audit::AuditEntry;
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::services::auth::Viewer;
use crate::services::pagination::{Page, PageArgs, page_by_id};
use crate::services::{Actor, access};
use crate::state::AppState;

/// A record as JSON for the log (entities are plain data; passwords never appear: callers pass a view).
pub fn json<T: Serialize>(value: &T) -> Option<Value> {
    serde_json::to_value(value).ok()
}

#[allow(clippy::too_many_arguments)]
pub async fn record<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: impl ToString,
    before: Option<Value>,
    after: Option<Value>,
    at: DateTime<Utc>,
) -> AppResult<()> {
    audit::ActiveModel {
        actor: Set(actor.label()),
        action: Set(action.into()),
        entity: Set(entity.into()),
        entity_id: Set(entity_id.to_string()),
        before: Set(before.map(JsonText)),
        after: Set(after.map(JsonText)),
        at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
}

/// Entries, newest first (admins).
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    f: &AuditFilter,
    page: PageArgs,
) -> AppResult<Page<AuditEntry>> {
    access::require_role(viewer, Role::Admin)?;
    let mut q = audit::Entity::find();
    if let Some(e) = &f.entity {
        q = q.filter(audit::Column::Entity.eq(e.clone()));
    }
    if let Some(id) = &f.entity_id {
        q = q.filter(audit::Column::EntityId.eq(id.clone()));
    }
    if let Some(a) = &f.actor {
        q = q.filter(audit::Column::Actor.eq(a.clone()));
    }
    let page = page_by_id(&state.db, q, audit::Column::Id, true, page, |r| r.id).await?;
    Ok(page.map(AuditEntry::from))
}
