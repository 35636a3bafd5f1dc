//! Reading contributions: one (staff or the donor), a filtered page (staff), a contact's giving, and
//! the rows nested fields show (memberships paid, soft credits, refunds), each in one statement.

use chrono::NaiveDate;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::db::entities::{
    contact, contribution, contribution_membership as link, contribution_refund,
    contribution_soft_credit as soft,
};
use crate::db::sql::Sql;
use crate::domain::contribution::{
    Contribution, ContributionStatus, PaidMembership, Refund, SoftCredit,
};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::access;
use crate::services::auth::Viewer;
use crate::services::pagination::{Cursor, Page, PageArgs};
use crate::state::AppState;

/// One contribution: staff, or the donor. A member asking for anything not theirs gets FORBIDDEN
/// whether or not it exists.
pub async fn get(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<Contribution> {
    access::user(viewer)?;
    let found = super::get_in(&state.db, id).await;
    Ok(access::own_or_staff(viewer, found, |c| c.contact_id)?.into())
}

#[derive(Clone, Debug, Default)]
pub struct ContributionFilter {
    pub contact_id: Option<i64>,
    pub statuses: Vec<ContributionStatus>,
    pub financial_type: Option<String>,
    pub campaign_id: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub currency: Option<String>,
    pub amount_min: Option<String>,
    pub amount_max: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ContributionOrder {
    #[default]
    ReceivedDesc,
    ReceivedAsc,
    AmountDesc,
    AmountAsc,
    CreatedDesc,
    CreatedAsc,
}

impl ContributionOrder {
    fn key(self) -> &'static str {
        match self {
            ContributionOrder::ReceivedDesc => "RECEIVED_DATE_DESC",
            ContributionOrder::ReceivedAsc => "RECEIVED_DATE_ASC",
            ContributionOrder::AmountDesc => "AMOUNT_DESC",
            ContributionOrder::AmountAsc => "AMOUNT_ASC",
            ContributionOrder::CreatedDesc => "CREATED_AT_DESC",
            ContributionOrder::CreatedAsc => "CREATED_AT_ASC",
        }
    }

    fn ascending(self) -> bool {
        matches!(
            self,
            ContributionOrder::ReceivedAsc
                | ContributionOrder::AmountAsc
                | ContributionOrder::CreatedAsc
        )
    }
}

/// Contributions of contacts not in the trash, one page at a time (staff).
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    f: &ContributionFilter,
    order: ContributionOrder,
    page: PageArgs,
) -> AppResult<Page<Contribution>> {
    access::require_role(viewer, Role::Staff)?;
    let trashed = Query::select()
        .column(contact::Column::Id)
        .from(contact::Entity)
        .and_where(contact::Column::DeletedAt.is_not_null())
        .to_owned();
    let mut q = contribution::Entity::find()
        .filter(contribution::Column::ContactId.not_in_subquery(trashed));
    if let Some(c) = f.contact_id {
        q = q.filter(contribution::Column::ContactId.eq(c));
    }
    if !f.statuses.is_empty() {
        q = q.filter(contribution::Column::Status.is_in(f.statuses.clone()));
    }
    if let Some(key) = &f.financial_type {
        let t = super::financial_types::by_key_in(&state.db, key, "filter.financialType", false)
            .await?;
        q = q.filter(contribution::Column::FinancialTypeId.eq(t.id));
    }
    if let Some(c) = f.campaign_id {
        q = q.filter(contribution::Column::CampaignId.eq(c));
    }
    if let Some(d) = f.from {
        q = q.filter(contribution::Column::ReceivedDate.gte(d));
    }
    if let Some(d) = f.to {
        q = q.filter(contribution::Column::ReceivedDate.lte(d));
    }
    let currency = super::currency_or_default(state, f.currency.as_deref(), "filter.currency")?;
    if f.currency.is_some() {
        q = q.filter(contribution::Column::Currency.eq(currency.code()));
    }
    let bound = |raw: &Option<String>, field: &str| -> AppResult<Option<i64>> {
        raw.as_deref()
            .map(|r| {
                crate::domain::money::Money::parse(r, currency, field, false).map(|m| m.minor())
            })
            .transpose()
            .map_err(Into::into)
    };
    if let Some(min) = bound(&f.amount_min, "filter.amountMin")? {
        q = q.filter(contribution::Column::AmountMinor.gte(min));
    }
    if let Some(max) = bound(&f.amount_max, "filter.amountMax")? {
        q = q.filter(contribution::Column::AmountMinor.lte(max));
    }
    let total = page.total(&q, &state.db).await?;
    let after = page
        .after
        .as_deref()
        .map(|a| Cursor::decode(a, order.key()))
        .transpose()?;
    let asc = order.ascending();
    let id = contribution::Column::Id;
    let key_col = match order {
        ContributionOrder::ReceivedAsc | ContributionOrder::ReceivedDesc => {
            Some(contribution::Column::ReceivedDate)
        }
        ContributionOrder::AmountAsc | ContributionOrder::AmountDesc => {
            Some(contribution::Column::AmountMinor)
        }
        _ => None,
    };
    let bad_cursor = || AppError::bad_input("after", "not a cursor returned by this list");
    if let Some(c) = &after {
        let tie = if asc { id.gt(c.id) } else { id.lt(c.id) };
        q = match key_col {
            None => q.filter(tie),
            Some(col) => {
                let raw = c.k.clone().ok_or_else(bad_cursor)?;
                let by_amount = matches!(
                    order,
                    ContributionOrder::AmountAsc | ContributionOrder::AmountDesc
                );
                let value: sea_orm::Value = if by_amount {
                    raw.parse::<i64>().map_err(|_| bad_cursor())?.into()
                } else {
                    NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
                        .map_err(|_| bad_cursor())?
                        .into()
                };
                let beyond = if asc {
                    col.gt(value.clone())
                } else {
                    col.lt(value.clone())
                };
                q.filter(
                    Condition::any()
                        .add(beyond)
                        .add(Condition::all().add(col.eq(value)).add(tie)),
                )
            }
        };
    }
    let direction = if asc {
        sea_orm::Order::Asc
    } else {
        sea_orm::Order::Desc
    };
    if let Some(col) = key_col {
        q = q.order_by(col, direction.clone());
    }
    let rows = q
        .order_by(id, direction)
        .limit(page.first + 1)
        .all(&state.db)
        .await?;
    let rows: Vec<Contribution> = rows.into_iter().map(Contribution::from).collect();
    Ok(Page::from_rows(rows, page.first, total, |c| Cursor {
        o: order.key().into(),
        k: match order {
            ContributionOrder::ReceivedAsc | ContributionOrder::ReceivedDesc => {
                Some(c.received_date.format("%Y-%m-%d").to_string())
            }
            ContributionOrder::AmountAsc | ContributionOrder::AmountDesc => {
                Some(c.amount_minor.to_string())
            }
            _ => None,
        },
        id: c.id,
    }))
}

