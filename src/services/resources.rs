//! Restricted content: articles or links for members, optionally requiring a permission that current
//! memberships grant. Staff manage them; everyone sees published titles and summaries; the body and
//! link are for those who hold the permission.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::db::begin_write;
use crate::db::entities::resource;
use crate::domain::membership::parse_grants;
use crate::domain::resource::Resource;
use crate::domain::text::{Name, optional_text};
use crate::error::{AppError, AppResult};
use crate::services::access;
use crate::services::auth::Viewer;
use crate::state::AppState;

/// A resource as one viewer sees it: the body and link only when they may open it.
#[derive(Clone, Debug)]
pub struct ResourceView {
    pub resource: Resource,
    /// Whether the viewer may open it.
    pub accessible: bool,
}

impl ResourceView {
    /// The body, for a viewer who may open it.
    pub fn body(&self) -> Option<&str> {
        self.accessible
            .then_some(self.resource.body.as_deref())
            .flatten()
    }

    /// The link, for a viewer who may open it.
    pub fn url(&self) -> Option<&str> {
        self.accessible
            .then_some(self.resource.url.as_deref())
            .flatten()
    }

    /// As staff see it (they may open everything).
    fn for_staff(m: resource::Model) -> Self {
        Self {
            resource: m.into(),
            accessible: true,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct ResourceFields {
    pub title: String,
    pub summary: Option<String>,
    pub body: Option<String>,
    pub url: Option<String>,
    pub required_permission: Option<String>,
    pub is_published: bool,
}

fn fields_of(m: &resource::Model) -> ResourceFields {
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

pub async fn create(state: &AppState, f: ResourceFields) -> AppResult<ResourceView> {
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
    Ok(ResourceView::for_staff(created))
}

pub async fn update(
    state: &AppState,
    id: i64,
    change: impl FnOnce(ResourceFields) -> ResourceFields,
) -> AppResult<ResourceView> {
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
    Ok(ResourceView::for_staff(updated))
}

/// What the viewer sees of a resource.
async fn view(state: &AppState, viewer: &Viewer, m: resource::Model) -> AppResult<ResourceView> {
    let resource = Resource::from(m);
    let staff = access::is_staff(viewer);
    let accessible = staff
        || resource.required_permission.is_none()
        || resource.opens_for(false, access::permissions(state, viewer).await?);
    Ok(ResourceView {
        resource,
        accessible,
    })
}

/// Resources in creation order: published ones for everyone, unpublished ones too for staff. Bodies
/// and links only where the viewer holds the required permission.
pub async fn list(state: &AppState, viewer: &Viewer) -> AppResult<Vec<ResourceView>> {
    let mut q = resource::Entity::find();
    if !access::is_staff(viewer) {
        q = q.filter(resource::Column::IsPublished.eq(true));
    }
    let mut out = Vec::new();
    for m in q.order_by_asc(resource::Column::Id).all(&state.db).await? {
        out.push(view(state, viewer, m).await?);
    }
    Ok(out)
}

/// One resource: NOT_FOUND outside the staff when unpublished, FORBIDDEN when the viewer may not
/// open it.
pub async fn get(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<ResourceView> {
    let m = resource::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .filter(|r| r.is_published || access::is_staff(viewer))
        .ok_or_else(|| AppError::not_found("resource", id, "id"))?;
    let v = view(state, viewer, m).await?;
    if !v.accessible {
        return Err(AppError::Forbidden(format!(
            "this resource needs the `{}` permission, held through a current membership",
            v.resource
                .required_permission
                .as_deref()
                .unwrap_or_default()
        )));
    }
    Ok(v)
}
