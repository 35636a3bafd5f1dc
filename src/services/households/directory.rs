//! The opt-in member directory. Nobody is listed until they choose fields; entries are built from
//! the chosen fields only (`domain::directory::project`) and searched and filtered after that, so
//! an unchosen field never leaves the server — not in an entry, a search hit or an error. Only
//! current members (and staff) may read it, and it lists current members only.

use std::collections::HashMap;

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::db::begin_write;
use crate::db::columns::JsonText;
use crate::db::entities::{
    contact, directory_custom_field as allowed, directory_listing as row, membership,
};
use crate::db::sql::Sql;
use crate::domain::directory::{DirectoryField, Entry, Record, parse_photo_url, project};
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
use crate::services::custom_values::{CustomValue, Owner, load};
use crate::services::pagination::{Page, PageArgs};
use crate::services::statuses::Statuses;
use crate::services::{Actor, access, audit};
use crate::state::AppState;

/// People whose records are read per query (stays far below the databases' parameter limits).
const CHUNK: usize = 2_000;

/// A member's choices (empty lists: not listed).
#[derive(Clone, Debug, Default)]
pub struct Listing {
    pub fields: Vec<DirectoryField>,
    pub custom_field_keys: Vec<String>,
    pub photo_url: Option<String>,
}

fn listing_of(m: row::Model) -> Listing {
    Listing {
        fields: m.fields.0.iter().filter_map(|f| f.parse().ok()).collect(),
        custom_field_keys: m.custom_field_keys.0,
        photo_url: m.photo_url,
    }
}

fn own_contact(viewer: &Viewer) -> AppResult<i64> {
    access::user(viewer)?
        .contact_id
        .ok_or_else(|| AppError::Forbidden("this login has no contact to list".into()))
}

/// The viewer's own choices.
pub async fn mine(state: &AppState, viewer: &Viewer) -> AppResult<Listing> {
    let id = own_contact(viewer)?;
    let found = row::Entity::find_by_id(id).one(&state.db).await?;
    Ok(found.map(listing_of).unwrap_or_default())
}

/// Replaces the viewer's choices; choosing nothing leaves the directory.
#[tracing::instrument(skip(state, viewer, choice))]
pub async fn update_mine(state: &AppState, viewer: &Viewer, choice: Listing) -> AppResult<Listing> {
    let id = own_contact(viewer)?;
    let photo_url = parse_photo_url(choice.photo_url.as_deref())?;
    let mut fields = choice.fields;
    fields.dedup();
    let txn = begin_write(&state.db).await?;
    let offered = allowed_keys(&txn).await?;
    if let Some(k) = choice
        .custom_field_keys
        .iter()
        .find(|k| !offered.contains(k))
    {
        return Err(AppError::bad_input(
            "customFieldKeys",
            format!(
                "`{}` is not a field the directory shows",
                k.chars().take(64).collect::<String>()
            ),
        ));
    }
    let existing = row::Entity::find_by_id(id).one(&txn).await?;
    let leaving = fields.is_empty() && choice.custom_field_keys.is_empty();
    if leaving {
        row::Entity::delete_many()
            .filter(row::Column::ContactId.eq(id))
            .exec(&txn)
            .await?;
    } else {
        let codes: Vec<String> = fields.iter().map(|f| f.as_str().to_string()).collect();
        let fresh = existing.is_none();
        let mut a: row::ActiveModel = match existing {
            Some(e) => e.into(),
            None => row::ActiveModel {
                contact_id: Set(id),
                ..Default::default()
            },
        };
        a.fields = Set(JsonText(codes));
        a.custom_field_keys = Set(JsonText(choice.custom_field_keys.clone()));
        a.photo_url = Set(photo_url.clone());
        a.updated_at = Set(state.clock.now());
        if fresh {
            a.insert(&txn).await?;
        } else {
            a.update(&txn).await?;
        }
    }
    let actor = access::actor(viewer);
    let now = state.clock.now();
    audit::record(
        &txn,
        &actor,
        "directory.update",
        "contact",
        id,
        None,
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(if leaving {
        Listing::default()
    } else {
        Listing {
            fields,
            custom_field_keys: choice.custom_field_keys,
            photo_url,
        }
    })
}

async fn allowed_keys<C: sea_orm::ConnectionTrait>(db: &C) -> AppResult<Vec<String>> {
    Ok(allowed::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.key)
        .collect())
}

/// The custom fields members may show (admins choose).
pub async fn custom_fields(state: &AppState) -> AppResult<Vec<String>> {
    let mut keys = allowed_keys(&state.db).await?;
    keys.sort();
    Ok(keys)
}

