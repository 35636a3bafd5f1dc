//! Financial types: what a contribution is for. Seeded MEMBER_DUES, DONATION and EVENT_FEE; admins
//! add, rename and deactivate them (keys never change: imports and integrations name them).

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::db::begin_write;
use crate::db::entities::financial_type as ft;
use crate::domain::contribution::{FinancialType, financial_type_key};
use crate::domain::role::Role;
use crate::domain::text::Name;
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
use crate::services::{Actor, access, audit};
use crate::state::AppState;

/// Every type (from the reference cache); inactive ones only when asked.
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    include_inactive: bool,
) -> AppResult<Vec<FinancialType>> {
    access::user(viewer)?;
    let all = state.reference.financial_types(&state.db).await?;
    Ok(all
        .iter()
        .filter(|t| include_inactive || t.is_active)
        .cloned()
        .collect())
}

/// The type with this key; an unknown key is a BAD_USER_INPUT on `field`, and so is an inactive
/// one when `must_be_active` (new contributions cannot use a retired type).
pub async fn by_key_in<C: ConnectionTrait>(
    db: &C,
    key: &str,
    field: &str,
    must_be_active: bool,
) -> AppResult<ft::Model> {
    let found = ft::Entity::find()
        .filter(ft::Column::Key.eq(key.trim()))
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::bad_input(
                field,
                format!(
                    "unknown financial type `{}`",
                    key.trim().chars().take(40).collect::<String>()
                ),
            )
        })?;
    if must_be_active && !found.is_active {
        return Err(AppError::bad_input(
            field,
            format!("financial type `{}` is inactive", found.key),
        ));
    }
    Ok(found)
}

pub struct FinancialTypeInput {
    pub key: Option<String>,
    pub name: Option<String>,
    pub is_deductible: Option<bool>,
    pub sends_receipt: Option<bool>,
    pub is_active: Option<bool>,
}

fn view(m: &ft::Model) -> serde_json::Value {
    serde_json::json!({
        "key": m.key, "name": m.name, "isDeductible": m.is_deductible,
        "sendsReceipt": m.sends_receipt, "isActive": m.is_active,
    })
}

/// Adds a type (admins). The key is unique: a second one is CONFLICT.
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    input: FinancialTypeInput,
) -> AppResult<FinancialType> {
    access::require_role(viewer, Role::Admin)?;
    let key = financial_type_key(input.key.as_deref().unwrap_or(""), "key")?;
    let name = Name::parse(input.name.as_deref().unwrap_or(""), "name")?.into_string();
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    if ft::Entity::find()
        .filter(ft::Column::Key.eq(key.clone()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            Some("key"),
            format!("a financial type with key `{key}` exists"),
        ));
    }
    let created = ft::ActiveModel {
        key: Set(key),
        name: Set(name),
        is_deductible: Set(input.is_deductible.unwrap_or(false)),
        sends_receipt: Set(input.sends_receipt.unwrap_or(true)),
        is_active: Set(input.is_active.unwrap_or(true)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let actor: Actor = access::actor(viewer);
    let action = "financial_type.create";
    audit::record(
        &txn,
        &actor,
        action,
        "financial_type",
        created.id,
        None,
        Some(view(&created)),
        now,
    )
    .await?;
    txn.commit().await?;
    state.reference.invalidate();
    Ok(created.into())
}

/// Renames, retires or changes a type (admins); its key stays.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    input: FinancialTypeInput,
) -> AppResult<FinancialType> {
    access::require_role(viewer, Role::Admin)?;
    if input.key.is_some() {
        return Err(AppError::bad_input(
            "key",
            "a financial type's key cannot change (imports and integrations use it)",
        ));
    }
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let current = ft::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("financial type", id, "id"))?;
    let before = view(&current);
    let mut active: ft::ActiveModel = current.into();
    if let Some(n) = input.name.as_deref() {
        active.name = Set(Name::parse(n, "name")?.into_string());
    }
    if let Some(v) = input.is_deductible {
        active.is_deductible = Set(v);
    }
    if let Some(v) = input.sends_receipt {
        active.sends_receipt = Set(v);
    }
    if let Some(v) = input.is_active {
        active.is_active = Set(v);
    }
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    let actor = access::actor(viewer);
    let action = "financial_type.update";
    audit::record(
        &txn,
        &actor,
        action,
        "financial_type",
        id,
        Some(before),
        Some(view(&updated)),
        now,
    )
    .await?;
    txn.commit().await?;
    state.reference.invalidate();
    Ok(updated.into())
}
