//! Paying contributions online: `startPayment` opens the provider's hosted page, provider events
//! (`events`) complete, fail or refund contributions, and the `auto-renew` job (`renewals`) renews
//! opted-in memberships by charging saved cards, following up failed charges.
//!
//! Exactly once: completing goes through the contributions path (a conditional update on the
//! status, each membership link claimed once); each attempt is a `payments` row unique per
//! (contribution, kind, attempt), written before the provider is called, and the provider call
//! carries an idempotency key made of the same three — so a retry, a crash or a second replica
//! repeats the same request rather than making a new charge; each provider event is recorded in
//! `webhook_events` in the transaction that applies it.

pub mod events;
pub mod renewals;

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::db::entities::{
    contribution, contribution_membership as link, membership, payment, payment_token,
};
use crate::domain::contribution::ContributionStatus;
use crate::error::{AppError, AppResult, is_unique_violation};
use crate::payments::CheckoutRequest;
use crate::services::auth::{Viewer, token_digest};
use crate::services::{access, contacts, contributions, membership_types};
use crate::state::AppState;

pub const CHECKOUT: &str = "CHECKOUT";
pub const CHARGE: &str = "CHARGE";
pub const OPEN: &str = "OPEN";
pub const SUCCEEDED: &str = "SUCCEEDED";
pub const FAILED: &str = "FAILED";
pub const EXPIRED: &str = "EXPIRED";

/// A hosted payment page is reused for this long (Stripe's last 24 hours).
const CHECKOUT_REUSE_HOURS: i64 = 23;

/// Where the payer goes to pay.
#[derive(Clone, Debug)]
pub struct StartedPayment {
    pub url: String,
    pub contribution_id: i64,
}

/// Whether the viewer may pay this contribution: staff, the contact it belongs to, or whoever holds
/// the payment token `signUp` returned for it. FORBIDDEN otherwise, whether or not it exists.
async fn may_pay(
    state: &AppState,
    viewer: &Viewer,
    k: &AppResult<contribution::Model>,
    token: Option<&str>,
) -> AppResult<bool> {
    let Ok(k) = k else {
        return Ok(false);
    };
    if access::is_staff(viewer)
        || viewer
            .user()
            .is_some_and(|u| u.contact_id == Some(k.contact_id))
    {
        return Ok(true);
    }
    let Some(token) = token.filter(|t| !t.is_empty() && t.len() <= 200) else {
        return Ok(false);
    };
    let stored = payment_token::Entity::find_by_id(k.id)
        .one(&state.db)
        .await?;
    Ok(stored.is_some_and(|s| s.token_sha256 == token_digest(token)))
}

/// Opens (or reopens) the provider's payment page for a PENDING contribution.
#[tracing::instrument(skip(state, viewer, token))]
pub async fn start(
    state: &AppState,
    viewer: &Viewer,
    contribution_id: i64,
    token: Option<&str>,
) -> AppResult<StartedPayment> {
    let found = contributions::get_in(&state.db, contribution_id).await;
    if !may_pay(state, viewer, &found, token).await? {
        return Err(AppError::forbidden());
    }
    let k = found?;
    if k.status != ContributionStatus::Pending {
        return Err(AppError::conflict(
            Some("contributionId"),
            format!("this contribution is {}: there is nothing to pay", k.status),
        ));
    }
    let provider = state.payments.clone();
    if !provider.is_online() {
        return Err(AppError::conflict(
            None,
            "online payment is not set up here: please pay as the payment instructions say",
        ));
    }
    let now = state.clock.now();
    let attempts = payment::Entity::find()
        .filter(payment::Column::ContributionId.eq(k.id))
        .filter(payment::Column::Kind.eq(CHECKOUT))
        .order_by_desc(payment::Column::Attempt)
        .all(&state.db)
        .await?;
    if let Some(open) = attempts.iter().find(|p| {
        p.status == OPEN
            && p.url.is_some()
            && p.created_at > now - Duration::hours(CHECKOUT_REUSE_HOURS)
    }) {
        return Ok(StartedPayment {
            url: open.url.clone().unwrap_or_default(),
            contribution_id: k.id,
        });
    }
    let attempt = attempts.first().map_or(1, |p| p.attempt + 1);
    // The attempt is claimed before the provider is called: of two clicks at once, one calls.
    let row = payment::ActiveModel {
        contribution_id: Set(k.id),
        provider: Set(provider.name().into()),
        kind: Set(CHECKOUT.into()),
        attempt: Set(attempt),
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
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            AppError::conflict(
                None,
                "a payment page is being prepared for this contribution; try again in a moment",
            )
        } else {
            e.into()
        }
    })?;
    let request = checkout_request(state, &k, attempt).await?;
    match provider.checkout(&request).await {
        Ok(checkout) => {
            let mut active: payment::ActiveModel = row.into();
            active.external_id = Set(Some(checkout.id));
            active.url = Set(Some(checkout.url.clone()));
            active.updated_at = Set(state.clock.now());
            active.update(&state.db).await?;
            Ok(StartedPayment {
                url: checkout.url,
                contribution_id: k.id,
            })
        }
        Err(e) => {
            let mut active: payment::ActiveModel = row.into();
            active.status = Set(FAILED.into());
            active.error = Set(Some(e.detail().chars().take(1000).collect()));
            active.updated_at = Set(state.clock.now());
            active.update(&state.db).await?;
            Err(e)
        }
    }
}

