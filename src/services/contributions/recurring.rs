//! Recurring gifts: a donor gives an amount every month, quarter or year. The `recurring-gifts` job
//! creates each due period's contribution (PENDING until a payment provider or staff completes it)
//! exactly once: the contribution carries the gift and the due date under a unique constraint, and
//! the gift's `next_due_date` advances in the same transaction. Missed periods are caught up.

use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::db::begin_write;
use crate::db::entities::{contribution, recurring_gift as gift};
use crate::domain::contribution::{
    ContributionStatus, Frequency, PaymentInstrument, RecurringGift, RecurringStatus, due_dates,
    next_due_after, positive_amount,
};
use crate::domain::dates::check_in_range;
use crate::domain::money::Money;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
use crate::services::{Actor, access, audit, contacts};
use crate::state::AppState;

/// Periods one run creates per gift at most (a longer outage catches up over further runs).
const CATCH_UP: usize = 36;
/// Gifts per batch of the job.
const BATCH: u64 = 200;

pub struct NewRecurringGift {
    pub contact_id: i64,
    pub amount: String,
    pub currency: Option<String>,
    pub financial_type: Option<String>,
    pub frequency: Frequency,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub campaign_id: Option<i64>,
    pub payment_instrument: Option<PaymentInstrument>,
}

fn view(g: &gift::Model) -> serde_json::Value {
    serde_json::json!({
        "contactId": g.contact_id, "amountMinor": g.amount_minor, "currency": g.currency,
        "frequency": g.frequency.as_str(), "startDate": g.start_date, "endDate": g.end_date,
        "nextDueDate": g.next_due_date, "status": g.status.as_str(),
    })
}

/// Sets up a recurring gift (staff).
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    input: NewRecurringGift,
) -> AppResult<RecurringGift> {
    access::require_role(viewer, Role::Staff)?;
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let contact = contacts::get_live_in(&txn, input.contact_id, "contactId").await?;
    let key = input.financial_type.as_deref().unwrap_or("DONATION");
    let t = super::financial_types::by_key_in(&txn, key, "financialType", true).await?;
    let currency = super::currency_or_default(state, input.currency.as_deref(), "currency")?;
    let amount = positive_amount(&input.amount, currency, "amount")?;
    let start = check_in_range(
        input.start_date.unwrap_or_else(|| state.clock.today()),
        "startDate",
    )?;
    if let Some(end) = input.end_date {
        check_in_range(end, "endDate")?;
        if end < start {
            return Err(AppError::bad_input(
                "endDate",
                "must not be before startDate",
            ));
        }
    }
    if let Some(c) = input.campaign_id {
        super::campaigns::get_in(&txn, c, "campaignId").await?;
    }
    let created = gift::ActiveModel {
        contact_id: Set(contact.id),
        financial_type_id: Set(t.id),
        campaign_id: Set(input.campaign_id),
        amount_minor: Set(amount.minor()),
        currency: Set(currency.code().to_string()),
        frequency: Set(input.frequency),
        start_date: Set(start),
        end_date: Set(input.end_date),
        next_due_date: Set(start),
        status: Set(RecurringStatus::Active),
        payment_instrument: Set(input.payment_instrument),
        created_by: Set(access::actor(viewer).label()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let actor = access::actor(viewer);
    audit::record(
        &txn,
        &actor,
        "recurring_gift.create",
        "recurring_gift",
        created.id,
        None,
        Some(view(&created)),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created.into())
}

pub async fn get_in<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<gift::Model> {
    gift::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("recurring gift", id, "id"))
}

/// One gift: staff, or the donor (FORBIDDEN for anyone else, whether or not it exists).
pub async fn get(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<RecurringGift> {
    access::user(viewer)?;
    let found = get_in(&state.db, id).await;
    Ok(access::own_or_staff(viewer, found, |g| g.contact_id)?.into())
}

/// Recurring gifts, newest first: all (staff) or of one contact (staff, or that member).
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    contact_id: Option<i64>,
    status: Option<RecurringStatus>,
) -> AppResult<Vec<RecurringGift>> {
    match contact_id {
        Some(c) => access::require_self_or_staff(viewer, c)?,
        None => access::require_role(viewer, Role::Staff)?,
    };
    let mut q = gift::Entity::find();
    if let Some(c) = contact_id {
        q = q.filter(gift::Column::ContactId.eq(c));
    }
    if let Some(s) = status {
        q = q.filter(gift::Column::Status.eq(s));
    }
    Ok(q.order_by_desc(gift::Column::Id)
        .limit(500)
        .all(&state.db)
        .await?
        .into_iter()
        .map(RecurringGift::from)
        .collect())
}

/// Recurring gifts of these contacts, newest first (for `Contact.recurringGifts`; the caller
/// checked access).
pub async fn for_contacts(state: &AppState, contact_ids: &[i64]) -> AppResult<Vec<RecurringGift>> {
    Ok(gift::Entity::find()
        .filter(gift::Column::ContactId.is_in(contact_ids.to_vec()))
        .order_by_desc(gift::Column::Id)
        .limit(100 * contact_ids.len() as u64)
        .all(&state.db)
        .await?
        .into_iter()
        .map(RecurringGift::from)
        .collect())
}

/// What a donor or staff member does to a gift.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GiftAction {
    Pause,
    Resume,
    Cancel,
}

