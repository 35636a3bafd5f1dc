//! Automatic renewal and failed-payment follow-up (dunning).
//!
//! The `auto-renew` job, for each membership whose member opted in (and whose type allows it) and
//! whose end date falls within `payments.auto_renew_days_before` days:
//! 1. creates the renewal's PENDING dues contribution — once: under the membership's row lock, an
//!    awaited renewal payment is reused, and a renewed membership's end date has left the window;
//! 2. charges the member's saved card off-session: the attempt row is claimed first (unique per
//!    contribution and attempt number) and the provider call carries `tessera-charge-<id>-<n>` as
//!    its idempotency key, so a re-run, a crash mid-call or a second replica sends the same request
//!    again instead of a second charge. Without a saved card (or offline) it emails how to pay.
//! 3. A failed charge (`record_failure`) emails the member (`payment-failed`), and is tried again
//!    after each of `payments.retry_days`; after the last, the contribution is FAILED, the member is
//!    told it was the last try, and the membership is left to its status rules (Grace, then
//!    Expired). Staff see every such message in the outbox list (`templateKey: "payment-failed"`)
//!    and the audit log (`payment.abandoned`).

use chrono::{Duration, NaiveDate};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::{CHARGE, FAILED, OPEN, SUCCEEDED};
use crate::db::begin_write;
use crate::db::entities::{
    contribution, contribution_membership as link, membership, membership_auto_renew as opted,
    payment, payment_method,
};
use crate::domain::contribution::ContributionStatus;
use crate::domain::membership::price::{Purpose, quote};
use crate::domain::membership::{AutoRenew, Membership, MembershipType};
use crate::domain::money::{Currency, Money, format_minor};
use crate::error::{AppError, AppResult, is_unique_violation};
use crate::payments::{ChargeOutcome, ChargeRequest};
use crate::services::auth::Viewer;
use crate::services::contributions::{self, NewContribution};
use crate::services::statuses::{CANCELLED, DECEASED, PENDING, Statuses};
use crate::services::{Actor, access, audit, membership_types, memberships};
use crate::state::AppState;

pub const FAILED_TEMPLATE: &str = "payment-failed";
const ACTOR: Actor = Actor::Job("auto-renew");
/// An attempt whose provider call never finished (a crash, a timeout) is sent again after this.
const STUCK_MINUTES: i64 = 10;
/// Most memberships one run renews (the next run takes the rest).
const BATCH: u64 = 500;

/// What one run did.
#[derive(Debug, Default)]
pub struct Tally {
    pub memberships: u64,
    pub contributions_created: u64,
    pub charged: u64,
    pub failed: u64,
    pub emailed: u64,
}

/// Turns automatic renewal on or off for a membership (its member, or staff).
pub async fn set_auto_renew(
    state: &AppState,
    viewer: &Viewer,
    membership_id: i64,
    enabled: bool,
) -> AppResult<Membership> {
    let found = memberships::get_in(&state.db, membership_id).await;
    let m = access::own_or_staff(viewer, found, |m| m.contact_id)?;
    let t: MembershipType = membership_types::get(&state.db, m.membership_type_id, "membershipId")
        .await?
        .into();
    if enabled && t.auto_renew == AutoRenew::No {
        return Err(AppError::bad_input(
            "membershipId",
            format!("`{}` memberships do not renew automatically", t.name),
        ));
    }
    if !enabled && t.auto_renew == AutoRenew::Required {
        return Err(AppError::bad_input(
            "enabled",
            format!("`{}` memberships always renew automatically", t.name),
        ));
    }
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let existing = opted::Entity::find_by_id(m.id).one(&txn).await?;
    match (enabled, existing) {
        (true, None) => {
            opted::ActiveModel {
                membership_id: Set(m.id),
                enabled_at: Set(now),
            }
            .insert(&txn)
            .await?;
        }
        (false, Some(row)) => {
            opted::Entity::delete_by_id(row.membership_id)
                .exec(&txn)
                .await?;
        }
        _ => {}
    }
    audit::record(
        &txn,
        &access::actor(viewer),
        "membership.auto_renew",
        "membership",
        m.id,
        None,
        Some(json!({ "autoRenew": enabled })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(m.into())
}

/// Which of these memberships renew automatically.
pub async fn opted_in<C: ConnectionTrait>(db: &C, ids: &[i64]) -> AppResult<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(opted::Entity::find()
        .filter(opted::Column::MembershipId.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.membership_id)
        .collect())
}

/// The `auto-renew` job as of `as_of`.
pub async fn run(state: &AppState, as_of: NaiveDate) -> AppResult<Tally> {
    let mut tally = Tally::default();
    let until = as_of + Duration::days(state.settings.payments.auto_renew_days_before);
    let due: Vec<membership::Model> = membership::Entity::find()
        .filter(
            membership::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(opted::Column::MembershipId)
                    .from(opted::Entity)
                    .to_owned(),
            ),
        )
        .filter(membership::Column::EndDate.gte(as_of))
        .filter(membership::Column::EndDate.lte(until))
        .order_by_asc(membership::Column::Id)
        .limit(BATCH)
        .all(&state.db)
        .await?;
    for m in due {
        tally.memberships += 1;
        match renewal_payment(state, m.id, as_of).await {
            Ok(Some((k, created))) => {
                tally.contributions_created += u64::from(created);
                charge_or_ask(state, k, 1, &mut tally).await?;
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(membership = m.id, error = %e.detail(), "auto-renew skipped a membership")
            }
        }
    }
    retry_due(state, &mut tally).await?;
    Ok(tally)
}

