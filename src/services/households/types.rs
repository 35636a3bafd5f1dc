//! Relationship types: admin-defined, named from both sides ("Employer of" / "Employee of").

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::db::begin_write;
use crate::db::entities::relationship_type as row;
use crate::domain::household::RelationshipType;
use crate::domain::text::{Name, optional_text};
use crate::error::{AppError, AppResult};
use crate::services::{Actor, audit};
use crate::state::AppState;

/// A relationship type as entered.
pub struct TypeInput {
    pub name_a_to_b: String,
    pub name_b_to_a: Option<String>,
    pub description: Option<String>,
}

/// Creates a relationship type; a symmetric one ("Spouse of") may leave `name_b_to_a` out.
#[tracing::instrument(skip(state, input), fields(actor = %actor.label()))]
pub async fn create(
    state: &AppState,
    actor: &Actor,
    input: TypeInput,
) -> AppResult<RelationshipType> {
    let a_to_b = Name::parse(&input.name_a_to_b, "nameAToB")?.into_string();
    let b_to_a = match input.name_b_to_a.as_deref() {
        Some(n) if !n.trim().is_empty() => Name::parse(n, "nameBToA")?.into_string(),
        _ => a_to_b.clone(),
    };
    let description = optional_text(input.description.as_deref(), "description", 2000)?;
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let created = row::ActiveModel {
        name_a_to_b: Set(a_to_b),
        name_b_to_a: Set(b_to_a),
        description: Set(description),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let view =
        serde_json::json!({ "nameAToB": created.name_a_to_b, "nameBToA": created.name_b_to_a });
    audit::record(
        &txn,
        actor,
        "relationship_type.create",
        "relationship_type",
        created.id,
        None,
        Some(view),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created.into())
}

/// Every relationship type, active ones first, then by id.
pub async fn list<C: ConnectionTrait>(db: &C) -> AppResult<Vec<RelationshipType>> {
    Ok(row::Entity::find()
        .order_by_desc(row::Column::IsActive)
        .order_by_asc(row::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Relationship types by id (for DataLoaders and the fields that name them).
pub async fn load_many<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> AppResult<Vec<RelationshipType>> {
    Ok(row::Entity::find()
        .filter(row::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// An active relationship type; `field` names the input in the error.
pub async fn get_active<C: ConnectionTrait>(db: &C, id: i64, field: &str) -> AppResult<row::Model> {
    let found = row::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("relationship type", id, field))?;
    if !found.is_active {
        return Err(AppError::bad_input(
            field,
            format!("relationship type {id} is inactive"),
        ));
    }
    Ok(found)
}

/// Checks the relationship type ids a membership type inherits through: each must exist.
pub async fn check_ids<C: ConnectionTrait>(db: &C, ids: &[i64]) -> AppResult<Vec<i64>> {
    let mut out: Vec<i64> = Vec::new();
    for id in ids {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    if out.len() > 20 {
        return Err(AppError::bad_input(
            "inheritVia",
            "at most 20 relationship types",
        ));
    }
    let found = load_many(db, &out).await?;
    if let Some(missing) = out.iter().find(|id| !found.iter().any(|t| t.id == **id)) {
        return Err(AppError::not_found(
            "relationship type",
            missing,
            "inheritVia",
        ));
    }
    Ok(out)
}
