//! Tags: admin-defined, coloured labels that staff put on contacts in bulk.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::references::{self, Segment};
use super::{CHUNK, description, description_patch, name, name_taken, require_live_contacts};
use crate::db::entities::segments::{contact_tag, tag as row};
use crate::db::{begin_write, lock_subject};
use crate::domain::patch::Patch;
use crate::domain::role::Role;
use crate::domain::segment::{bulk_ids, parse_color};
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
use crate::services::{Actor, access, audit};
use crate::state::AppState;

/// A tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    pub id: i64,
    pub name: String,
    pub color: Option<String>,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<row::Model> for Tag {
    fn from(m: row::Model) -> Self {
        Tag {
            id: m.id,
            name: m.name,
            color: m.color,
            description: m.description,
            created_at: m.created_at,
        }
    }
}

/// A tag as typed.
pub struct TagInput {
    pub name: String,
    pub color: Option<String>,
    pub description: Option<String>,
}

/// Changes to a tag as typed; each part left out stays as it is.
#[derive(Default)]
pub struct TagChanges {
    pub name: Option<String>,
    pub color: Patch<String>,
    pub description: Patch<String>,
}

/// Longest tag name (the column's width).
const MAX_NAME: usize = 100;

/// A tag name as typed: a name (trimmed, one line, no control characters) of at most 100
/// characters. The same rule for a new tag and a renamed one.
fn tag_name(raw: &str) -> AppResult<String> {
    let n = name(raw, "name")?;
    if n.chars().count() > MAX_NAME {
        return Err(AppError::bad_input(
            "name",
            format!("must be at most {MAX_NAME} characters"),
        ));
    }
    Ok(n)
}

fn view(m: &row::Model) -> serde_json::Value {
    serde_json::json!({ "name": m.name, "color": m.color, "description": m.description })
}

/// Creates a tag (admins).
#[tracing::instrument(skip(state, input), fields(actor = %actor.label()))]
pub async fn create(state: &AppState, actor: &Actor, input: TagInput) -> AppResult<Tag> {
    let name = tag_name(&input.name)?;
    let color = input
        .color
        .as_deref()
        .map(|c| parse_color(c, "color"))
        .transpose()?;
    let description = description(input.description.as_deref())?;
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let created = row::ActiveModel {
        name: Set(name),
        color: Set(color),
        description: Set(description),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| name_taken(e, "tag"))?;
    let view = serde_json::json!({ "name": created.name, "color": created.color });
    audit::record(
        &txn,
        actor,
        "tag.create",
        "tag",
        created.id,
        None,
        Some(view),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created.into())
}

/// Renames, recolours or redescribes a tag (admins). The name stays unique (CONFLICT on `name`).
#[tracing::instrument(skip(state, changes), fields(actor = %actor.label()))]
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    changes: TagChanges,
) -> AppResult<Tag> {
    let name = changes.name.as_deref().map(tag_name).transpose()?;
    let color = match changes.color {
        Patch::Set(c) => Patch::Set(parse_color(&c, "color")?),
        other => other,
    };
    let description = description_patch(changes.description)?;
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    // Waits for a delete of the tag at the same moment, then finds it gone (NOT_FOUND).
    lock_subject(&txn, "tag", &id.to_string()).await?;
    let current = get_in(&txn, id, "id").await?;
    let before = view(&current);
    let mut a: row::ActiveModel = current.clone().into();
    a.name = Set(name.unwrap_or(current.name));
    a.color = Set(color.apply(current.color));
    a.description = Set(description.apply(current.description));
    let updated = a.update(&txn).await.map_err(|e| name_taken(e, "tag"))?;
    audit::record(
        &txn,
        actor,
        "tag.update",
        "tag",
        id,
        Some(before),
        Some(view(&updated)),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated.into())
}