/// The renewal's PENDING contribution (created, or the one already awaited); None when there is
/// nothing to pay (free: renewed at once) or the membership cannot renew.
async fn renewal_payment(
    state: &AppState,
    membership_id: i64,
    as_of: NaiveDate,
) -> AppResult<Option<(contribution::Model, bool)>> {
    let txn = begin_write(&state.db).await?;
    // The membership's turn: a second run (or replica) waits here and then sees the first's work.
    membership::Entity::update_many()
        .col_expr(
            membership::Column::UpdatedAt,
            Expr::value(state.clock.now()),
        )
        .filter(membership::Column::Id.eq(membership_id))
        .exec(&txn)
        .await?;
    let m = memberships::get_in(&txn, membership_id).await?;
    let statuses = Statuses::load(&txn).await?;
    if matches!(
        statuses.code_of(m.status_id),
        Some(PENDING) | Some(CANCELLED) | Some(DECEASED)
    ) {
        return Ok(None);
    }
    let t: MembershipType = membership_types::get(&txn, m.membership_type_id, "membershipTypeId")
        .await?
        .into();
    if t.auto_renew == AutoRenew::No {
        return Ok(None);
    }
    if let Some(k) = memberships::self_renewal::pending_payment(&txn, m.id).await? {
        txn.commit().await?;
        return Ok(Some((k, false)));
    }
    // Renewed meanwhile: its end date has left the window.
    let until = as_of + Duration::days(state.settings.payments.auto_renew_days_before);
    if m.end_date.is_none_or(|end| end > until) {
        return Ok(None);
    }
    let rules = membership_types::period_rules_of(&t)?;
    let q = quote(&t.pricing, &rules, Purpose::Renew, 1, as_of)?;
    if q.total_minor == 0 {
        memberships::renew_in(state, &txn, &ACTOR, m.id, m.end_date, 1).await?;
        txn.commit().await?;
        return Ok(None);
    }
    let currency = Currency::parse(&t.currency, "currency")?;
    let new = NewContribution {
        contact_id: m.contact_id,
        financial_type: "MEMBER_DUES".into(),
        amount: Money::from_minor(q.total_minor, currency).to_decimal_string(),
        currency: Some(t.currency.clone()),
        received_date: Some(as_of),
        status: Some(ContributionStatus::Pending),
        payment_instrument: None,
        transaction_id: None,
        source: Some("automatic renewal".into()),
        note: None,
        campaign_id: None,
        check_number: None,
        memberships: vec![(m.id, 1)],
        soft_credits: Vec::new(),
        tribute: None,
        recurring: None,
    };
    let created = contributions::record_in(state, &txn, &ACTOR, new).await?;
    let k = contributions::get_in(&txn, created.id).await?;
    txn.commit().await?;
    Ok(Some((k, true)))
}

