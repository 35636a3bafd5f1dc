//! Recording contributions, and what completing one does. One transaction each.

use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::{audit_view, currency_or_default};
use crate::db::begin_write;
use crate::db::entities::{
    contribution, contribution_membership as link, contribution_soft_credit,
};
use crate::domain::contribution::{
    Contribution, ContributionStatus, PaymentInstrument, SoftCreditKind, TributeKind,
    positive_amount,
};
use crate::domain::dates::check_in_range;
use crate::domain::membership::MAX_TERMS;
use crate::domain::money::Money;
use crate::domain::text::{Name, optional_text};
use crate::error::{AppError, AppResult};
use crate::services::{Actor, audit, contacts, memberships};
use crate::state::AppState;

/// Most memberships one payment may pay for, and most contacts it may soft-credit.
pub const MAX_LINKS: usize = 50;

pub struct NewSoftCredit {
    pub contact_id: i64,
    pub kind: SoftCreditKind,
    /// Defaults to the whole amount.
    pub amount: Option<String>,
}

pub struct NewTribute {
    pub kind: TributeKind,
    pub name: String,
    pub contact_id: Option<i64>,
    pub notify_contact_id: Option<i64>,
}

pub struct NewContribution {
    pub contact_id: i64,
    pub financial_type: String,
    pub amount: String,
    pub currency: Option<String>,
    pub received_date: Option<NaiveDate>,
    pub status: Option<ContributionStatus>,
    pub payment_instrument: Option<PaymentInstrument>,
    pub transaction_id: Option<String>,
    pub source: Option<String>,
    pub note: Option<String>,
    pub campaign_id: Option<i64>,
    pub check_number: Option<String>,
    /// Memberships paid for, each with its number of terms.
    pub memberships: Vec<(i64, u32)>,
    pub soft_credits: Vec<NewSoftCredit>,
    pub tribute: Option<NewTribute>,
    /// Set by the recurring-gifts job: the gift and the due date this pays.
    pub recurring: Option<(i64, NaiveDate)>,
}

#[tracing::instrument(skip(state, input), fields(actor = %actor.label(), contact = input.contact_id))]
pub async fn record(
    state: &AppState,
    actor: &Actor,
    input: NewContribution,
) -> AppResult<Contribution> {
    let txn = begin_write(&state.db).await?;
    let created = record_in(state, &txn, actor, input).await?;
    txn.commit().await?;
    Ok(created)
}

/// A transaction id not used by another contribution (the unique index settles races; this names
/// the field).
pub(super) async fn check_transaction_id<C: ConnectionTrait>(
    db: &C,
    trxn: &Option<String>,
    except: i64,
) -> AppResult<()> {
    if let Some(t) = trxn {
        let taken = contribution::Entity::find()
            .filter(contribution::Column::TransactionId.eq(t.clone()))
            .filter(contribution::Column::Id.ne(except))
            .one(db)
            .await?;
        if taken.is_some() {
            return Err(AppError::conflict(
                Some("transactionId"),
                "another contribution has this transaction id",
            ));
        }
    }
    Ok(())
}

