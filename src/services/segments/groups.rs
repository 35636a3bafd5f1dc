//! Groups: static lists of contacts (a committee, a mailing list typed in from a paper form).
//! Contacts join and leave; each join and leave is kept in `contact_group_history`.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::references::{self, Segment};
use super::{CHUNK, description, description_patch, name, name_taken, require_live_contacts};
use crate::db::entities::segments::{group as row, group_history as history, group_member};
use crate::db::{begin_write, lock_subject};
use crate::domain::patch::Patch;
use crate::domain::role::Role;
use crate::domain::segment::{GroupChange, bulk_ids};
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
use crate::services::{Actor, access, audit};
use crate::state::AppState;

/// A group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Set once deleted (only `get` still returns it, for the history that names it).
    pub deleted_at: Option<DateTime<Utc>>,
}

impl From<row::Model> for Group {
    fn from(m: row::Model) -> Self {
        Group {
            id: m.id,
            name: m.name,
            description: m.description,
            created_at: m.created_at,
            deleted_at: m.deleted_at,
        }
    }
}

/// One join or leave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupHistoryEntry {
    pub group_id: i64,
    pub contact_id: i64,
    pub change: GroupChange,
    pub actor: String,
    pub at: DateTime<Utc>,
}

impl From<history::Model> for GroupHistoryEntry {
    fn from(m: history::Model) -> Self {
        GroupHistoryEntry {
            group_id: m.group_id,
            contact_id: m.contact_id,
            change: m.action,
            actor: m.actor,
            at: m.at,
        }
    }
}

/// Creates a group (staff).
#[tracing::instrument(skip(state), fields(actor = %actor.label()))]
pub async fn create(
    state: &AppState,
    actor: &Actor,
    name_raw: &str,
    description_raw: Option<&str>,
) -> AppResult<Group> {
    let name = name(name_raw, "name")?;
    let description = description(description_raw)?;
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let created = row::ActiveModel {
        name: Set(name),
        description: Set(description),
        created_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| name_taken(e, "group"))?;
    let view = serde_json::json!({ "name": created.name });
    audit::record(
        &txn,
        actor,
        "group.create",
        "group",
        created.id,
        None,
        Some(view),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created.into())
}

/// Renames or redescribes a live group (staff). The name stays unique among live groups
/// (CONFLICT on `name`).
#[tracing::instrument(skip(state, description_raw), fields(actor = %actor.label()))]
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    name_raw: Option<&str>,
    description_raw: Patch<String>,
) -> AppResult<Group> {
    let new_name = name_raw.map(|n| name(n, "name")).transpose()?;
    let description = description_patch(description_raw)?;
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    lock_subject(&txn, "group", &id.to_string()).await?;
    let current = get_in(&txn, id, "id").await?;
    let before = serde_json::json!({ "name": current.name, "description": current.description });
    let mut a: row::ActiveModel = current.clone().into();
    a.name = Set(new_name.unwrap_or(current.name));
    a.description = Set(description.apply(current.description));
    let updated = a.update(&txn).await.map_err(|e| name_taken(e, "group"))?;
    let after = serde_json::json!({ "name": updated.name, "description": updated.description });
    audit::record(
        &txn,
        actor,
        "group.update",
        "group",
        id,
        Some(before),
        Some(after),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated.into())
}