/// Charges the saved card for attempt `n` (resuming it if it was started and never finished), or
/// emails how to pay when there is no card.
async fn charge_or_ask(
    state: &AppState,
    k: contribution::Model,
    n: i32,
    tally: &mut Tally,
) -> AppResult<()> {
    let method = payment_method::Entity::find_by_id(k.contact_id)
        .one(&state.db)
        .await?;
    let provider = state.payments.clone();
    let Some(method) = method.filter(|m| provider.is_online() && m.provider == provider.name())
    else {
        if ask_to_pay(state, &k).await? {
            tally.emailed += 1;
        }
        return Ok(());
    };
    let now = state.clock.now();
    let existing = payment::Entity::find()
        .filter(payment::Column::ContributionId.eq(k.id))
        .filter(payment::Column::Kind.eq(CHARGE))
        .filter(payment::Column::Attempt.eq(n))
        .one(&state.db)
        .await?;
    let row = match existing {
        // Started before and never finished: send the same request again (same key).
        Some(p)
            if p.status == OPEN
                && p.external_id.is_none()
                && p.updated_at < now - Duration::minutes(STUCK_MINUTES) =>
        {
            p
        }
        Some(_) => return Ok(()),
        None => {
            let claimed = payment::ActiveModel {
                contribution_id: Set(k.id),
                provider: Set(provider.name().into()),
                kind: Set(CHARGE.into()),
                attempt: Set(n),
                external_id: Set(None),
                url: Set(None),
                status: Set(OPEN.into()),
                error: Set(None),
                next_retry_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&state.db)
            .await;
            match claimed {
                Ok(row) => row,
                // Another run or replica claimed this attempt.
                Err(e) if is_unique_violation(&e) => return Ok(()),
                Err(e) => return Err(e.into()),
            }
        }
    };
    let request = ChargeRequest {
        contribution_id: k.id,
        amount_minor: k.amount_minor,
        currency: k.currency.clone(),
        description: super::describe(state, &state.db, &k).await?,
        customer_id: method.customer_id.clone(),
        payment_method_id: method.payment_method_id.clone(),
        idempotency_key: format!("tessera-charge-{}-{n}", k.id),
    };
    let outcome = match provider.charge(&request).await {
        Ok(o) => o,
        Err(e) => {
            // Left OPEN: the next run sends the same request again.
            let mut active: payment::ActiveModel = row.into();
            active.error = Set(Some(e.detail().chars().take(1000).collect()));
            active.updated_at = Set(state.clock.now());
            active.update(&state.db).await?;
            tracing::warn!(contribution = k.id, error = %e.detail(), "automatic charge not sent");
            return Ok(());
        }
    };
    let txn = begin_write(&state.db).await?;
    let row = payment::Entity::find_by_id(row.id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::internal("payment attempt vanished"))?;
    match outcome {
        ChargeOutcome::Succeeded { id } => {
            let mut active: payment::ActiveModel = row.into();
            active.external_id = Set(Some(id.clone()));
            active.status = Set(SUCCEEDED.into());
            active.updated_at = Set(state.clock.now());
            active.update(&txn).await?;
            let current = contributions::get_in(&txn, k.id).await?;
            super::complete_paid(state, &txn, &ACTOR, &current, Some(&id)).await?;
            tally.charged += 1;
        }
        ChargeOutcome::Processing { id } => {
            let mut active: payment::ActiveModel = row.into();
            active.external_id = Set(Some(id));
            active.updated_at = Set(state.clock.now());
            active.update(&txn).await?;
        }
        ChargeOutcome::Failed { id, reason } => {
            let mut row = row;
            if row.status == OPEN {
                row.external_id = id.or(row.external_id);
                record_failure(state, &txn, row, reason).await?;
                tally.failed += 1;
            }
        }
    }
    txn.commit().await?;
    Ok(())
}

/// A failed charge: the attempt is FAILED; the member is emailed; a retry is due after the next of
/// `payments.retry_days`, or — after the last — the contribution is FAILED and staff can see it.
pub async fn record_failure(
    state: &AppState,
    txn: &DatabaseTransaction,
    attempt: payment::Model,
    reason: String,
) -> AppResult<()> {
    let now = state.clock.now();
    let retries = &state.settings.payments.retry_days;
    let n = usize::try_from(attempt.attempt).unwrap_or(usize::MAX);
    let next = retries
        .get(n.saturating_sub(1))
        .map(|days| now + Duration::days(*days));
    let claimed = payment::Entity::update_many()
        .col_expr(payment::Column::Status, Expr::value(FAILED))
        .col_expr(
            payment::Column::Error,
            Expr::value(Some(reason.chars().take(1000).collect::<String>())),
        )
        .col_expr(
            payment::Column::ExternalId,
            Expr::value(attempt.external_id.clone()),
        )
        .col_expr(payment::Column::NextRetryAt, Expr::value(next))
        .col_expr(payment::Column::UpdatedAt, Expr::value(now))
        .filter(payment::Column::Id.eq(attempt.id))
        .filter(payment::Column::Status.eq(OPEN))
        .exec(txn)
        .await?
        .rows_affected;
    if claimed == 0 {
        // Recorded already (the charge's answer and its event both say so).
        return Ok(());
    }
    let k = contributions::get_in(txn, attempt.contribution_id).await?;
    if next.is_none() {
        contribution::Entity::update_many()
            .col_expr(
                contribution::Column::Status,
                Expr::value(ContributionStatus::Failed),
            )
            .col_expr(contribution::Column::UpdatedAt, Expr::value(now))
            .filter(contribution::Column::Id.eq(k.id))
            .filter(contribution::Column::Status.eq(ContributionStatus::Pending))
            .exec(txn)
            .await?;
        audit::record(
            txn,
            &ACTOR,
            "payment.abandoned",
            "contribution",
            k.id,
            None,
            Some(json!({ "attempts": attempt.attempt, "reason": reason })),
            now,
        )
        .await?;
    }
    let failure = json!({ "failure": {
        "reason": reason,
        "attempt": attempt.attempt,
        "isFinal": next.is_none(),
        "nextAttempt": next.map(|t| t.date_naive().to_string()),
        "updateUrl": format!("{}/", state.settings.server.public_url.trim_end_matches('/')),
    }});
    queue_for(
        state,
        txn,
        &k,
        FAILED_TEMPLATE,
        format!("{FAILED_TEMPLATE}.k{}.a{}", k.id, attempt.attempt),
        failure,
    )
    .await?;
    Ok(())
}