/// The newest `limit` contributions of each contact (for `Contact.contributions`), in one
/// statement: a window over the `(contact_id, received_date, id)` index.
pub async fn for_contacts(
    state: &AppState,
    contact_ids: &[i64],
    limit: u64,
) -> AppResult<Vec<Contribution>> {
    if contact_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(state.db.get_database_backend());
    sql.push(
        "SELECT * FROM (SELECT contributions.*, ROW_NUMBER() OVER (PARTITION BY contact_id \
         ORDER BY received_date DESC, id DESC) AS rn FROM contributions WHERE contact_id IN ",
    )
    .bind_list(contact_ids.iter().copied())
    .push(") ranked WHERE rn <= ")
    .bind(limit as i64)
    .push(" ORDER BY contact_id, received_date DESC, id DESC");
    Ok(contribution::Entity::find()
        .from_raw_sql(sql.statement())
        .all(&state.db)
        .await?
        .into_iter()
        .map(Contribution::from)
        .collect())
}

/// The memberships paid by these contributions.
pub async fn paid_memberships(state: &AppState, ids: &[i64]) -> AppResult<Vec<PaidMembership>> {
    Ok(link::Entity::find()
        .filter(link::Column::ContributionId.is_in(ids.to_vec()))
        .order_by_asc(link::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(PaidMembership::from)
        .collect())
}

/// Soft credits of these contributions.
pub async fn soft_credits_of(state: &AppState, ids: &[i64]) -> AppResult<Vec<SoftCredit>> {
    Ok(soft::Entity::find()
        .filter(soft::Column::ContributionId.is_in(ids.to_vec()))
        .order_by_asc(soft::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(SoftCredit::from)
        .collect())
}

/// Refunds of these contributions, oldest first.
pub async fn refunds_of(state: &AppState, ids: &[i64]) -> AppResult<Vec<Refund>> {
    Ok(contribution_refund::Entity::find()
        .filter(contribution_refund::Column::ContributionId.is_in(ids.to_vec()))
        .order_by_asc(contribution_refund::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(Refund::from)
        .collect())
}

/// Most soft credits and tribute gifts shown per contact (newest first).
pub const MAX_PER_CONTACT: usize = 200;

/// Gifts crediting these contacts (a household, an employer matching, a peer fundraiser): each soft
/// credit with the gift it credits, newest first, at most [`MAX_PER_CONTACT`] each — two statements
/// for the batch (for `Contact.softCredits`; the caller checked access).
pub async fn soft_credits_to_contacts(
    state: &AppState,
    contact_ids: &[i64],
) -> AppResult<Vec<(SoftCredit, Contribution)>> {
    let credits = soft::Entity::find()
        .filter(soft::Column::ContactId.is_in(contact_ids.to_vec()))
        .order_by_desc(soft::Column::ContributionId)
        .limit((MAX_PER_CONTACT * contact_ids.len()) as u64)
        .all(&state.db)
        .await?;
    let ids: Vec<i64> = credits.iter().map(|s| s.contribution_id).collect();
    let gifts: std::collections::HashMap<i64, Contribution> = contribution::Entity::find()
        .filter(contribution::Column::Id.is_in(ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|c| (c.id, Contribution::from(c)))
        .collect();
    Ok(credits
        .into_iter()
        .filter_map(|s| {
            let gift = gifts.get(&s.contribution_id)?.clone();
            Some((SoftCredit::from(s), gift))
        })
        .collect())
}

/// Gifts made in honour or memory of these contacts, newest first (for `Contact.tributeGifts`; the
/// caller checked access).
pub async fn tributes_to_contacts(
    state: &AppState,
    contact_ids: &[i64],
) -> AppResult<Vec<Contribution>> {
    Ok(contribution::Entity::find()
        .filter(contribution::Column::TributeContactId.is_in(contact_ids.to_vec()))
        .order_by_desc(contribution::Column::Id)
        .limit((MAX_PER_CONTACT * contact_ids.len()) as u64)
        .all(&state.db)
        .await?
        .into_iter()
        .map(Contribution::from)
        .collect())
}

/// Runs `f` for the rows of a batch keyed by contact (loaders share this shape).
pub fn group_by<K: std::hash::Hash + Eq + Copy, T>(
    keys: &[K],
    rows: Vec<T>,
    key_of: impl Fn(&T) -> K,
) -> std::collections::HashMap<K, Vec<T>> {
    let mut out: std::collections::HashMap<K, Vec<T>> =
        keys.iter().map(|k| (*k, Vec::new())).collect();
    for r in rows {
        out.entry(key_of(&r)).or_default().push(r);
    }
    out
}
