//! The giving fields of `Contact` (its contributions, donor summary, recurring gifts, soft
//! credits and tribute gifts), kept apart from the contact type itself.

use async_graphql::{Context, Result};

use super::giving::{DonorSummary, RecurringGift};
use crate::graphql::guards;
use crate::services::access;

/// `Contact.contributions`.
pub async fn contributions_of(
    ctx: &Context<'_>,
    contact_id: i64,
    first: Option<i32>,
) -> Result<Vec<super::contribution::Contribution>> {
    access::require_self_or_staff(guards::viewer(ctx), contact_id)?;
    let max = crate::graphql::giving_loaders::MAX_CONTACT_CONTRIBUTIONS as i32;
    let first = first.unwrap_or(20);
    if !(0..=max).contains(&first) {
        return Err(crate::error::AppError::bad_input(
            "first",
            format!("must be between 0 and {max}"),
        )
        .into());
    }
    let rows = guards::loaders(ctx)?
        .giving
        .contributions_of
        .load_one(contact_id)
        .await?
        .unwrap_or_default();
    Ok(rows
        .into_iter()
        .take(first as usize)
        .map(super::contribution::Contribution)
        .collect())
}

/// `Contact.donorSummary`.
pub async fn donor_summary_of(ctx: &Context<'_>, contact_id: i64) -> Result<Vec<DonorSummary>> {
    access::require_self_or_staff(guards::viewer(ctx), contact_id)?;
    let rows = guards::loaders(ctx)?
        .giving
        .summaries
        .load_one(contact_id)
        .await?
        .unwrap_or_default();
    Ok(rows.into_iter().map(DonorSummary::from).collect())
}

/// `Contact.recurringGifts`.
pub async fn recurring_gifts_of(ctx: &Context<'_>, contact_id: i64) -> Result<Vec<RecurringGift>> {
    access::require_self_or_staff(guards::viewer(ctx), contact_id)?;
    let giving = &guards::loaders(ctx)?.giving;
    let rows = giving.recurring_of.load_one(contact_id).await?;
    Ok(rows
        .unwrap_or_default()
        .into_iter()
        .map(RecurringGift)
        .collect())
}

/// `Contact.softCredits`.
pub async fn soft_credits_to(
    ctx: &Context<'_>,
    contact_id: i64,
) -> Result<Vec<super::contribution::SoftCredit>> {
    access::require_self_or_staff(guards::viewer(ctx), contact_id)?;
    let giving = &guards::loaders(ctx)?.giving;
    let rows = giving.soft_credits_to.load_one(contact_id).await?;
    Ok(rows
        .unwrap_or_default()
        .into_iter()
        .map(|(s, c)| super::contribution::SoftCredit(s, c))
        .collect())
}

/// `Contact.tributeGifts`.
pub async fn tributes_to(
    ctx: &Context<'_>,
    contact_id: i64,
) -> Result<Vec<super::contribution::Contribution>> {
    access::require_staff_field(guards::viewer(ctx), "tributeGifts")?;
    let giving = &guards::loaders(ctx)?.giving;
    let rows = giving.tributes_to.load_one(contact_id).await?;
    Ok(rows
        .unwrap_or_default()
        .into_iter()
        .map(super::contribution::Contribution)
        .collect())
}