/// Deletes a tag and takes it off every contact (admins). Refused (CONFLICT) while a mailing not
/// sent yet or a saved search names it. Returns the id.
#[tracing::instrument(skip(state), fields(actor = %actor.label()))]
pub async fn delete(state: &AppState, actor: &Actor, id: i64) -> AppResult<i64> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    lock_subject(&txn, "tag", &id.to_string()).await?;
    let tag = get_in(&txn, id, "id").await?;
    let what = format!("tag \"{}\"", tag.name);
    references::refuse_if_used(&txn, Segment::Tag(id), &what, "deleted").await?;
    let removed = contact_tag::Entity::delete_many()
        .filter(contact_tag::Column::TagId.eq(id))
        .exec(&txn)
        .await?
        .rows_affected;
    row::Entity::delete_by_id(id).exec(&txn).await?;
    let mut before = view(&tag);
    before["contacts"] = removed.into();
    audit::record(
        &txn,
        actor,
        "tag.delete",
        "tag",
        id,
        Some(before),
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Every tag by name (staff).
pub async fn list(state: &AppState, viewer: &Viewer) -> AppResult<Vec<Tag>> {
    access::require_role(viewer, Role::Staff)?;
    Ok(row::Entity::find()
        .order_by_asc(row::Column::Name)
        .all(&state.db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

async fn get_in<C: ConnectionTrait>(db: &C, id: i64, field: &str) -> AppResult<row::Model> {
    row::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("tag", id, field))
}

/// Puts tag `tag_id` on every contact listed (staff); contacts tagged already stay so. At most
/// `MAX_BULK_IDS` ids, written in chunks. Returns the tag.
#[tracing::instrument(skip(state, contact_ids), fields(actor = %actor.label(), n = contact_ids.len()))]
pub async fn tag_contacts(
    state: &AppState,
    actor: &Actor,
    tag_id: i64,
    contact_ids: &[i64],
) -> AppResult<Tag> {
    let ids = bulk_ids(contact_ids, "contactIds")?;
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    // Waits for a concurrent delete (PostgreSQL), which then leaves NOT_FOUND here.
    lock_subject(&txn, "tag", &tag_id.to_string()).await?;
    let tag = get_in(&txn, tag_id, "tagId").await?;
    require_live_contacts(&txn, &ids, "contactIds").await?;
    for chunk in ids.chunks(CHUNK) {
        let rows = chunk.iter().map(|c| contact_tag::ActiveModel {
            tag_id: Set(tag_id),
            contact_id: Set(*c),
            created_at: Set(now),
            created_by: Set(actor.label()),
        });
        let result = contact_tag::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([contact_tag::Column::TagId, contact_tag::Column::ContactId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await;
        match result {
            Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let view = serde_json::json!({ "contacts": ids.len() });
    audit::record(
        &txn,
        actor,
        "tag.assign",
        "tag",
        tag_id,
        None,
        Some(view),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(tag.into())
}

/// Takes tag `tag_id` off every contact listed (staff). Returns the tag.
#[tracing::instrument(skip(state, contact_ids), fields(actor = %actor.label(), n = contact_ids.len()))]
pub async fn untag_contacts(
    state: &AppState,
    actor: &Actor,
    tag_id: i64,
    contact_ids: &[i64],
) -> AppResult<Tag> {
    let ids = bulk_ids(contact_ids, "contactIds")?;
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    lock_subject(&txn, "tag", &tag_id.to_string()).await?;
    let tag = get_in(&txn, tag_id, "tagId").await?;
    for chunk in ids.chunks(CHUNK) {
        contact_tag::Entity::delete_many()
            .filter(contact_tag::Column::TagId.eq(tag_id))
            .filter(contact_tag::Column::ContactId.is_in(chunk.to_vec()))
            .exec(&txn)
            .await?;
    }
    let view = serde_json::json!({ "contacts": ids.len() });
    audit::record(
        &txn,
        actor,
        "tag.remove",
        "tag",
        tag_id,
        None,
        Some(view),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(tag.into())
}

/// The tags on a contact, by name (staff only, wherever the field is reached from).
pub async fn of_contact(state: &AppState, viewer: &Viewer, contact_id: i64) -> AppResult<Vec<Tag>> {
    access::require_staff_field(viewer, "tags")?;
    let ids: Vec<i64> = contact_tag::Entity::find()
        .filter(contact_tag::Column::ContactId.eq(contact_id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|r| r.tag_id)
        .collect();
    Ok(row::Entity::find()
        .filter(row::Column::Id.is_in(ids))
        .order_by_asc(row::Column::Name)
        .all(&state.db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// How many contacts carry each tag (live ones).
pub async fn count<C: ConnectionTrait>(db: &C, tag_id: i64) -> AppResult<i64> {
    let mut sql = crate::db::sql::Sql::new(db.get_database_backend());
    sql.push(
        "SELECT COUNT(*) FROM contact_tags t JOIN contacts c ON c.id = t.contact_id \
         WHERE c.deleted_at IS NULL AND t.tag_id = ",
    )
    .bind(tag_id);
    let row = db.query_one_raw(sql.statement()).await?;
    Ok(match row {
        Some(r) => r.try_get_by_index::<i64>(0)?,
        None => 0,
    })
}

/// Checks that tag `id` exists (`field` names the input in the error).
pub async fn exists<C: ConnectionTrait>(db: &C, id: i64, field: &str) -> AppResult<()> {
    get_in(db, id, field).await.map(drop)
}
