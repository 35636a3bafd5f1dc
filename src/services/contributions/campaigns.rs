//! Campaigns (appeals, fundraising drives): a goal, dates, and what they raised. Staff run them.

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::db::begin_write;
use crate::db::entities::campaign;
use crate::db::sql::Sql;
use crate::domain::contribution::{Campaign, positive_amount};
use crate::domain::dates::check_in_range;
use crate::domain::patch::Patch;
use crate::domain::role::Role;
use crate::domain::text::{Name, optional_text};
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
use crate::services::{access, audit};
use crate::state::AppState;

pub async fn get_in<C: ConnectionTrait>(
    db: &C,
    id: i64,
    field: &str,
) -> AppResult<campaign::Model> {
    campaign::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("campaign", id, field))
}

/// Campaigns, newest first, at most 500 (staff; members see the campaigns their own gifts name
/// through them).
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    include_inactive: bool,
) -> AppResult<Vec<Campaign>> {
    access::require_role(viewer, Role::Staff)?;
    let mut q = campaign::Entity::find();
    if !include_inactive {
        q = q.filter(campaign::Column::IsActive.eq(true));
    }
    Ok(q.order_by_desc(campaign::Column::Id)
        .limit(500)
        .all(&state.db)
        .await?
        .into_iter()
        .map(Campaign::from)
        .collect())
}

pub async fn get(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<Campaign> {
    access::require_role(viewer, Role::Staff)?;
    Ok(get_in(&state.db, id, "id").await?.into())
}

/// Campaigns by id (for nested fields; the caller has checked access to what names them).
pub async fn load_many(state: &AppState, ids: &[i64]) -> AppResult<Vec<Campaign>> {
    Ok(campaign::Entity::find()
        .filter(campaign::Column::Id.is_in(ids.to_vec()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(Campaign::from)
        .collect())
}

#[derive(Default)]
pub struct CampaignInput {
    pub name: Option<String>,
    pub description: Patch<String>,
    pub goal: Patch<String>,
    pub currency: Option<String>,
    pub start_date: Patch<NaiveDate>,
    pub end_date: Patch<NaiveDate>,
    pub is_active: Option<bool>,
}

fn view(m: &campaign::Model) -> serde_json::Value {
    serde_json::json!({
        "name": m.name, "goalMinor": m.goal_minor, "currency": m.currency,
        "startDate": m.start_date, "endDate": m.end_date, "isActive": m.is_active,
    })
}

/// Creates (`id` None) or changes a campaign (staff).
pub async fn save(
    state: &AppState,
    viewer: &Viewer,
    id: Option<i64>,
    input: CampaignInput,
) -> AppResult<Campaign> {
    access::require_role(viewer, Role::Staff)?;
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let current = match id {
        Some(id) => Some(get_in(&txn, id, "id").await?),
        None => None,
    };
    let before = current.as_ref().map(view);
    let name = match (&input.name, &current) {
        (Some(n), _) => Name::parse(n, "name")?.into_string(),
        (None, Some(c)) => c.name.clone(),
        (None, None) => return Err(AppError::bad_input("name", "must not be empty")),
    };
    let currency = super::currency_or_default(
        state,
        input
            .currency
            .as_deref()
            .or(current.as_ref().map(|c| c.currency.as_str())),
        "currency",
    )?;
    let goal = match &input.goal {
        Patch::Set(g) => Some(positive_amount(g, currency, "goal")?.minor()),
        Patch::Clear => None,
        Patch::Keep => current.as_ref().and_then(|c| c.goal_minor),
    };
    let start = input
        .start_date
        .apply(current.as_ref().and_then(|c| c.start_date));
    let end = input
        .end_date
        .apply(current.as_ref().and_then(|c| c.end_date));
    if let Some(s) = start {
        check_in_range(s, "startDate")?;
    }
    if let Some(e) = end {
        check_in_range(e, "endDate")?;
    }
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        return Err(AppError::bad_input(
            "endDate",
            "must not be before startDate",
        ));
    }
    let description = optional_text(
        input
            .description
            .apply(current.as_ref().and_then(|c| c.description.clone()))
            .as_deref(),
        "description",
        4000,
    )?;
    let taken = campaign::Entity::find()
        .filter(campaign::Column::Name.eq(name.clone()))
        .filter(campaign::Column::Id.ne(id.unwrap_or(0)))
        .one(&txn)
        .await?;
    if taken.is_some() {
        return Err(AppError::conflict(
            Some("name"),
            "a campaign with this name exists",
        ));
    }
    let mut active: campaign::ActiveModel = match current {
        Some(c) => c.into(),
        None => campaign::ActiveModel {
            created_at: Set(now),
            is_active: Set(true),
            ..Default::default()
        },
    };
    active.name = Set(name);
    active.description = Set(description);
    active.goal_minor = Set(goal);
    active.currency = Set(currency.code().to_string());
    active.start_date = Set(start);
    active.end_date = Set(end);
    if let Some(a) = input.is_active {
        active.is_active = Set(a);
    }
    active.updated_at = Set(now);
    let saved = match id {
        Some(_) => active.update(&txn).await?,
        None => active.insert(&txn).await?,
    };
    let actor = access::actor(viewer);
    let action = if id.is_some() {
        "campaign.update"
    } else {
        "campaign.create"
    };
    audit::record(
        &txn,
        &actor,
        action,
        "campaign",
        saved.id,
        before,
        Some(view(&saved)),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(saved.into())
}

/// What a campaign raised in its own currency: completed gifts net of refunds, each counted once
/// (soft credits are not added again).
#[derive(Clone, Debug, Default, PartialEq, Eq, FromQueryResult)]
pub struct Raised {
    pub total: i64,
    pub gifts: i64,
    pub donors: i64,
}

pub async fn raised(state: &AppState, c: &Campaign) -> AppResult<Raised> {
    let mut sql = Sql::new(state.db.get_database_backend());
    sql.push(
        "SELECT CAST(COALESCE(SUM(amount_minor - refunded_minor), 0) AS BIGINT) AS total, \
         COUNT(*) AS gifts, COUNT(DISTINCT contact_id) AS donors FROM contributions \
         WHERE campaign_id = ",
    )
    .bind(c.id)
    .push(" AND status = 'COMPLETED' AND currency = ")
    .bind(c.currency.clone());
    Ok(Raised::find_by_statement(sql.statement())
        .one(&state.db)
        .await?
        .unwrap_or_default())
}
