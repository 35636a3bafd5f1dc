use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::db::entities::{contact, membership, membership_history as history, membership_type};
use crate::domain::membership::{HistoryEntry, Membership};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::access;
use crate::services::auth::Viewer;
use crate::services::custom_values::{self, CustomFieldFilter, Owner};
use crate::services::pagination::{Cursor, Page, PageArgs};
use crate::services::statuses::Statuses;
use crate::state::AppState;

/// One membership: staff, or the member it belongs to. A member asking for anything not theirs gets
/// FORBIDDEN whether or not it exists, so ids tell them nothing.
pub async fn get(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<Membership> {
    access::user(viewer)?;
    let found = super::get_in(&state.db, id).await;
    Ok(access::own_or_staff(viewer, found, |m| m.contact_id)?.into())
}

#[derive(Clone, Debug, Default)]
pub struct MembershipFilter {
    pub contact_id: Option<i64>,
    pub membership_type_ids: Vec<i64>,
    pub status_ids: Vec<i64>,
    pub end_date_from: Option<NaiveDate>,
    pub end_date_to: Option<NaiveDate>,
    /// Only memberships whose stored status is (true) or is not (false) a current one.
    pub is_current: Option<bool>,
    /// Answers to signup-form questions kept on the membership.
    pub custom_fields: Vec<CustomFieldFilter>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MembershipOrder {
    #[default]
    CreatedAsc,
    CreatedDesc,
    EndDateAsc,
    EndDateDesc,
}

impl MembershipOrder {
    fn key(self) -> &'static str {
        match self {
            MembershipOrder::CreatedAsc => "CREATED_AT_ASC",
            MembershipOrder::CreatedDesc => "CREATED_AT_DESC",
            MembershipOrder::EndDateAsc => "END_DATE_ASC",
            MembershipOrder::EndDateDesc => "END_DATE_DESC",
        }
    }
}

/// Lifetime memberships sort after every dated one.
const NO_END: &str = "9999-12-31";

/// Memberships of live contacts (the trash hides its contacts' memberships), one page at a time
/// (staff).
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    f: &MembershipFilter,
    order: MembershipOrder,
    page: PageArgs,
) -> AppResult<Page<Membership>> {
    access::require_role(viewer, Role::Staff)?;
    // "Not in the trash" rather than "in the live set": the trash is small (a partial index holds
    // it), so the page walks the membership index and the count needs no join over all contacts.
    let trashed = Query::select()
        .column(contact::Column::Id)
        .from(contact::Entity)
        .and_where(contact::Column::DeletedAt.is_not_null())
        .to_owned();
    let mut q =
        membership::Entity::find().filter(membership::Column::ContactId.not_in_subquery(trashed));
    if let Some(c) = f.contact_id {
        q = q.filter(membership::Column::ContactId.eq(c));
    }
    for sub in custom_values::matching(Owner::Membership, &f.custom_fields)? {
        q = q.filter(membership::Column::Id.in_subquery(sub));
    }
    if !f.membership_type_ids.is_empty() {
        q = q.filter(membership::Column::MembershipTypeId.is_in(f.membership_type_ids.clone()));
    }
    if !f.status_ids.is_empty() {
        q = q.filter(membership::Column::StatusId.is_in(f.status_ids.clone()));
    }
    if let Some(from) = f.end_date_from {
        q = q.filter(membership::Column::EndDate.gte(from));
    }
    if let Some(to) = f.end_date_to {
        q = q.filter(membership::Column::EndDate.lte(to));
    }
    if let Some(current) = f.is_current {
        let ids = Statuses::load(&state.db).await?.current_ids();
        q = if current {
            q.filter(membership::Column::StatusId.is_in(ids))
        } else {
            q.filter(membership::Column::StatusId.is_not_in(ids))
        };
    }
    let total = page.total(&q, &state.db).await?;
    let after = page
        .after
        .as_deref()
        .map(|a| Cursor::decode(a, order.key()))
        .transpose()?;
    let id = membership::Column::Id;
    let end_key = Expr::cust(format!("COALESCE(end_date, '{NO_END}')"));
    let q = match order {
        MembershipOrder::CreatedAsc => after
            .map_or(q.clone(), |c| q.clone().filter(id.gt(c.id)))
            .order_by_asc(id),
        MembershipOrder::CreatedDesc => after
            .map_or(q.clone(), |c| q.clone().filter(id.lt(c.id)))
            .order_by_desc(id),
        MembershipOrder::EndDateAsc | MembershipOrder::EndDateDesc => {
            let asc = order == MembershipOrder::EndDateAsc;
            let q = match after {
                Some(c) => {
                    let key = c.k.clone().unwrap_or_default();
                    NaiveDate::parse_from_str(&key, "%Y-%m-%d").map_err(|_| {
                        AppError::bad_input("after", "not a cursor returned by this list")
                    })?;
                    // The key is a validated date, safe to inline; it is compared as the same text or
                    // date type the column holds.
                    let cmp = if asc { ">" } else { "<" };
                    let tie = if asc { id.gt(c.id) } else { id.lt(c.id) };
                    q.filter(
                        Condition::any()
                            .add(Expr::cust(format!(
                                "COALESCE(end_date, '{NO_END}') {cmp} '{key}'"
                            )))
                            .add(
                                Condition::all()
                                    .add(Expr::cust(format!(
                                        "COALESCE(end_date, '{NO_END}') = '{key}'"
                                    )))
                                    .add(tie),
                            ),
                    )
                }
                None => q,
            };
            if asc {
                q.order_by(end_key, sea_orm::Order::Asc).order_by_asc(id)
            } else {
                q.order_by(end_key, sea_orm::Order::Desc).order_by_desc(id)
            }
        }
    };
    let rows = q.limit(page.first + 1).all(&state.db).await?;
    let by_end = matches!(
        order,
        MembershipOrder::EndDateAsc | MembershipOrder::EndDateDesc
    );
    let rows: Vec<Membership> = rows.into_iter().map(Membership::from).collect();
    Ok(Page::from_rows(rows, page.first, total, |m| Cursor {
        o: order.key().into(),
        k: by_end.then(|| {
            m.end_date
                .map_or(NO_END.to_string(), |d| d.format("%Y-%m-%d").to_string())
        }),
        id: m.id,
    }))
}

