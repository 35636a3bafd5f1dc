//! Restricted content: articles or links for members, optionally requiring a permission that current
//! memberships grant. Staff manage them; everyone sees published titles and summaries; the body and
//! link are for those who hold the permission.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::db::begin_write;
use crate::db::entities::resource;
use crate::domain::membership::parse_grants;
use crate::domain::text::{Name, optional_text};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Clone, Debug, Default)]
pub struct ResourceFields {
    pub title: String,
    pub summary: Option<String>,
    pub body: Option<String>,
    pub url: Option<String>,
    pub required_permission: Option<String>,
    pub is_published: bool,
}

pub fn fields_of(m: &resource::Model) -> ResourceFields {
    ResourceFields {
        title: m.title.clone(),
        summary: m.summary.clone(),
        body: m.body.clone(),
        url: m.url.clone(),
        required_permission: m.required_permission.clone(),
        is_published: m.is_published,
    }
}

fn apply(active: &mut resource::ActiveModel, f: ResourceFields) -> AppResult<()> {
    let url = optional_text(f.url.as_deref(), "url", 2000)?;
    if let Some(u) = &url
        && !(u.starts_with("https://") || u.starts_with("http://"))
    {
        return Err(AppError::bad_input(
            "url",
            "must start with https:// or http://",
        ));
    }
    let permission = match f
        .required_permission
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => parse_grants(&[p.to_string()])
            .map_err(|e| AppError::bad_input("requiredPermission", e.message))?
            .pop(),
        None => None,
    };
    active.title = Set(Name::parse(&f.title, "title")?.into_string());
    active.summary = Set(optional_text(f.summary.as_deref(), "summary", 2000)?);
    active.body = Set(optional_text(f.body.as_deref(), "body", 200_000)?);
    active.url = Set(url);
    active.required_permission = Set(permission);
    active.is_published = Set(f.is_published);
    Ok(())
}

pub async fn create(state: &AppState, f: ResourceFields) -> AppResult<resource::Model> {
    let now = state.clock.now();
    let mut active = resource::ActiveModel {
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, f)?;
    let txn = begin_write(&state.db).await?;
    let created = active.insert(&txn).await?;
    txn.commit().await?;
    Ok(created)
}

pub async fn update(
    state: &AppState,
    id: i64,
    change: impl FnOnce(ResourceFields) -> ResourceFields,
) -> AppResult<resource::Model> {
    let txn = begin_write(&state.db).await?;
    let current = resource::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("resource", id, "id"))?;
    let fields = change(fields_of(&current));
    let mut active: resource::ActiveModel = current.into();
    apply(&mut active, fields)?;
    active.updated_at = Set(state.clock.now());
    let updated = active.update(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Resources in creation order; only published ones unless `include_unpublished` (staff).
pub async fn list(state: &AppState, include_unpublished: bool) -> AppResult<Vec<resource::Model>> {
    let mut q = resource::Entity::find();
    if !include_unpublished {
        q = q.filter(resource::Column::IsPublished.eq(true));
    }
    Ok(q.order_by_asc(resource::Column::Id).all(&state.db).await?)
}

pub async fn get(state: &AppState, id: i64) -> AppResult<resource::Model> {
    resource::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("resource", id, "id"))
}

/// Whether a viewer holding `permissions` (staff: everything) may read the body of `r`.
pub fn accessible(r: &resource::Model, is_staff: bool, permissions: &[String]) -> bool {
    is_staff
        || r.required_permission
            .as_ref()
            .is_none_or(|p| permissions.contains(p))
}
