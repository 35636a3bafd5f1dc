//! Saved searches (smart groups): a named contact filter, stored as JSON and evaluated in SQL each
//! time it is used — its count is live, never a stale list.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder, Set};

use super::{description, filter, name, name_taken};
use crate::db::begin_write;
use crate::db::entities::segments::saved_search as row;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
use crate::services::contacts::{ContactFilter, matching_ids};
use crate::services::{Actor, access, audit};
use crate::state::AppState;

/// A saved search.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedSearch {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub filter: ContactFilter,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn from_row(m: row::Model) -> AppResult<SavedSearch> {
    let filter: ContactFilter = serde_json::from_str(&m.filter).map_err(|e| {
        AppError::internal_from(format!("saved search {} holds no valid filter", m.id), e)
    })?;
    Ok(SavedSearch {
        id: m.id,
        name: m.name,
        description: m.description,
        filter,
        created_by: m.created_by,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Checks a filter for storing: its rules, and no trash listing (a saved search is of live
/// contacts).
fn check_stored(f: &ContactFilter) -> AppResult<()> {
    filter::check(f)?;
    if f.in_trash {
        return Err(AppError::bad_input(
            "filter.inTrash",
            "a saved search lists live contacts only",
        ));
    }
    Ok(())
}

/// Creates a saved search (staff).
#[tracing::instrument(skip(state, f), fields(actor = %actor.label()))]
pub async fn create(
    state: &AppState,
    actor: &Actor,
    name_raw: &str,
    description_raw: Option<&str>,
    f: ContactFilter,
) -> AppResult<SavedSearch> {
    let name = name(name_raw, "name")?;
    let description = description(description_raw)?;
    check_stored(&f)?;
    let json = serde_json::to_string(&f)
        .map_err(|e| AppError::internal_from("serialising a filter", e))?;
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let created = row::ActiveModel {
        name: Set(name),
        description: Set(description),
        filter: Set(json.clone()),
        created_by: Set(actor.label()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| name_taken(e, "saved search"))?;
    let view = serde_json::json!({ "name": created.name, "filter": f });
    audit::record(
        &txn,
        actor,
        "saved_search.create",
        "saved_search",
        created.id,
        None,
        Some(view),
        now,
    )
    .await?;
    txn.commit().await?;
    from_row(created)
}

/// Replaces a saved search's filter (and name or description when given) (staff).
#[tracing::instrument(skip(state, f), fields(actor = %actor.label()))]
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    name_raw: Option<&str>,
    f: Option<ContactFilter>,
) -> AppResult<SavedSearch> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let current = get_in(&txn, id, "id").await?;
    let before = serde_json::json!({ "name": current.name, "filter": current.filter });
    let mut a: row::ActiveModel = current.into();
    if let Some(n) = name_raw {
        a.name = Set(name(n, "name")?);
    }
    if let Some(f) = &f {
        check_stored(f)?;
        a.filter = Set(serde_json::to_string(f)
            .map_err(|e| AppError::internal_from("serialising a filter", e))?);
    }
    a.updated_at = Set(now);
    let updated = a
        .update(&txn)
        .await
        .map_err(|e| name_taken(e, "saved search"))?;
    let after = serde_json::json!({ "name": updated.name, "filter": updated.filter });
    audit::record(
        &txn,
        actor,
        "saved_search.update",
        "saved_search",
        id,
        Some(before),
        Some(after),
        now,
    )
    .await?;
    txn.commit().await?;
    from_row(updated)
}

async fn get_in<C: ConnectionTrait>(db: &C, id: i64, field: &str) -> AppResult<row::Model> {
    row::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("saved search", id, field))
}

/// A saved search by id; `field` names the argument in the error.
pub async fn load<C: ConnectionTrait>(db: &C, id: i64, field: &str) -> AppResult<SavedSearch> {
    from_row(get_in(db, id, field).await?)
}

/// One saved search (staff).
pub async fn get(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<SavedSearch> {
    access::require_role(viewer, Role::Staff)?;
    load(&state.db, id, "id").await
}

/// Every saved search by name (staff).
pub async fn list(state: &AppState, viewer: &Viewer) -> AppResult<Vec<SavedSearch>> {
    access::require_role(viewer, Role::Staff)?;
    row::Entity::find()
        .order_by_asc(row::Column::Name)
        .all(&state.db)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

/// How many live contacts a filter matches now (staff): the live count of a saved search, or of a
/// filter being edited.
pub async fn count(state: &AppState, viewer: &Viewer, f: &ContactFilter) -> AppResult<u64> {
    access::require_role(viewer, Role::Staff)?;
    check_stored(f)?;
    let backend = state.db.get_database_backend();
    Ok(matching_ids(backend, f, state.clock.today())
        .count(&state.db)
        .await?)
}