/// Every membership of the given contacts, oldest first (for `Contact.memberships`).
pub async fn for_contacts(state: &AppState, contact_ids: &[i64]) -> AppResult<Vec<Membership>> {
    Ok(membership::Entity::find()
        .filter(membership::Column::ContactId.is_in(contact_ids.to_vec()))
        .order_by_asc(membership::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(Membership::from)
        .collect())
}

/// History of several memberships in one query, each membership's entries oldest first.
pub async fn histories(state: &AppState, membership_ids: &[i64]) -> AppResult<Vec<HistoryEntry>> {
    Ok(history::Entity::find()
        .filter(history::Column::MembershipId.is_in(membership_ids.to_vec()))
        .order_by_asc(history::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(HistoryEntry::from)
        .collect())
}

/// The permissions a contact holds: the grants of the types of its memberships whose stored status is a
/// current one, sorted and without duplicates.
pub async fn permissions_of(state: &AppState, contact_id: i64) -> AppResult<Vec<String>> {
    let statuses = Statuses::load(&state.db).await?;
    let type_ids: Vec<i64> = membership::Entity::find()
        .filter(membership::Column::ContactId.eq(contact_id))
        .filter(membership::Column::StatusId.is_in(statuses.current_ids()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| m.membership_type_id)
        .collect();
    if type_ids.is_empty() {
        return Ok(Vec::new());
    }
    let types = membership_type::Entity::find()
        .filter(membership_type::Column::Id.is_in(type_ids))
        .all(&state.db)
        .await?;
    let mut grants: Vec<String> = types.into_iter().flat_map(|t| t.grants.0).collect();
    grants.sort();
    grants.dedup();
    Ok(grants)
}

/// Memberships by id (for nested fields; the caller checked access to what names them).
pub async fn load_many(state: &AppState, ids: &[i64]) -> AppResult<Vec<Membership>> {
    Ok(membership::Entity::find()
        .filter(membership::Column::Id.is_in(ids.to_vec()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(Membership::from)
        .collect())
}