/// Pauses, resumes or cancels a gift: staff, or the donor for their own. Resuming starts again
/// from the next due date on or after today; periods missed while paused are not charged.
pub async fn act(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    action: GiftAction,
) -> AppResult<RecurringGift> {
    let now = state.clock.now();
    let today = state.clock.today();
    let txn = begin_write(&state.db).await?;
    access::user(viewer)?;
    let current = access::own_or_staff(viewer, get_in(&txn, id).await, |g| g.contact_id)?;
    use RecurringStatus::*;
    let (verb, audit_action) = match action {
        GiftAction::Pause => ("paused", "recurring_gift.pause"),
        GiftAction::Resume => ("resumed", "recurring_gift.resume"),
        GiftAction::Cancel => ("cancelled", "recurring_gift.cancel"),
    };
    let (to, next) = match (action, current.status) {
        (GiftAction::Pause, Active) => (Paused, current.next_due_date),
        (GiftAction::Resume, Paused) => {
            let mut next = current.next_due_date;
            if next < today {
                next = next_due_after(
                    current.frequency,
                    current.start_date,
                    today.pred_opt().unwrap_or(today),
                );
            }
            (Active, next)
        }
        (GiftAction::Cancel, Active | Paused) => (Cancelled, current.next_due_date),
        (_, s) => {
            return Err(AppError::conflict(
                None,
                format!(
                    "this recurring gift is {}; it cannot be {verb}",
                    s.as_str().to_lowercase()
                ),
            ));
        }
    };
    let before = view(&current);
    let mut active: gift::ActiveModel = current.into();
    active.status = Set(to);
    active.next_due_date = Set(next);
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    let actor = access::actor(viewer);
    audit::record(
        &txn,
        &actor,
        audit_action,
        "recurring_gift",
        id,
        Some(before),
        Some(view(&updated)),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated.into())
}

/// What one run of the job did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunTally {
    pub gifts: i64,
    pub created: i64,
    pub completed_gifts: i64,
}

/// Creates every contribution due on or before `as_of` for active gifts. Each gift is one
/// transaction: its contributions and its advanced `next_due_date` land together or not at all.
/// Safe to run twice, concurrently, or on two replicas.
pub async fn run_due(state: &AppState, as_of: NaiveDate) -> AppResult<RunTally> {
    let mut tally = RunTally::default();
    let mut after = 0i64;
    loop {
        let gifts = gift::Entity::find()
            .filter(gift::Column::Status.eq(RecurringStatus::Active))
            .filter(gift::Column::NextDueDate.lte(as_of))
            .filter(gift::Column::Id.gt(after))
            .order_by_asc(gift::Column::Id)
            .limit(BATCH)
            .all(&state.db)
            .await?;
        let Some(last) = gifts.last() else {
            return Ok(tally);
        };
        after = last.id;
        for g in gifts {
            tally.gifts += 1;
            let (created, finished) = run_gift(state, g, as_of).await?;
            tally.created += created;
            tally.completed_gifts += i64::from(finished);
        }
    }
}

async fn run_gift(state: &AppState, g: gift::Model, as_of: NaiveDate) -> AppResult<(i64, bool)> {
    let actor = Actor::Job("recurring-gifts");
    let txn = begin_write(&state.db).await?;
    let dates = due_dates(
        g.frequency,
        g.start_date,
        g.next_due_date,
        g.end_date,
        as_of,
        CATCH_UP,
    );
    let key = crate::db::entities::financial_type::Entity::find_by_id(g.financial_type_id)
        .one(&txn)
        .await?
        .map(|t| t.key)
        .ok_or_else(|| AppError::internal(format!("recurring gift {} has no type", g.id)))?;
    let currency = crate::domain::money::Currency::parse(&g.currency, "currency")?;
    let mut created = 0;
    for due in &dates {
        let exists = contribution::Entity::find()
            .filter(contribution::Column::RecurringGiftId.eq(g.id))
            .filter(contribution::Column::DueDate.eq(*due))
            .one(&txn)
            .await?
            .is_some();
        if exists {
            continue;
        }
        let input = super::NewContribution {
            contact_id: g.contact_id,
            financial_type: key.clone(),
            amount: Money::from_minor(g.amount_minor, currency).to_decimal_string(),
            currency: Some(g.currency.clone()),
            received_date: Some(*due),
            status: Some(ContributionStatus::Pending),
            payment_instrument: g.payment_instrument,
            transaction_id: None,
            source: Some(format!("recurring gift {}", g.id)),
            note: None,
            campaign_id: g.campaign_id,
            check_number: None,
            memberships: Vec::new(),
            soft_credits: Vec::new(),
            tribute: None,
            recurring: Some((g.id, *due)),
        };
        match super::record_in(state, &txn, &actor, input).await {
            Ok(_) => created += 1,
            // Another replica created it between the check and the insert: it exists once.
            Err(AppError::Conflict { field: None, .. }) => return Ok((0, false)),
            Err(e) => return Err(e),
        }
    }
    let last = dates.last().copied().unwrap_or(g.next_due_date);
    let next = if dates.is_empty() {
        g.next_due_date
    } else {
        next_due_after(g.frequency, g.start_date, last)
    };
    let finished = g.end_date.is_some_and(|e| next > e);
    let mut advance = gift::Entity::update_many()
        .col_expr(gift::Column::NextDueDate, Expr::value(next))
        .col_expr(gift::Column::UpdatedAt, Expr::value(state.clock.now()));
    if finished {
        advance = advance.col_expr(
            gift::Column::Status,
            Expr::value(RecurringStatus::Completed),
        );
    }
    advance
        .filter(gift::Column::Id.eq(g.id))
        .filter(gift::Column::NextDueDate.eq(g.next_due_date))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok((created, finished))
}