/// Failed charges whose retry is due: the next attempt.
async fn retry_due(state: &AppState, tally: &mut Tally) -> AppResult<()> {
    let now = state.clock.now();
    let due = payment::Entity::find()
        .filter(payment::Column::Kind.eq(CHARGE))
        .filter(payment::Column::Status.eq(FAILED))
        .filter(payment::Column::NextRetryAt.lte(now))
        .order_by_asc(payment::Column::Id)
        .limit(BATCH)
        .all(&state.db)
        .await?;
    for p in due {
        let k = contributions::get_in(&state.db, p.contribution_id).await?;
        if k.status == ContributionStatus::Pending {
            charge_or_ask(state, k, p.attempt + 1, tally).await?;
        }
        payment::Entity::update_many()
            .col_expr(
                payment::Column::NextRetryAt,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .filter(payment::Column::Id.eq(p.id))
            .exec(&state.db)
            .await?;
    }
    // Attempts whose call never finished: send them again (same idempotency key).
    let stuck = payment::Entity::find()
        .filter(payment::Column::Kind.eq(CHARGE))
        .filter(payment::Column::Status.eq(OPEN))
        .filter(payment::Column::ExternalId.is_null())
        .filter(payment::Column::UpdatedAt.lt(now - Duration::minutes(STUCK_MINUTES)))
        .limit(BATCH)
        .all(&state.db)
        .await?;
    for p in stuck {
        let k = contributions::get_in(&state.db, p.contribution_id).await?;
        if k.status == ContributionStatus::Pending {
            charge_or_ask(state, k, p.attempt, tally).await?;
        }
    }
    Ok(())
}

/// No saved card: the member is emailed the amount and how to pay (online through the portal when
/// online payments are on). Once per contribution.
async fn ask_to_pay(state: &AppState, k: &contribution::Model) -> AppResult<bool> {
    let exponent = contributions::exponent_of(&k.currency);
    let portal = format!(
        "{}/",
        state.settings.server.public_url.trim_end_matches('/')
    );
    let payment = json!({ "payment": {
        "isSignup": false,
        "dues": null,
        "donation": null,
        "separateDonation": false,
        "amount": format_minor(k.amount_minor, exponent),
        "currency": k.currency,
        "reference": crate::domain::contribution::receipt_number(k.received_date, k.id),
        "instructions": if state.payments.is_online() {
            format!("Pay online in the member portal: {portal}")
        } else {
            state.settings.organization.payment_instructions.clone()
        },
    }});
    let txn = begin_write(&state.db).await?;
    let added = queue_for(
        state,
        &txn,
        k,
        crate::services::memberships::self_renewal::PAYMENT,
        format!("pay.k{}", k.id),
        payment,
    )
    .await?;
    txn.commit().await?;
    Ok(added > 0)
}

/// Queues `template` about the membership the contribution pays for (every automatic renewal has
/// one). Returns how many rows were added.
async fn queue_for<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    k: &contribution::Model,
    template: &str,
    dedupe_key: String,
    extra: serde_json::Value,
) -> AppResult<u64> {
    let paid = link::Entity::find()
        .filter(link::Column::ContributionId.eq(k.id))
        .one(db)
        .await?;
    let Some(l) = paid else {
        return Ok(0);
    };
    let m = Membership::from(memberships::get_in(db, l.membership_id).await?);
    crate::services::notify::queue_for(state, db, template, dedupe_key, &m, extra).await
}