/// Replaces the custom fields members may show; a key withdrawn disappears from every entry.
pub async fn set_custom_fields(
    state: &AppState,
    actor: &Actor,
    keys: Vec<String>,
) -> AppResult<Vec<String>> {
    let mut keys: Vec<String> = keys.into_iter().map(|k| k.trim().to_string()).collect();
    keys.sort();
    keys.dedup();
    if let Some(bad) = keys.iter().find(|k| k.is_empty() || k.len() > 64) {
        return Err(AppError::bad_input(
            "keys",
            format!("`{bad}` is not a custom field key"),
        ));
    }
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    allowed::Entity::delete_many().exec(&txn).await?;
    for k in &keys {
        allowed::ActiveModel {
            key: Set(k.clone()),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    let view = serde_json::json!({ "keys": keys });
    audit::record(
        &txn,
        actor,
        "directory.custom_fields",
        "directory",
        0,
        None,
        Some(view),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(keys)
}

/// Whether the viewer may read the directory: staff, or a login whose contact is a current member.
async fn may_read(state: &AppState, viewer: &Viewer) -> AppResult<()> {
    let u = access::user(viewer)?;
    if access::is_staff(viewer) {
        return Ok(());
    }
    let statuses = Statuses::load(&state.db).await?;
    let current = match u.contact_id {
        Some(c) => membership::Entity::find()
            .filter(membership::Column::ContactId.eq(c))
            .filter(membership::Column::StatusId.is_in(statuses.current_ids()))
            .one(&state.db)
            .await?
            .is_some(),
        None => false,
    };
    if current {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "the member directory is for current members".into(),
        ))
    }
}

/// Narrows the directory to entries that show this city or organisation.
#[derive(Clone, Debug, Default)]
pub struct DirectoryFilter {
    pub city: Option<String>,
    pub organization: Option<String>,
}

/// The directory: current members who opted in, each showing what they chose, by name.
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    search: Option<String>,
    filter: DirectoryFilter,
    page: PageArgs,
) -> AppResult<Page<Entry>> {
    may_read(state, viewer).await?;
    let db = &state.db;
    let current = Statuses::load(db).await?.current_ids();
    if current.is_empty() {
        return paginate(Vec::new(), page);
    }
    // Who is listed: opted in, live, not deceased, holding a current membership — one query that
    // binds no list of people; their records are then read a chunk at a time.
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT l.contact_id FROM directory_listings l JOIN contacts c ON c.id = l.contact_id \
         WHERE c.deleted_at IS NULL AND c.erased_at IS NULL AND c.is_deceased = ",
    )
    .bind(false)
    .push(
        " AND EXISTS (SELECT 1 FROM memberships m WHERE m.contact_id = l.contact_id \
         AND m.status_id IN ",
    )
    .bind_list(current)
    .push(") ORDER BY l.contact_id");
    let listed: Vec<i64> = db
        .query_all_raw(sql.statement())
        .await?
        .iter()
        .map(|r| r.try_get_by_index::<i64>(0))
        .collect::<Result<_, _>>()?;
    let offered = allowed_keys(db).await?;
    let mut entries: Vec<(String, i64, Entry)> = Vec::new();
    for chunk in listed.chunks(CHUNK) {
        let people = contact::Entity::find()
            .filter(contact::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        let mut listings: HashMap<i64, row::Model> = row::Entity::find()
            .filter(row::Column::ContactId.is_in(chunk.to_vec()))
            .all(db)
            .await?
            .into_iter()
            .map(|l| (l.contact_id, l))
            .collect();
        let mut custom = load(db, Owner::Contact, chunk).await?;
        for c in people {
            let Some(l) = listings.remove(&c.id) else {
                continue;
            };
            let extra = custom.remove(&c.id).unwrap_or_default();
            add_entry(&mut entries, c, l, extra, &offered, &search, &filter);
        }
    }
    entries.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    paginate(entries.into_iter().map(|(_, _, e)| e).collect(), page)
}

/// Builds one person's entry from the fields they chose, and keeps it when it has something to
/// show and matches the search and filter (which see the entry only).
fn add_entry(
    entries: &mut Vec<(String, i64, Entry)>,
    c: contact::Model,
    l: row::Model,
    extra: Vec<CustomValue>,
    offered: &[String],
    search: &Option<String>,
    filter: &DirectoryFilter,
) {
    let record = Record {
        display_name: c.display_name,
        city: c.city,
        organization: c.organization_name,
        email: c.email,
        phone: c.phone,
        photo_url: l.photo_url.clone(),
        custom: extra
            .into_iter()
            .filter(|v| offered.contains(&v.key))
            .map(|v| {
                let text = v
                    .value
                    .as_str()
                    .map_or_else(|| v.value.to_string(), str::to_string);
                (v.key, v.label, text)
            })
            .collect(),
    };
    let l = listing_of(l);
    let entry = project(record, &l.fields, &l.custom_field_keys);
    let keep = !entry.is_empty()
        && search.as_deref().is_none_or(|s| entry.matches(s))
        && same(&filter.city, &entry.city)
        && same(&filter.organization, &entry.organization);
    if keep {
        let key = entry
            .name
            .as_deref()
            .map_or_else(|| "\u{10FFFF}".into(), crate::domain::search::fold);
        entries.push((key, c.id, entry));
    }
}

fn same(wanted: &Option<String>, shown: &Option<String>) -> bool {
    match wanted {
        None => true,
        Some(w) => shown
            .as_deref()
            .is_some_and(|s| crate::domain::search::fold(s) == crate::domain::search::fold(w)),
    }
}

/// Offset cursors over the (small, opted-in) directory.
fn paginate(entries: Vec<Entry>, page: PageArgs) -> AppResult<Page<Entry>> {
    let start = match page.after.as_deref() {
        None => 0,
        Some(c) => c
            .strip_prefix("dir:")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| AppError::bad_input("after", "not a cursor of this list"))?,
    };
    let total = entries.len() as u64;
    let first = usize::try_from(page.first).unwrap_or(usize::MAX);
    let items: Vec<(String, Entry)> = entries
        .into_iter()
        .enumerate()
        .skip(start)
        .take(first)
        .map(|(i, e)| (format!("dir:{}", i + 1), e))
        .collect();
    let has_next_page = (start + items.len()) < total as usize;
    Ok(Page {
        items,
        has_next_page,
        total_count: total,
    })
}
