//! Members renewing by themselves: a quote, then a PENDING dues payment that renews the membership
//! when it is completed (exactly once, see `contributions`), or an immediate renewal when the
//! price is nothing. Only inside the type's renewal window around the end date.

use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::get_in;
use crate::db::begin_write;
use crate::db::entities::{contribution, contribution_membership as link, membership};
use crate::domain::contribution::{Contribution, ContributionStatus};
use crate::domain::membership::price::{Purpose, Quote, quote};
use crate::domain::membership::{Membership, MembershipType};
use crate::domain::money::{Currency, Money};
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
use crate::services::contributions::{self, NewContribution};
use crate::services::statuses::{CANCELLED, DECEASED, PENDING, Statuses};
use crate::services::{access, membership_types};
use crate::state::AppState;

pub const PAYMENT: &str = "payment-instructions";

/// What renewing would cost, and when the member may do it.
#[derive(Clone, Debug)]
pub struct RenewalQuote {
    pub membership: Membership,
    pub terms: u32,
    pub quote: Quote,
    pub currency: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub is_open: bool,
}

async fn prepare<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    m: &membership::Model,
    terms: u32,
) -> AppResult<(RenewalQuote, MembershipType)> {
    let statuses = Statuses::load(db).await?;
    match statuses.code_of(m.status_id) {
        Some(PENDING) => {
            return Err(AppError::conflict(
                None,
                "this membership is not paid yet: pay for it first",
            ));
        }
        Some(CANCELLED) | Some(DECEASED) => {
            return Err(AppError::conflict(
                None,
                "this membership cannot be renewed online; please contact us",
            ));
        }
        _ => {}
    }
    let t: MembershipType = membership_types::get(db, m.membership_type_id, "membershipTypeId")
        .await?
        .into();
    let Some((opens_on, closes_on)) = t.renewal_window.around(m.end_date) else {
        return Err(AppError::bad_input(
            "membershipId",
            "a lifetime membership does not renew",
        ));
    };
    let rules = membership_types::period_rules_of(&t)?;
    let today = state.clock.today();
    let q = quote(&t.pricing, &rules, Purpose::Renew, terms, today)?;
    let rq = RenewalQuote {
        membership: Membership::from(m.clone()),
        terms,
        quote: q,
        currency: t.currency.clone(),
        opens_on,
        closes_on,
        is_open: (opens_on..=closes_on).contains(&today),
    };
    Ok((rq, t))
}

/// The member's (or staff's) quote for renewing `id` by `terms` terms today.
pub async fn renewal_quote(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    terms: u32,
) -> AppResult<RenewalQuote> {
    let m = owned(state, viewer, id).await?;
    Ok(prepare(state, &state.db, &m, terms).await?.0)
}

/// The membership, when the viewer is staff or holds it (FORBIDDEN otherwise, whether or not it
/// exists).
async fn owned(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<membership::Model> {
    access::own_or_staff(viewer, get_in(&state.db, id).await, |m| m.contact_id)
}

/// What `renew_mine` did: the membership (renewed at once when free) and the payment awaited.
pub struct SelfRenewal {
    pub membership: Membership,
    pub contribution: Option<Contribution>,
}

/// The member renews their own membership (or staff do it for them, e.g. on the phone): inside the
/// window, a PENDING dues contribution for the
/// quoted price that renews it when completed (asked twice, the same one is returned), with
/// payment instructions by email; a free renewal happens at once.
#[tracing::instrument(skip(state, viewer))]
pub async fn renew_mine(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    terms: u32,
) -> AppResult<SelfRenewal> {
    let actor = access::actor(viewer);
    let m = owned(state, viewer, id).await?;
    let txn = begin_write(&state.db).await?;
    // Serialises renewals of one membership (a row lock on PostgreSQL; SQLite writes one at a
    // time): of two clicks, the second sees the first's payment.
    membership::Entity::update_many()
        .col_expr(
            membership::Column::UpdatedAt,
            Expr::value(state.clock.now()),
        )
        .filter(membership::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let m = get_in(&txn, m.id).await?;
    let (rq, t) = prepare(state, &txn, &m, terms).await?;
    let today = state.clock.today();
    if today < rq.opens_on {
        return Err(AppError::bad_input(
            "membershipId",
            format!("renewal opens on {}", rq.opens_on),
        ));
    }
    if today > rq.closes_on {
        return Err(AppError::bad_input(
            "membershipId",
            format!(
                "online renewal closed on {}; please contact us",
                rq.closes_on
            ),
        ));
    }
    if rq.quote.total_minor == 0 {
        let renewed = super::renew_in(state, &txn, &actor, id, Some(today), terms).await?;
        txn.commit().await?;
        return Ok(SelfRenewal {
            membership: renewed,
            contribution: None,
        });
    }
    if let Some(existing) = pending_payment(&txn, id).await? {
        txn.commit().await?;
        return Ok(SelfRenewal {
            membership: rq.membership,
            contribution: Some(existing.into()),
        });
    }
    let currency = Currency::parse(&t.currency, "currency")?;
    let new = NewContribution {
        contact_id: m.contact_id,
        financial_type: "MEMBER_DUES".into(),
        amount: Money::from_minor(rq.quote.total_minor, currency).to_decimal_string(),
        currency: Some(t.currency.clone()),
        received_date: Some(today),
        status: Some(ContributionStatus::Pending),
        payment_instrument: None,
        transaction_id: None,
        source: Some("self-service renewal".into()),
        note: None,
        campaign_id: None,
        check_number: None,
        memberships: vec![(id, terms)],
        soft_credits: Vec::new(),
        tribute: None,
        recurring: None,
    };
    let created = contributions::record_in(state, &txn, &actor, new).await?;
    queue_instructions(state, &txn, &rq, &created).await?;
    txn.commit().await?;
    Ok(SelfRenewal {
        membership: rq.membership,
        contribution: Some(created),
    })
}

/// A pending dues payment already waiting for this membership.
pub(crate) async fn pending_payment<C: ConnectionTrait>(
    db: &C,
    membership_id: i64,
) -> AppResult<Option<contribution::Model>> {
    let links = link::Entity::find()
        .filter(link::Column::MembershipId.eq(membership_id))
        .filter(link::Column::AppliedAt.is_null())
        .all(db)
        .await?;
    let ids: Vec<i64> = links.iter().map(|l| l.contribution_id).collect();
    if ids.is_empty() {
        return Ok(None);
    }
    Ok(contribution::Entity::find()
        .filter(contribution::Column::Id.is_in(ids))
        .filter(contribution::Column::Status.eq(ContributionStatus::Pending))
        .one(db)
        .await?)
}

async fn queue_instructions<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    rq: &RenewalQuote,
    k: &Contribution,
) -> AppResult<()> {
    let exponent = crate::services::contributions::exponent_of(&k.currency);
    let payment = json!({ "payment": {
        "isSignup": false,
        "dues": null,
        "donation": null,
        "separateDonation": false,
        "amount": crate::domain::money::format_minor(k.amount_minor, exponent),
        "currency": k.currency,
        "reference": k.receipt_number(),
        "instructions": state.settings.organization.payment_instructions,
    }});
    let key = format!("pay.k{}", k.id);
    crate::services::notify::queue_for(state, db, PAYMENT, key, &rq.membership, payment).await?;
    Ok(())
}