/// Records a contribution inside the caller's transaction (sign-up, imports and the recurring job
/// reuse it). When it is recorded as COMPLETED, what it pays for happens now.
pub async fn record_in<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    actor: &Actor,
    input: NewContribution,
) -> AppResult<Contribution> {
    let now = state.clock.now();
    let contact = contacts::get_live_in(db, input.contact_id, "contactId").await?;
    let ftype =
        super::financial_types::by_key_in(db, &input.financial_type, "financialType", true).await?;
    let currency = currency_or_default(state, input.currency.as_deref(), "currency")?;
    let amount = positive_amount(&input.amount, currency, "amount")?;
    let received = check_in_range(
        input.received_date.unwrap_or_else(|| state.clock.today()),
        "receivedDate",
    )?;
    let status = input.status.unwrap_or(ContributionStatus::Completed);
    if !matches!(
        status,
        ContributionStatus::Pending | ContributionStatus::Completed | ContributionStatus::Failed
    ) {
        return Err(AppError::bad_input(
            "status",
            "a new contribution is PENDING, COMPLETED or FAILED (refund or cancel it afterwards)",
        ));
    }
    let trxn = optional_text(input.transaction_id.as_deref(), "transactionId", 255)?;
    check_transaction_id(db, &trxn, 0).await?;
    if let Some(c) = input.campaign_id {
        super::campaigns::get_in(db, c, "campaignId").await?;
    }
    let tribute = match input.tribute {
        Some(t) => Some(check_tribute(db, t).await?),
        None => None,
    };
    if input.memberships.len() > MAX_LINKS || input.soft_credits.len() > MAX_LINKS {
        return Err(AppError::bad_input(
            "membershipIds",
            format!(
                "at most {MAX_LINKS} memberships and {MAX_LINKS} soft credits per contribution"
            ),
        ));
    }
    let (recurring_gift_id, due_date) = input.recurring.unzip();
    let label = actor.label();
    let created = contribution::ActiveModel {
        contact_id: Set(contact.id),
        financial_type_id: Set(ftype.id),
        amount_minor: Set(amount.minor()),
        currency: Set(currency.code().to_string()),
        received_date: Set(received),
        status: Set(status),
        payment_instrument: Set(input.payment_instrument),
        transaction_id: Set(trxn),
        source: Set(optional_text(input.source.as_deref(), "source", 200)?),
        note: Set(optional_text(input.note.as_deref(), "note", 4000)?),
        campaign_id: Set(input.campaign_id),
        check_number: Set(optional_text(
            input.check_number.as_deref(),
            "checkNumber",
            64,
        )?),
        refunded_minor: Set(0),
        recurring_gift_id: Set(recurring_gift_id),
        due_date: Set(due_date),
        tribute_kind: Set(tribute.as_ref().map(|t| t.kind)),
        tribute_name: Set(tribute.as_ref().map(|t| t.name.clone())),
        tribute_contact_id: Set(tribute.as_ref().and_then(|t| t.contact_id)),
        notify_contact_id: Set(tribute.as_ref().and_then(|t| t.notify_contact_id)),
        created_by: Set(label.clone()),
        updated_by: Set(label),
        created_at: Set(now),
        updated_at: Set(now),
        completed_at: Set((status == ContributionStatus::Completed).then_some(now)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    link_memberships(db, created.id, &input.memberships).await?;
    add_soft_credits(db, &created, amount, input.soft_credits).await?;
    let action = "contribution.record";
    audit::record(
        db,
        actor,
        action,
        "contribution",
        created.id,
        None,
        Some(audit_view(&created)),
        now,
    )
    .await?;
    if status == ContributionStatus::Completed {
        on_completed(state, db, actor, &created).await?;
    }
    Ok(created.into())
}

async fn check_tribute<C: ConnectionTrait>(db: &C, t: NewTribute) -> AppResult<NewTribute> {
    let name = Name::parse(&t.name, "tribute.name")?.into_string();
    for (id, field) in [
        (t.contact_id, "tribute.contactId"),
        (t.notify_contact_id, "tribute.notifyContactId"),
    ] {
        if let Some(id) = id {
            contacts::get_live_in(db, id, field).await?;
        }
    }
    Ok(NewTribute { name, ..t })
}

async fn link_memberships<C: ConnectionTrait>(
    db: &C,
    contribution_id: i64,
    items: &[(i64, u32)],
) -> AppResult<()> {
    for (i, (membership_id, terms)) in items.iter().enumerate() {
        if items[..i].iter().any(|(m, _)| m == membership_id) {
            return Err(AppError::bad_input(
                "membershipIds",
                "a membership is named twice",
            ));
        }
        if *terms == 0 || *terms > MAX_TERMS {
            return Err(AppError::bad_input(
                "terms",
                format!("must be between 1 and {MAX_TERMS}"),
            ));
        }
        memberships::get_in(db, *membership_id)
            .await
            .map_err(|_| AppError::not_found("membership", membership_id, "membershipIds"))?;
        link::ActiveModel {
            contribution_id: Set(contribution_id),
            membership_id: Set(*membership_id),
            terms: Set(*terms as i32),
            applied_at: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

async fn add_soft_credits<C: ConnectionTrait>(
    db: &C,
    c: &contribution::Model,
    amount: Money,
    items: Vec<NewSoftCredit>,
) -> AppResult<()> {
    let mut seen = Vec::new();
    for s in items {
        if s.contact_id == c.contact_id || seen.contains(&s.contact_id) {
            return Err(AppError::bad_input(
                "softCredits",
                "each soft credit names another contact than the donor, once",
            ));
        }
        seen.push(s.contact_id);
        contacts::get_live_in(db, s.contact_id, "softCredits.contactId").await?;
        let credited = match s.amount.as_deref() {
            Some(raw) => positive_amount(raw, amount.currency(), "softCredits.amount")?.minor(),
            None => amount.minor(),
        };
        if credited > amount.minor() {
            return Err(AppError::bad_input(
                "softCredits.amount",
                "must not be more than the contribution",
            ));
        }
        contribution_soft_credit::ActiveModel {
            contribution_id: Set(c.id),
            contact_id: Set(s.contact_id),
            amount_minor: Set(credited),
            kind: Set(s.kind),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// What completing a contribution does, once: the memberships it pays for are activated or
/// extended (each link applied by a conditional update, so never twice) and the receipt queued
/// (under a dedupe key).
pub(super) async fn on_completed<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    actor: &Actor,
    c: &contribution::Model,
) -> AppResult<()> {
    let now = state.clock.now();
    let links = link::Entity::find()
        .filter(link::Column::ContributionId.eq(c.id))
        .filter(link::Column::AppliedAt.is_null())
        .all(db)
        .await?;
    for l in links {
        let claimed = link::Entity::update_many()
            .col_expr(link::Column::AppliedAt, Expr::value(now))
            .filter(link::Column::Id.eq(l.id))
            .filter(link::Column::AppliedAt.is_null())
            .exec(db)
            .await?
            .rows_affected;
        if claimed == 1 {
            let terms = u32::try_from(l.terms).unwrap_or(1);
            memberships::apply_payment_in(
                state,
                db,
                actor,
                l.membership_id,
                c.received_date,
                terms,
            )
            .await?;
        }
    }
    // An event fee confirms the registration it pays for (once: a conditional status update).
    crate::services::events::payments::on_completed(state, db, actor, c).await?;
    super::receipts::queue_receipt(state, db, c).await?;
    super::receipts::queue_tribute_notice(state, db, c).await
}
