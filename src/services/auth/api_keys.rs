//! API keys for other systems (a website asking `hasPermission`, a mobile app's backend): named, scoped
//! to a role no higher than their creator's, stored as SHA-256 only, revocable.

use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use super::tokens::{new_token, token_digest};
use super::viewer::{AuthUser, Viewer};
use crate::db::begin_write;
use crate::db::entities::{api_key, user};
use crate::domain::account::ApiKey;
use crate::domain::role::Role;
use crate::domain::text::Name;
use crate::error::{AppError, AppResult};
use crate::services::{Actor, audit};
use crate::state::AppState;

/// Every API key starts with this, so it is told apart from session tokens (and found by secret
/// scanners).
pub const PREFIX: &str = "tsk_";

pub struct CreatedKey {
    pub key: ApiKey,
    /// The secret, shown once.
    pub secret: String,
}

pub async fn create(
    state: &AppState,
    actor: &Actor,
    creator: &AuthUser,
    name: &str,
    role: Role,
) -> AppResult<CreatedKey> {
    let name = Name::parse(name, "name")?;
    if !creator.role.at_least(role) {
        return Err(AppError::bad_input(
            "role",
            "a key cannot have more rights than its creator",
        ));
    }
    let secret = format!("{PREFIX}{}", new_token());
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let key = api_key::ActiveModel {
        name: Set(name.into_string()),
        role: Set(role),
        key_sha256: Set(token_digest(&secret)),
        prefix: Set(secret.chars().take(10).collect()),
        created_by: Set(creator.user_id),
        created_at: Set(now),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let view = json!({ "name": key.name, "role": key.role.as_str(), "prefix": key.prefix });
    audit::record(
        &txn,
        actor,
        "api_key.create",
        "api_key",
        key.id,
        None,
        Some(view),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(CreatedKey {
        key: key.into(),
        secret,
    })
}

/// Every key, oldest first (admins). Secrets are never shown again.
pub async fn list(state: &AppState, viewer: &Viewer) -> AppResult<Vec<ApiKey>> {
    crate::services::access::require_role(viewer, Role::Admin)?;
    Ok(api_key::Entity::find()
        .order_by_asc(api_key::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(ApiKey::from)
        .collect())
}

pub async fn revoke(state: &AppState, actor: &Actor, id: i64) -> AppResult<ApiKey> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let key = api_key::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("API key", id, "id"))?;
    if key.revoked_at.is_some() {
        return Err(AppError::conflict(None, "this key is already revoked"));
    }
    let mut active: api_key::ActiveModel = key.into();
    active.revoked_at = Set(Some(now));
    let revoked = active.update(&txn).await?;
    state.tokens.forget_key(id);
    audit::record(
        &txn,
        actor,
        "api_key.revoke",
        "api_key",
        id,
        None,
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(revoked.into())
}

/// Resolves an API key, by the digest of its secret, to a viewer with the key's role.
pub async fn authenticate(state: &AppState, digest: &str) -> AppResult<Viewer> {
    let Some(key) = api_key::Entity::find()
        .filter(api_key::Column::KeySha256.eq(digest))
        .one(&state.db)
        .await?
    else {
        return Ok(Viewer::Invalid("the API key is not valid"));
    };
    if key.revoked_at.is_some() {
        return Ok(Viewer::Invalid("the API key was revoked"));
    }
    let Some(creator) = user::Entity::find_by_id(key.created_by)
        .one(&state.db)
        .await?
    else {
        return Ok(Viewer::Invalid("the API key is not valid"));
    };
    let role = key.role;
    let now = state.clock.now();
    if key
        .last_used_at
        .is_none_or(|t| now - t > Duration::minutes(1))
    {
        api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, Expr::value(now))
            .filter(api_key::Column::Id.eq(key.id))
            .exec(&state.db)
            .await?;
    }
    Ok(Viewer::User(AuthUser {
        user_id: creator.id,
        email: creator.email,
        role,
        contact_id: None,
        session_id: 0,
        api_key_id: Some(key.id),
        permissions: Default::default(),
    }))
}
