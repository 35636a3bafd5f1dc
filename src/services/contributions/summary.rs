//! The donor summary: a contact's giving per currency, aggregated by the database over the
//! `(contact_id, received_date, id)` index — never by loading a donor's rows into Rust. Completed
//! gifts count net of partial refunds; fully refunded ones do not count. Soft credits are reported
//! beside hard credits, never added to them, so nothing is counted twice.

use chrono::{Datelike, NaiveDate};
use sea_orm::FromQueryResult;

use crate::db::sql::Sql;
use crate::domain::contribution::DonorSummary;
use crate::error::AppResult;
use crate::state::AppState;

#[derive(Debug, FromQueryResult)]
struct Row {
    contact_id: i64,
    currency: String,
    lifetime: i64,
    gifts: i64,
    first_date: Option<NaiveDate>,
    last_date: Option<NaiveDate>,
    largest: i64,
    this_year: i64,
    last_year: i64,
    first_amount: Option<i64>,
    last_amount: Option<i64>,
}

#[derive(Debug, FromQueryResult)]
struct SoftRow {
    contact_id: i64,
    currency: String,
    total: i64,
}

/// The summaries of several contacts (one row per contact and currency), as of `today` for
/// "this year" and "last year".
pub async fn donor_summaries(
    state: &AppState,
    contact_ids: &[i64],
    today: NaiveDate,
) -> AppResult<Vec<(i64, DonorSummary)>> {
    if contact_ids.is_empty() {
        return Ok(Vec::new());
    }
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let next_year = NaiveDate::from_ymd_opt(today.year() + 1, 1, 1).unwrap_or(today);
    let last_year = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).unwrap_or(today);
    let net = "(c.amount_minor - c.refunded_minor)";
    // First and last gift amounts come from correlated lookups on the same index.
    let edge = |dir: &str| {
        format!(
            "(SELECT e.amount_minor - e.refunded_minor FROM contributions e \
             WHERE e.contact_id = c.contact_id AND e.currency = c.currency AND e.status = 'COMPLETED' \
             ORDER BY e.received_date {dir}, e.id {dir} LIMIT 1)"
        )
    };
    let mut sql = Sql::new(state.db.get_database_backend());
    sql.push(&format!(
        "SELECT c.contact_id, c.currency, CAST(SUM({net}) AS BIGINT) AS lifetime, COUNT(*) AS gifts, \
         MIN(c.received_date) AS first_date, MAX(c.received_date) AS last_date, \
         CAST(MAX({net}) AS BIGINT) AS largest, \
         CAST(SUM(CASE WHEN c.received_date >= "
    ))
    .bind(year_start)
    .push(" AND c.received_date < ")
    .bind(next_year)
    .push(&format!(
        " THEN {net} ELSE 0 END) AS BIGINT) AS this_year, CAST(SUM(CASE WHEN c.received_date >= "
    ))
    .bind(last_year)
    .push(" AND c.received_date < ")
    .bind(year_start)
    .push(&format!(
        " THEN {net} ELSE 0 END) AS BIGINT) AS last_year, {} AS first_amount, {} AS last_amount \
         FROM contributions c WHERE c.status = 'COMPLETED' AND c.contact_id IN ",
        edge("ASC"),
        edge("DESC")
    ));
    sql.bind_list(contact_ids.iter().copied())
        .push(" GROUP BY c.contact_id, c.currency ORDER BY c.contact_id, c.currency");
    let rows = Row::find_by_statement(sql.statement())
        .all(&state.db)
        .await?;
    let mut soft = Sql::new(state.db.get_database_backend());
    soft.push(
        "SELECT s.contact_id, c.currency, CAST(SUM(s.amount_minor) AS BIGINT) AS total \
         FROM contribution_soft_credits s JOIN contributions c ON c.id = s.contribution_id \
         WHERE c.status = 'COMPLETED' AND s.contact_id IN ",
    )
    .bind_list(contact_ids.iter().copied())
    .push(" GROUP BY s.contact_id, c.currency");
    let softs = SoftRow::find_by_statement(soft.statement())
        .all(&state.db)
        .await?;
    let mut out: Vec<(i64, DonorSummary)> = rows
        .into_iter()
        .map(|r| {
            (
                r.contact_id,
                DonorSummary {
                    currency: r.currency,
                    lifetime_minor: r.lifetime,
                    count: r.gifts,
                    first_date: r.first_date,
                    first_minor: r.first_amount.unwrap_or(0),
                    last_date: r.last_date,
                    last_minor: r.last_amount.unwrap_or(0),
                    largest_minor: r.largest,
                    this_year_minor: r.this_year,
                    last_year_minor: r.last_year,
                    soft_credit_minor: 0,
                },
            )
        })
        .collect();
    for s in softs {
        match out
            .iter_mut()
            .find(|(c, d)| *c == s.contact_id && d.currency == s.currency)
        {
            Some((_, d)) => d.soft_credit_minor = s.total,
            None => out.push((
                s.contact_id,
                DonorSummary {
                    currency: s.currency,
                    soft_credit_minor: s.total,
                    ..Default::default()
                },
            )),
        }
    }
    Ok(out)
}
