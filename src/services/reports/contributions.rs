//! `contributionSummary`: completed contributions received in a date range, grouped by financial
//! type, month, campaign or payment instrument, per currency.
//!
//! Definitions (also in the GraphQL descriptions and the README): a contribution counts when its
//! status is COMPLETED and its received date is within `[from, to]` (both included); its amount is
//! net of partial refunds (`amount − refunded`); fully refunded contributions (REFUNDED) and
//! pending, failed or cancelled ones do not count. Amounts in different currencies are never added.
//! Read from the daily roll-ups (`rollups`), brought up to date first.

use chrono::NaiveDate;
use sea_orm::{DbBackend, FromQueryResult};

use crate::db::sql::Sql;
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
use crate::state::AppState;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContributionGroupBy {
    FinancialType,
    Month,
    Campaign,
    PaymentInstrument,
}

/// One group in one currency.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct SummaryRow {
    /// The financial type's key, `YYYY-MM`, the campaign's name, or the instrument (`NONE` when
    /// there is no campaign or instrument).
    pub group_key: String,
    /// What to show: the type's name; otherwise the key.
    pub label: String,
    pub currency: String,
    pub count: i64,
    pub total_minor: i64,
}

/// The longest range one summary covers.
const MAX_YEARS: i64 = 100;

pub async fn contribution_summary(
    state: &AppState,
    viewer: &Viewer,
    from: NaiveDate,
    to: NaiveDate,
    group_by: ContributionGroupBy,
) -> AppResult<Vec<SummaryRow>> {
    super::donors::prepare(state, viewer).await?;
    if to < from {
        return Err(AppError::bad_input("to", "must not be before `from`"));
    }
    if (to - from).num_days() > MAX_YEARS * 366 {
        return Err(AppError::bad_input(
            "to",
            "a range covers at most 100 years",
        ));
    }
    let backend = state.db.get_database_backend();
    let month = match backend {
        DbBackend::Postgres => "to_char(c.day, 'YYYY-MM')",
        _ => "strftime('%Y-%m', c.day)",
    };
    let (key, label, join) = match group_by {
        ContributionGroupBy::FinancialType => (
            "f.key".to_string(),
            "f.name".to_string(),
            "JOIN financial_types f ON f.id = c.financial_type_id",
        ),
        ContributionGroupBy::Month => (month.to_string(), month.to_string(), ""),
        ContributionGroupBy::Campaign => (
            "COALESCE(p.name, 'NONE')".to_string(),
            "COALESCE(p.name, 'NONE')".to_string(),
            "LEFT JOIN campaigns p ON p.id = c.campaign_id",
        ),
        ContributionGroupBy::PaymentInstrument => (
            "c.payment_instrument".to_string(),
            "c.payment_instrument".to_string(),
            "",
        ),
    };
    let mut sql = Sql::new(backend);
    sql.push(&format!(
        "SELECT {key} AS group_key, {label} AS label, c.currency AS currency, \
         CAST(SUM(c.n) AS BIGINT) AS count, CAST(SUM(c.total_minor) AS BIGINT) AS total_minor \
         FROM report_giving_days c {join} WHERE c.day >= "
    ))
    .bind(from)
    .push(" AND c.day <= ")
    .bind(to)
    .push(&format!(
        " GROUP BY {key}, {label}, c.currency ORDER BY 1, 3"
    ));
    Ok(SummaryRow::find_by_statement(sql.statement())
        .all(&state.db)
        .await?)
}
