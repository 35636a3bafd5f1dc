//! The writes that remove their personal data
//! from every table listed in `super` while keeping ids, amounts, dates and statuses.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use serde_json::Value;

use super::subject::{Subject, lower};
use crate::db::columns::JsonText;
use crate::db::entities::{
    api_key, audit_entry as audit, contribution, contribution_refund as refund, custom_value,
    login_attempt, membership, membership_auto_renew as auto_renew, membership_history as history,
    outbound_message as outbound, password_token, payment, payment_method, payment_token, session,
    user,
};
use crate::domain::message::OutboxStatus;
use crate::error::AppResult;

/// Messages that carried a one-time link (password reset, invitation, email verification): their
/// bodies never leave the server, not even in an export.
pub const ACCOUNT_TEMPLATES: &[&str] = &[
    "password-reset",
    "invitation",
    "verify-email",
    "subscribe-confirm",
];

/// What replaces erased free text that cannot be empty.
pub const ERASED: &str = "[erased]";

/// Keys of audit snapshots (memberships, contributions, gifts) that hold free text.
const FREE_TEXT_KEYS: &[&str] = &[
    "source",
    "note",
    "notes",
    "reason",
    "cancelReason",
    "tributeName",
    "checkNumber",
];

/// Free text of memberships, contributions, refunds and payments; custom values; soft-credit
/// and tribute names. Amounts, dates, statuses and links stay.
pub async fn records<C: ConnectionTrait>(db: &C, s: &Subject) -> AppResult<()> {
    let none = Expr::value(Option::<String>::None);
    // Event registrations stay (events' counts and fees); the attendee name typed with them and
    // their check-in codes go.
    {
        use crate::db::entities::event_registration as reg;
        reg::Entity::update_many()
            .col_expr(reg::Column::FirstName, none.clone())
            .col_expr(reg::Column::LastName, none.clone())
            .col_expr(reg::Column::CheckInCodeSha256, none.clone())
            .filter(reg::Column::ContactId.eq(s.contact_id))
            .exec(db)
            .await?;
    }
    // Their directory listing (choices and photo address) goes entirely.
    crate::db::entities::directory_listing::Entity::delete_many()
        .filter(crate::db::entities::directory_listing::Column::ContactId.eq(s.contact_id))
        .exec(db)
        .await?;
    custom_value::Entity::delete_many()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(custom_value::Column::Entity.eq("contact"))
                        .add(custom_value::Column::EntityId.eq(s.contact_id)),
                )
                .add(
                    Condition::all()
                        .add(custom_value::Column::Entity.eq("membership"))
                        .add(custom_value::Column::EntityId.is_in(s.membership_ids.clone())),
                ),
        )
        .exec(db)
        .await?;
    membership::Entity::update_many()
        .col_expr(membership::Column::Source, none.clone())
        .col_expr(membership::Column::CancelReason, none.clone())
        .filter(membership::Column::ContactId.eq(s.contact_id))
        .exec(db)
        .await?;
    history::Entity::update_many()
        .col_expr(history::Column::Note, none.clone())
        .filter(history::Column::MembershipId.is_in(s.membership_ids.clone()))
        .exec(db)
        .await?;
    auto_renew::Entity::delete_many()
        .filter(auto_renew::Column::MembershipId.is_in(s.membership_ids.clone()))
        .exec(db)
        .await?;
    contribution::Entity::update_many()
        .col_expr(contribution::Column::Note, none.clone())
        .col_expr(contribution::Column::Source, none.clone())
        .col_expr(contribution::Column::TributeName, none.clone())
        .filter(contribution::Column::ContactId.eq(s.contact_id))
        .exec(db)
        .await?;
    // A gift of someone else in their honour keeps the link to the (now anonymous) row only.
    contribution::Entity::update_many()
        .col_expr(contribution::Column::TributeName, none.clone())
        .filter(contribution::Column::TributeContactId.eq(s.contact_id))
        .exec(db)
        .await?;
    refund::Entity::update_many()
        .col_expr(refund::Column::Reason, none.clone())
        .filter(refund::Column::ContributionId.is_in(s.contribution_ids.clone()))
        .exec(db)
        .await?;
    payment::Entity::update_many()
        .col_expr(payment::Column::Url, none.clone())
        .col_expr(payment::Column::Error, none)
        .filter(payment::Column::ContributionId.is_in(s.contribution_ids.clone()))
        .exec(db)
        .await?;
    payment_token::Entity::delete_many()
        .filter(payment_token::Column::ContributionId.is_in(s.contribution_ids.clone()))
        .exec(db)
        .await?;
    payment_method::Entity::delete_many()
        .filter(payment_method::Column::ContactId.eq(s.contact_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Messages: subject, bodies, address, error and one-time secret replaced; those not yet sent are
/// cancelled (there is nobody to send them to).
pub async fn messages<C: ConnectionTrait>(
    db: &C,
    s: &Subject,
    now: DateTime<Utc>,
) -> AppResult<()> {
    outbound::Entity::update_many()
        .col_expr(
            outbound::Column::Status,
            Expr::value(OutboxStatus::Cancelled),
        )
        .col_expr(
            outbound::Column::LastError,
            Expr::value("the recipient was erased"),
        )
        .filter(s.message_condition())
        .filter(outbound::Column::Status.is_in([
            OutboxStatus::Queued,
            OutboxStatus::Sending,
            OutboxStatus::Letter,
        ]))
        .exec(db)
        .await?;
    outbound::Entity::update_many()
        .col_expr(
            outbound::Column::Recipient,
            Expr::value(Option::<String>::None),
        )
        .col_expr(outbound::Column::Subject, Expr::value(ERASED))
        .col_expr(outbound::Column::TextBody, Expr::value(ERASED))
        .col_expr(
            outbound::Column::HtmlBody,
            Expr::value(format!("<p>{ERASED}</p>")),
        )
        .col_expr(
            outbound::Column::Secret,
            Expr::value(Option::<String>::None),
        )
        .col_expr(outbound::Column::UpdatedAt, Expr::value(now))
        .filter(s.message_condition())
        .exec(db)
        .await?;
    // A failure message may quote the address; the status says enough.
    outbound::Entity::update_many()
        .col_expr(
            outbound::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .filter(s.message_condition())
        .filter(outbound::Column::LastError.ne("the recipient was erased"))
        .exec(db)
        .await?;
    Ok(())
}

/// Logins: sessions and one-time tokens deleted, API keys they made revoked and renamed, each
/// login kept (audit rows name it) but with a placeholder address, no password and disabled.
pub async fn logins<C: ConnectionTrait>(db: &C, s: &Subject, now: DateTime<Utc>) -> AppResult<()> {
    session::Entity::delete_many()
        .filter(session::Column::UserId.is_in(s.user_ids.clone()))
        .exec(db)
        .await?;
    password_token::Entity::delete_many()
        .filter(password_token::Column::UserId.is_in(s.user_ids.clone()))
        .exec(db)
        .await?;
    api_key::Entity::update_many()
        .col_expr(api_key::Column::Name, Expr::value("key of an erased login"))
        .filter(api_key::Column::CreatedBy.is_in(s.user_ids.clone()))
        .exec(db)
        .await?;
    api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(now))
        .filter(api_key::Column::CreatedBy.is_in(s.user_ids.clone()))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    login_attempt::Entity::delete_many()
        .filter(lower(login_attempt::Column::Email).is_in(s.emails.clone()))
        .exec(db)
        .await?;
    for id in &s.user_ids {
        user::Entity::update_many()
            .col_expr(
                user::Column::Email,
                Expr::value(format!("erased-login-{id}@erased.invalid")),
            )
            // Not a password hash: no password matches it.
            .col_expr(user::Column::PasswordHash, Expr::value("!erased"))
            .col_expr(user::Column::DisabledAt, Expr::value(now))
            .col_expr(user::Column::UpdatedAt, Expr::value(now))
            .filter(user::Column::Id.eq(*id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Earlier audit snapshots: those of the contact and their logins emptied, free text removed from
/// those of their memberships, contributions and gifts (amounts, dates and statuses stay).
pub async fn audit_rows<C: ConnectionTrait>(db: &C, s: &Subject) -> AppResult<()> {
    let rows = audit::Entity::find()
        .filter(s.audit_condition())
        .all(db)
        .await?;
    for row in rows {
        let personal = row.entity == "contact" || row.entity == "user";
        let clean = |v: Option<JsonText<Value>>| -> Option<JsonText<Value>> {
            match (personal, v) {
                (true, _) | (_, None) => None,
                (false, Some(JsonText(mut value))) => {
                    if let Some(map) = value.as_object_mut() {
                        for key in FREE_TEXT_KEYS {
                            map.remove(*key);
                        }
                    }
                    Some(JsonText(value))
                }
            }
        };
        let (before, after) = (clean(row.before.clone()), clean(row.after.clone()));
        if before == row.before && after == row.after {
            continue;
        }
        let mut active: audit::ActiveModel = row.into();
        active.before = Set(before);
        active.after = Set(after);
        active.update(db).await?;
    }
    Ok(())
}
