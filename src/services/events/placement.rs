//! Placing a registration: seats when they fit and nobody waits ahead (a priced ticket then awaits
//! its fee, a free one is confirmed with a new check-in code), the waitlist otherwise. Every move
//! is a conditional update from the status read, so two requests never both move one registration.

use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set,
};

use super::{mail, registration_in, seats, ticket_in};
use crate::db::entities::payment_token;
use crate::db::entities::{event, event_registration as reg, event_ticket_type as ticket};
use crate::domain::contribution::ContributionStatus;
use crate::domain::event::RegistrationStatus;
use crate::domain::money::{Currency, Money};
use crate::error::{AppError, AppResult};
use crate::services::Actor;
use crate::services::auth::{new_token, token_digest};
use crate::services::contributions::{self, NewContribution};
use crate::state::AppState;

/// Moves a registration (read as `r`) to `to`; CONFLICT when it changed meanwhile.
pub(super) async fn set_status<C: ConnectionTrait>(
    db: &C,
    r: reg::Model,
    to: RegistrationStatus,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<reg::Model> {
    let moved = reg::Entity::update_many()
        .col_expr(reg::Column::Status, Expr::value(to))
        .col_expr(reg::Column::UpdatedAt, Expr::value(now))
        .filter(reg::Column::Id.eq(r.id))
        .filter(reg::Column::Status.eq(r.status))
        .exec(db)
        .await?
        .rows_affected;
    if moved == 0 {
        return Err(AppError::conflict(
            None,
            "the registration changed meanwhile; try again",
        ));
    }
    registration_in(db, r.id, "id").await
}

/// Gives a WAITLISTED (or new, or approved) registration its seats when they fit and nobody waits
/// ahead of it; otherwise it stays (or goes) on the waitlist. Returns it and any payment token.
#[allow(clippy::too_many_arguments)]
pub(super) async fn place(
    state: &AppState,
    txn: &DatabaseTransaction,
    actor: &Actor,
    e: &event::Model,
    t: &ticket::Model,
    r: reg::Model,
    wants_token: bool,
    promoted: bool,
) -> AppResult<(reg::Model, Option<String>)> {
    let now = state.clock.now();
    let ahead = reg::Entity::find()
        .filter(reg::Column::EventId.eq(e.id))
        .filter(reg::Column::Status.eq(RegistrationStatus::Waitlisted))
        .filter(reg::Column::Id.lt(r.id))
        .one(txn)
        .await?
        .is_some();
    if ahead {
        // Those waiting first are served first (first fit); whatever is left after them may go
        // to this registration, so free seats never sit unused behind a party that cannot fit.
        super::waitlist::promote_before(state, txn, actor, e, r.id).await?;
    }
    let fits = seats(txn, e, t).await?.fit(1 + i64::from(r.guests));
    if !fits {
        let r = if r.status == RegistrationStatus::Waitlisted {
            r
        } else {
            set_status(txn, r, RegistrationStatus::Waitlisted, now).await?
        };
        mail::status_notice(state, txn, e, t, &r).await?;
        return Ok((r, None));
    }
    grant_seat(state, txn, actor, e, t, r, wants_token, promoted).await
}

/// Seats are free for `r`: a priced ticket awaits payment (a PENDING fee, a deadline), a free one
/// is confirmed.
#[allow(clippy::too_many_arguments)]
pub(super) async fn grant_seat(
    state: &AppState,
    txn: &DatabaseTransaction,
    actor: &Actor,
    e: &event::Model,
    t: &ticket::Model,
    r: reg::Model,
    wants_token: bool,
    promoted: bool,
) -> AppResult<(reg::Model, Option<String>)> {
    if t.price_minor == 0 {
        let r = confirm_in(state, txn, e, r, promoted).await?;
        return Ok((r, None));
    }
    let now = state.clock.now();
    let currency = Currency::parse(&t.currency, "currency")?;
    let seats = 1 + i64::from(r.guests);
    let amount = Money::from_minor(t.price_minor.saturating_mul(seats), currency);
    let fee = contributions::record_in(
        state,
        txn,
        actor,
        NewContribution {
            contact_id: r.contact_id,
            financial_type: "EVENT_FEE".into(),
            amount: amount.to_decimal_string(),
            currency: Some(currency.code().to_string()),
            received_date: None,
            status: Some(ContributionStatus::Pending),
            payment_instrument: None,
            transaction_id: None,
            source: Some(format!("event {}: {}", e.id, e.title)),
            note: None,
            campaign_id: None,
            check_number: None,
            memberships: Vec::new(),
            soft_credits: Vec::new(),
            tribute: None,
            recurring: None,
        },
    )
    .await?;
    let pay_by = (now + Duration::hours(super::PAY_WITHIN_HOURS)).min(e.starts_at.max(now));
    let moved = reg::Entity::update_many()
        .col_expr(
            reg::Column::Status,
            Expr::value(RegistrationStatus::PendingPayment),
        )
        .col_expr(reg::Column::ContributionId, Expr::value(fee.id))
        .col_expr(reg::Column::PayBy, Expr::value(pay_by))
        .col_expr(reg::Column::UpdatedAt, Expr::value(now))
        .filter(reg::Column::Id.eq(r.id))
        .filter(reg::Column::Status.eq(r.status))
        .exec(txn)
        .await?
        .rows_affected;
    if moved == 0 {
        return Err(AppError::conflict(
            None,
            "the registration changed meanwhile; try again",
        ));
    }
    let token = if wants_token {
        let token = new_token();
        payment_token::ActiveModel {
            contribution_id: Set(fee.id),
            token_sha256: Set(token_digest(&token)),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
        Some(token)
    } else {
        None
    };
    let r = registration_in(txn, r.id, "id").await?;
    if promoted {
        mail::promoted(state, txn, e, t, &r, None).await?;
    } else {
        mail::status_notice(state, txn, e, t, &r).await?;
    }
    Ok((r, token))
}

/// Confirms a registration (free seat, fee paid, or promoted): a new check-in code (also the key
/// of its calendar link) is made and mailed, once — of two confirmations racing, one moves the status.
pub(super) async fn confirm_in<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    e: &event::Model,
    r: reg::Model,
    promoted: bool,
) -> AppResult<reg::Model> {
    let now = state.clock.now();
    let code = new_token();
    let moved = reg::Entity::update_many()
        .col_expr(
            reg::Column::Status,
            Expr::value(RegistrationStatus::Registered),
        )
        .col_expr(
            reg::Column::CheckInCodeSha256,
            Expr::value(token_digest(&code)),
        )
        .col_expr(reg::Column::ConfirmedAt, Expr::value(now))
        .col_expr(
            reg::Column::PayBy,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(reg::Column::UpdatedAt, Expr::value(now))
        .filter(reg::Column::Id.eq(r.id))
        .filter(reg::Column::Status.eq(r.status))
        .exec(db)
        .await?
        .rows_affected;
    let r = registration_in(db, r.id, "id").await?;
    if moved == 1 {
        let t = ticket_in(db, e.id, r.ticket_type_id, "ticketTypeId").await?;
        let codes = mail::Codes { check_in: code };
        if promoted {
            mail::promoted(state, db, e, &t, &r, Some(&codes)).await?;
        } else {
            mail::confirmation(state, db, e, &t, &r, &codes).await?;
        }
    }
    Ok(r)
}
