//! The receipt of a completed contribution: queued through the outbox (by email, or as a letter
//! when the donor has no address and letters are on) unless its financial type sends none.

use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{Value, json};

use crate::db::entities::{campaign, contact, contribution, financial_type};
use crate::domain::contact::Contact;
use crate::domain::money::format_minor;
use crate::error::{AppError, AppResult};
use crate::mail::context;
use crate::mail::outbox::{self, NewMessage, Renderer};
use crate::state::AppState;

pub const RECEIPT: &str = "contribution-receipt";
pub const TRIBUTE: &str = "tribute-notification";

/// The receipt number of a stored contribution.
pub fn receipt_number(c: &contribution::Model) -> String {
    crate::domain::contribution::receipt_number(c.received_date, c.id)
}

/// The configured tax-deductible wording, null when there is none.
pub fn deductible_statement(state: &AppState) -> Value {
    let text = state.settings.organization.deductible_statement.trim();
    if text.is_empty() {
        Value::Null
    } else {
        Value::String(text.to_string())
    }
}

/// The `contribution` value of a receipt's render context.
pub fn receipt_value(
    state: &AppState,
    c: &contribution::Model,
    t: &financial_type::Model,
    campaign: Option<&campaign::Model>,
) -> Value {
    let exp = super::exponent_of(&c.currency);
    json!({
        "id": c.id.to_string(),
        "receiptNumber": receipt_number(c),
        "amount": format_minor(c.amount_minor, exp),
        "currency": c.currency,
        "receivedDate": c.received_date.to_string(),
        "financialType": t.name,
        "isDeductible": t.is_deductible,
        "deductibleStatement": if t.is_deductible {
            deductible_statement(state)
        } else {
            Value::Null
        },
        "paymentInstrument": c.payment_instrument.map(|p| p.as_str()),
        "transactionId": c.transaction_id,
        "campaign": campaign.map(|k| k.name.clone()),
        "tribute": c.tribute_name.as_ref().map(|n| json!({
            "kind": c.tribute_kind.map(|k| k.as_str()),
            "name": n,
        })),
    })
}

/// Queues the receipt of `c` (a no-op when its type sends none, or when it was queued before).
pub async fn queue_receipt<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    c: &contribution::Model,
) -> AppResult<()> {
    let t = financial_type::Entity::find_by_id(c.financial_type_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(format!("contribution {} has no type", c.id)))?;
    if !t.sends_receipt {
        return Ok(());
    }
    let donor: Contact = contact::Entity::find_by_id(c.contact_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(format!("contribution {} has no contact", c.id)))?
        .into();
    let campaign = match c.campaign_id {
        Some(id) => campaign::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let extra = json!({ "contribution": receipt_value(state, c, &t, campaign.as_ref()) });
    let ctx = context::build(&state.settings, &donor, None, extra);
    let rendered = Renderer::load(&state.templates, db, &[RECEIPT])
        .await?
        .render(RECEIPT, &ctx)?;
    let message = NewMessage {
        dedupe_key: format!("receipt.k{}", c.id),
        template_key: RECEIPT.into(),
        contact: donor,
        membership_id: None,
        rendered,
    };
    outbox::enqueue(
        db,
        vec![message],
        state.clock.now(),
        state.settings.mail.letters,
    )
    .await?;
    Ok(())
}

/// Tells the person a tribute gift names (`notifyContactId`) that it was made — by email, or by
/// letter when they have no address — once per contribution. The amount is the donor's business
/// and is not shown.
pub async fn queue_tribute_notice<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    c: &contribution::Model,
) -> AppResult<()> {
    let (Some(notify), Some(name), Some(kind)) =
        (c.notify_contact_id, c.tribute_name.as_ref(), c.tribute_kind)
    else {
        return Ok(());
    };
    let Some(recipient) = contact::Entity::find_by_id(notify).one(db).await? else {
        return Ok(());
    };
    let recipient: Contact = recipient.into();
    let donor = contact::Entity::find_by_id(c.contact_id)
        .one(db)
        .await?
        .map_or_else(|| "A friend".to_string(), |d| d.display_name);
    let extra = json!({ "tribute": { "kind": kind.as_str(), "name": name, "donorName": donor } });
    let ctx = context::build(&state.settings, &recipient, None, extra);
    let rendered = Renderer::load(&state.templates, db, &[TRIBUTE])
        .await?
        .render(TRIBUTE, &ctx)?;
    let message = NewMessage {
        dedupe_key: format!("tribute.k{}", c.id),
        template_key: TRIBUTE.into(),
        contact: recipient,
        membership_id: None,
        rendered,
    };
    outbox::enqueue(
        db,
        vec![message],
        state.clock.now(),
        state.settings.mail.letters,
    )
    .await?;
    Ok(())
}
