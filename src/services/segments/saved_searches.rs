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

/// Checks a filter for storing as saved search `id` (None for a new one): its rules, no trash
/// listing (a saved search is of live contacts), and the saved search it names exists, does not
/// lead back to `id` and, brought in, keeps the whole within its limits.
async fn check_stored<C: ConnectionTrait>(
    db: &C,
    f: &ContactFilter,
    id: Option<i64>,
    today: chrono::NaiveDate,
) -> AppResult<()> {
    filter::check(f)?;
    if f.in_trash {
        return Err(AppError::bad_input(
            "filter.inTrash",
            "a saved search lists live contacts only",
        ));
    }
    super::references::refuse_archived_interests(db, f, "filter.interestIds").await?;
    super::references::refuse_missing_segments(db, f).await?;
    let resolved = resolve_from(db, f.clone(), id, true, "filter.savedSearchId").await?;
    filter::check_evaluated(
        db.get_database_backend(),
        &resolved,
        today,
        "filter.savedSearchId",
    )
}

/// `f` ready to evaluate: the saved search it names, the one that search names and so on, each
/// read now and added to `all_of` (`field` names the input in errors). Refuses a chain that leads
/// back to itself or is longer than [`filter::MAX_CHAIN`].
pub async fn resolve<C: ConnectionTrait>(
    db: &C,
    f: ContactFilter,
    field: &str,
) -> AppResult<ContactFilter> {
    resolve_from(db, f, None, false, field).await
}

/// `start`: the saved search whose filter `f` is (its id may not come back); `stored`: `f` is a
/// saved search's own filter, which counts as one link of the chain when that search is used.
async fn resolve_from<C: ConnectionTrait>(
    db: &C,
    mut f: ContactFilter,
    start: Option<i64>,
    stored: bool,
    field: &str,
) -> AppResult<ContactFilter> {
    let mut seen: Vec<i64> = start.into_iter().collect();
    let mut next = f.segment.saved_search_id.take();
    while let Some(id) = next {
        if seen.contains(&id) {
            return Err(AppError::bad_input(
                field,
                format!(
                    "saved search {id} would name itself, directly or through other saved searches"
                ),
            ));
        }
        let links = seen.len() - usize::from(start.is_some()) + usize::from(stored);
        if links >= filter::MAX_CHAIN {
            return Err(AppError::bad_input(
                field,
                format!(
                    "saved searches name one another at most {} deep",
                    filter::MAX_CHAIN
                ),
            ));
        }
        seen.push(id);
        let mut named = load(db, id, field).await?.filter;
        next = named.segment.saved_search_id.take();
        f.segment.all_of.push(named);
    }
    Ok(f)
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
    let json = serde_json::to_string(&f)
        .map_err(|e| AppError::internal_from("serialising a filter", e))?;
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    super::lock_definitions(&txn).await?;
    check_stored(&txn, &f, None, state.clock.today()).await?;
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
    super::lock_definitions(&txn).await?;
    let current = get_in(&txn, id, "id").await?;
    let before = serde_json::json!({ "name": current.name, "filter": current.filter });
    let mut a: row::ActiveModel = current.into();
    if let Some(n) = name_raw {
        a.name = Set(name(n, "name")?);
    }
    if let Some(f) = &f {
        check_stored(&txn, f, Some(id), state.clock.today()).await?;
        a.filter = Set(serde_json::to_string(f)
            .map_err(|e| AppError::internal_from("serialising a filter", e))?);
    }
    a.updated_at = Set(now);
    let updated = a
        .update(&txn)
        .await
        .map_err(|e| name_taken(e, "saved search"))?;
    if f.is_some() {
        check_dependents(&txn, id, state.clock.today()).await?;
    }
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

/// After saved search `id` changed (inside the transaction): every saved search built on it, and
/// every mailing not yet sent whose audience it is part of, must still resolve within the limits —
/// otherwise the change is refused, naming the first one it would break.
async fn check_dependents<C: ConnectionTrait>(
    txn: &C,
    id: i64,
    today: chrono::NaiveDate,
) -> AppResult<()> {
    let all: Vec<SavedSearch> = row::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(from_row)
        .collect::<AppResult<_>>()?;
    let names: std::collections::HashMap<i64, Option<i64>> = all
        .iter()
        .map(|s| (s.id, s.filter.segment.saved_search_id))
        .collect();
    // Whether `start`'s chain reaches `id` (bounded: a chain longer than the limit fails below).
    let builds_on = |start: i64| {
        let mut next = names.get(&start).copied().flatten();
        for _ in 0..=filter::MAX_CHAIN {
            match next {
                Some(n) if n == id => return true,
                Some(n) => next = names.get(&n).copied().flatten(),
                None => return false,
            }
        }
        true
    };
    let backend = txn.get_database_backend();
    let broken = |what: String, e: AppError| {
        AppError::bad_input(
            "filter",
            format!("this change would break {what}: {}", e.public_message()),
        )
    };
    let mut dependents = vec![id];
    for s in all.iter().filter(|s| s.id != id && builds_on(s.id)) {
        dependents.push(s.id);
        let what = format!("saved search \"{}\", which builds on it", s.name);
        let resolved = resolve_from(
            txn,
            s.filter.clone(),
            Some(s.id),
            true,
            "filter.savedSearchId",
        )
        .await
        .map_err(|e| broken(what.clone(), e))?;
        filter::check_evaluated(backend, &resolved, today, "filter")
            .map_err(|e| broken(what, e))?;
    }
    for m in super::references::open_mailings(txn).await? {
        if m.audience
            .saved_search_ids
            .iter()
            .any(|s| dependents.contains(s))
        {
            let what = format!("the audience of mailing \"{}\"", m.subject);
            m.audience
                .evaluated_filter(txn, today)
                .await
                .map_err(|e| broken(what, e))?;
        }
    }
    Ok(())
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
pub async fn count(state: &AppState, viewer: &Viewer, f: ContactFilter) -> AppResult<u64> {
    access::require_role(viewer, Role::Staff)?;
    if f.in_trash {
        return Err(AppError::bad_input(
            "filter.inTrash",
            "counts are of live contacts only",
        ));
    }
    let f = resolve(&state.db, f, "filter.savedSearchId").await?;
    let backend = state.db.get_database_backend();
    let today = state.clock.today();
    filter::check_evaluated(backend, &f, today, "filter")?;
    Ok(matching_ids(backend, &f, today).count(&state.db).await?)
}

/// Deletes a saved search (staff). Refused (CONFLICT, naming them) while another saved search
/// names it or a mailing not yet sent takes its audience from it: those would change meaning or
/// fail without anyone deciding so (`references::refuse_if_used`, which takes the lock).
#[tracing::instrument(skip(state), fields(actor = %actor.label()))]
pub async fn delete(state: &AppState, actor: &Actor, id: i64) -> AppResult<()> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    // Before reading it: two deletes at once find it once.
    super::lock_definitions(&txn).await?;
    let current = get_in(&txn, id, "id").await?;
    let what = format!("saved search \"{}\"", current.name);
    super::references::refuse_if_used(
        &txn,
        super::references::Segment::SavedSearch(id),
        &what,
        "deleted",
    )
    .await?;
    let before = serde_json::json!({ "name": current.name, "filter": current.filter });
    row::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        actor,
        "saved_search.delete",
        "saved_search",
        id,
        Some(before),
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