/// Deletes a group (staff): every contact in it leaves (each leave recorded in their history, as
/// `remove` does), then the group leaves every list. The row stays, marked deleted, because that
/// history names it; its name is free for a new group. Refused (CONFLICT) while a mailing not
/// sent yet or a saved search names it. Returns the id.
#[tracing::instrument(skip(state), fields(actor = %actor.label()))]
pub async fn delete(state: &AppState, actor: &Actor, id: i64) -> AppResult<i64> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    lock_subject(&txn, "group", &id.to_string()).await?;
    let group = get_in(&txn, id, "id").await?;
    let what = format!("group \"{}\"", group.name);
    references::refuse_if_used(&txn, Segment::Group(id), &what, "deleted").await?;
    let members: Vec<i64> = group_member::Entity::find()
        .filter(group_member::Column::GroupId.eq(id))
        .order_by_asc(group_member::Column::ContactId)
        .all(&txn)
        .await?
        .into_iter()
        .map(|m| m.contact_id)
        .collect();
    group_member::Entity::delete_many()
        .filter(group_member::Column::GroupId.eq(id))
        .exec(&txn)
        .await?;
    record_changes(&txn, id, &members, GroupChange::Removed, actor, now).await?;
    let before = serde_json::json!({
        "name": group.name, "description": group.description, "members": members.len()
    });
    let mut a: row::ActiveModel = group.into();
    a.deleted_at = Set(Some(now));
    a.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "group.delete",
        "group",
        id,
        Some(before),
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Every live group by name (staff).
pub async fn list(state: &AppState, viewer: &Viewer) -> AppResult<Vec<Group>> {
    access::require_role(viewer, Role::Staff)?;
    Ok(row::Entity::find()
        .filter(row::Column::DeletedAt.is_null())
        .order_by_asc(row::Column::Name)
        .all(&state.db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// One group (staff), deleted ones included (with `deleted_at`): a contact's history names them.
pub async fn get(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<Group> {
    access::require_role(viewer, Role::Staff)?;
    row::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .map(Into::into)
        .ok_or_else(|| AppError::not_found("group", id, "id"))
}

/// A live group.
async fn get_in<C: ConnectionTrait>(db: &C, id: i64, field: &str) -> AppResult<row::Model> {
    row::Entity::find_by_id(id)
        .filter(row::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("group", id, field))
}

/// Of `ids`, those in the group now.
async fn members_among<C: ConnectionTrait>(
    db: &C,
    group_id: i64,
    ids: &[i64],
) -> AppResult<Vec<i64>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        out.extend(
            group_member::Entity::find()
                .filter(group_member::Column::GroupId.eq(group_id))
                .filter(group_member::Column::ContactId.is_in(chunk.to_vec()))
                .all(db)
                .await?
                .into_iter()
                .map(|m| m.contact_id),
        );
    }
    Ok(out)
}

async fn record_changes<C: ConnectionTrait>(
    db: &C,
    group_id: i64,
    ids: &[i64],
    change: GroupChange,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for chunk in ids.chunks(CHUNK) {
        let rows = chunk.iter().map(|c| history::ActiveModel {
            group_id: Set(group_id),
            contact_id: Set(*c),
            action: Set(change),
            actor: Set(actor.label()),
            at: Set(now),
            ..Default::default()
        });
        history::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Adds contacts to a group (staff); those in it already are left as they are. Each join is kept
/// in the group's history. At most `MAX_BULK_IDS` ids, written in chunks. Returns the group.
#[tracing::instrument(skip(state, contact_ids), fields(actor = %actor.label(), n = contact_ids.len()))]
pub async fn add(
    state: &AppState,
    actor: &Actor,
    group_id: i64,
    contact_ids: &[i64],
) -> AppResult<Group> {
    let ids = bulk_ids(contact_ids, "contactIds")?;
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    lock_subject(&txn, "group", &group_id.to_string()).await?;
    let group = get_in(&txn, group_id, "groupId").await?;
    require_live_contacts(&txn, &ids, "contactIds").await?;
    let present: std::collections::HashSet<i64> = members_among(&txn, group_id, &ids)
        .await?
        .into_iter()
        .collect();
    let new: Vec<i64> = ids.into_iter().filter(|c| !present.contains(c)).collect();
    for chunk in new.chunks(CHUNK) {
        let rows = chunk.iter().map(|c| group_member::ActiveModel {
            group_id: Set(group_id),
            contact_id: Set(*c),
            added_at: Set(now),
            added_by: Set(actor.label()),
        });
        group_member::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    record_changes(&txn, group_id, &new, GroupChange::Added, actor, now).await?;
    let view = serde_json::json!({ "added": new.len() });
    audit::record(
        &txn,
        actor,
        "group.add",
        "group",
        group_id,
        None,
        Some(view),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(group.into())
}

/// Removes contacts from a group (staff); each leave is kept in its history. Returns the group.
#[tracing::instrument(skip(state, contact_ids), fields(actor = %actor.label(), n = contact_ids.len()))]
pub async fn remove(
    state: &AppState,
    actor: &Actor,
    group_id: i64,
    contact_ids: &[i64],
) -> AppResult<Group> {
    let ids = bulk_ids(contact_ids, "contactIds")?;
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    lock_subject(&txn, "group", &group_id.to_string()).await?;
    let group = get_in(&txn, group_id, "groupId").await?;
    let present = members_among(&txn, group_id, &ids).await?;
    for chunk in present.chunks(CHUNK) {
        group_member::Entity::delete_many()
            .filter(group_member::Column::GroupId.eq(group_id))
            .filter(group_member::Column::ContactId.is_in(chunk.to_vec()))
            .exec(&txn)
            .await?;
    }
    record_changes(&txn, group_id, &present, GroupChange::Removed, actor, now).await?;
    let view = serde_json::json!({ "removed": present.len() });
    audit::record(
        &txn,
        actor,
        "group.remove",
        "group",
        group_id,
        None,
        Some(view),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(group.into())
}

/// The groups a contact is in now, by name (staff only, wherever reached from).
pub async fn of_contact(
    state: &AppState,
    viewer: &Viewer,
    contact_id: i64,
) -> AppResult<Vec<Group>> {
    access::require_staff_field(viewer, "groups")?;
    let ids: Vec<i64> = group_member::Entity::find()
        .filter(group_member::Column::ContactId.eq(contact_id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| m.group_id)
        .collect();
    Ok(row::Entity::find()
        .filter(row::Column::Id.is_in(ids))
        .filter(row::Column::DeletedAt.is_null())
        .order_by_asc(row::Column::Name)
        .all(&state.db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// A contact's joins and leaves, oldest first (staff only).
pub async fn history_of_contact(
    state: &AppState,
    viewer: &Viewer,
    contact_id: i64,
) -> AppResult<Vec<GroupHistoryEntry>> {
    access::require_staff_field(viewer, "groupHistory")?;
    Ok(history::Entity::find()
        .filter(history::Column::ContactId.eq(contact_id))
        .order_by_asc(history::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// How many live contacts are in a group now.
pub async fn count<C: ConnectionTrait>(db: &C, group_id: i64) -> AppResult<i64> {
    let mut sql = crate::db::sql::Sql::new(db.get_database_backend());
    sql.push(
        "SELECT COUNT(*) FROM contact_group_members g JOIN contacts c ON c.id = g.contact_id \
         WHERE c.deleted_at IS NULL AND g.group_id = ",
    )
    .bind(group_id);
    Ok(match db.query_one_raw(sql.statement()).await? {
        Some(r) => r.try_get_by_index::<i64>(0)?,
        None => 0,
    })
}

/// Checks that group `id` exists and is not deleted (`field` names the input in the error).
pub async fn exists<C: ConnectionTrait>(db: &C, id: i64, field: &str) -> AppResult<()> {
    get_in(db, id, field).await.map(drop)
}