/// What the payer is paying for, as the provider shows it.
pub async fn describe<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    k: &contribution::Model,
) -> AppResult<String> {
    let paid = link::Entity::find()
        .filter(link::Column::ContributionId.eq(k.id))
        .one(db)
        .await?;
    if let Some(l) = paid
        && let Some(m) = membership::Entity::find_by_id(l.membership_id)
            .one(db)
            .await?
    {
        let t = membership_types::get(db, m.membership_type_id, "membershipTypeId").await?;
        return Ok(format!(
            "{} membership, {}",
            t.name, state.settings.organization.name
        ));
    }
    let name = crate::db::entities::financial_type::Entity::find_by_id(k.financial_type_id)
        .one(db)
        .await?
        .map_or_else(|| "Payment".to_string(), |t| t.name);
    Ok(format!("{name}, {}", state.settings.organization.name))
}

async fn checkout_request(
    state: &AppState,
    k: &contribution::Model,
    attempt: i32,
) -> AppResult<CheckoutRequest> {
    let contact = contacts::get_live_in(&state.db, k.contact_id, "contributionId").await?;
    let dues = link::Entity::find()
        .filter(link::Column::ContributionId.eq(k.id))
        .count(&state.db)
        .await?
        > 0;
    let stripe = &state.settings.payments.stripe;
    let portal = format!(
        "{}/",
        state.settings.server.public_url.trim_end_matches('/')
    );
    let or_portal = |u: &str| {
        if u.trim().is_empty() {
            portal.clone()
        } else {
            u.to_string()
        }
    };
    Ok(CheckoutRequest {
        contribution_id: k.id,
        amount_minor: k.amount_minor - k.refunded_minor,
        currency: k.currency.clone(),
        description: describe(state, &state.db, k).await?,
        customer_email: contact.email.clone(),
        save_method: dues,
        success_url: or_portal(&stripe.success_url),
        cancel_url: or_portal(&stripe.cancel_url),
        idempotency_key: format!("tessera-checkout-{}-{attempt}", k.id),
    })
}

/// Completes a contribution the provider says is paid: CARD, received today, the provider's
/// payment id as its transaction id (unless it has one). Returns whether it moved: a completed or
/// refunded one is left as it is, and so is a cancelled one (paid after staff cancelled it: the
/// money is there and staff decide — refund or reopen; logged).
pub async fn complete_paid(
    state: &AppState,
    txn: &sea_orm::DatabaseTransaction,
    actor: &crate::services::Actor,
    k: &contribution::Model,
    transaction_id: Option<&str>,
) -> AppResult<bool> {
    use crate::domain::contribution::PaymentInstrument;
    use crate::domain::patch::Patch;
    match k.status {
        ContributionStatus::Pending | ContributionStatus::Failed => {
            let patch = contributions::ContributionPatch {
                status: Some(ContributionStatus::Completed),
                payment_instrument: Patch::Set(PaymentInstrument::Card),
                transaction_id: match transaction_id {
                    Some(t) if k.transaction_id.is_none() => Patch::Set(t.to_string()),
                    _ => Patch::Keep,
                },
                received_date: Some(state.clock.today()),
                ..Default::default()
            };
            contributions::update_in(state, txn, actor, k.id, patch).await?;
            Ok(true)
        }
        ContributionStatus::Cancelled => {
            tracing::warn!(
                contribution = k.id,
                "a cancelled contribution was paid online"
            );
            Ok(false)
        }
        ContributionStatus::Completed | ContributionStatus::Refunded => Ok(false),
    }
}
