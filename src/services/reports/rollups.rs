//! The giving reports' roll-ups, kept in step with `contributions` the way `spans` keeps the
//! membership timelines: a trigger queues the contact and the received date of every inserted,
//! changed or deleted contribution (old and new values), and [`refresh`] — run before each giving
//! report — recomputes the queued days and contacts from the contributions themselves:
//!
//! - `report_giving_days`: per day, financial type, campaign (0: none), payment instrument
//!   (`NONE`: none) and currency, the count and net total (`amount − refunded`) of the COMPLETED
//!   contributions received that day — what `contributionSummary` adds up;
//! - `report_donor_years`: per contact, each year they gave (a COMPLETED contribution received that
//!   year) with the next year they gave, so "gave in Y − 1 and not in Y" is one row's test;
//! - `report_donor_totals`: per contact and currency, the net total of all their COMPLETED
//!   contributions (each counted at least 0) — an upper bound of what they gave in any range, by
//!   which `topDonors` takes its candidates largest first.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult};

use super::spans::{dequeue, exec, queued};
use crate::db::sql::Sql;
use crate::db::{begin_write, lock_subject};
use crate::error::AppResult;

const INSERT_ROWS: usize = 500;

#[derive(Debug, FromQueryResult)]
struct Gift {
    contact_id: i64,
    received_date: NaiveDate,
    currency: String,
    net_minor: i64,
}

/// Brings the roll-ups up to date. Cheap when nothing changed (two reads, no write).
pub async fn refresh(db: &DatabaseConnection) -> AppResult<()> {
    while queued(db, &["report_dirty_days", "report_dirty_donors"]).await? {
        let txn = begin_write(db).await?;
        lock_subject(&txn, "report-giving", "refresh").await?;
        let days: Vec<NaiveDate> = dequeue(&txn, "report_dirty_days", "day").await?;
        if !days.is_empty() {
            roll_up_days(&txn, &days).await?;
        }
        let contacts: Vec<i64> = dequeue(&txn, "report_dirty_donors", "contact_id").await?;
        if !contacts.is_empty() {
            donor_years(&txn, &contacts).await?;
        }
        txn.commit().await?;
    }
    Ok(())
}

async fn roll_up_days<C: ConnectionTrait>(txn: &C, days: &[NaiveDate]) -> AppResult<()> {
    let backend = txn.get_database_backend();
    let mut delete = Sql::new(backend);
    delete
        .push("DELETE FROM report_giving_days WHERE day IN ")
        .bind_list(days.iter().copied());
    exec(txn, delete).await?;
    let mut insert = Sql::new(backend);
    insert
        .push(
            "INSERT INTO report_giving_days (day, financial_type_id, campaign_id, \
             payment_instrument, currency, n, total_minor) SELECT received_date, financial_type_id, \
             COALESCE(campaign_id, 0), COALESCE(payment_instrument, 'NONE'), currency, COUNT(*), \
             SUM(amount_minor - refunded_minor) FROM contributions WHERE status = 'COMPLETED' \
             AND received_date IN ",
        )
        .bind_list(days.iter().copied())
        .push(
            " GROUP BY received_date, financial_type_id, COALESCE(campaign_id, 0), \
             COALESCE(payment_instrument, 'NONE'), currency",
        );
    exec(txn, insert).await
}

/// Each year a contact gave, with the next year they gave (None: not since).
pub fn giving_years(dates: impl IntoIterator<Item = NaiveDate>) -> Vec<(i32, Option<i32>)> {
    let years: Vec<i32> = dates
        .into_iter()
        .map(|d| d.year())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    years
        .iter()
        .enumerate()
        .map(|(i, y)| (*y, years.get(i + 1).copied()))
        .collect()
}

async fn donor_years<C: ConnectionTrait>(txn: &C, contacts: &[i64]) -> AppResult<()> {
    let backend = txn.get_database_backend();
    let mut read = Sql::new(backend);
    read.push(
        "SELECT contact_id, received_date, currency, amount_minor - refunded_minor AS net_minor \
         FROM contributions WHERE status = 'COMPLETED' AND contact_id IN ",
    )
    .bind_list(contacts.iter().copied());
    let mut by_contact: BTreeMap<i64, Vec<NaiveDate>> = BTreeMap::new();
    let mut totals: BTreeMap<(i64, String), i64> = BTreeMap::new();
    for g in Gift::find_by_statement(read.statement()).all(txn).await? {
        by_contact
            .entry(g.contact_id)
            .or_default()
            .push(g.received_date);
        *totals.entry((g.contact_id, g.currency)).or_default() += g.net_minor.max(0);
    }
    for table in ["report_donor_years", "report_donor_totals"] {
        let mut delete = Sql::new(backend);
        delete
            .push("DELETE FROM ")
            .push(table)
            .push(" WHERE contact_id IN ")
            .bind_list(contacts.iter().copied());
        exec(txn, delete).await?;
    }
    let totals: Vec<_> = totals.into_iter().collect();
    for chunk in totals.chunks(INSERT_ROWS) {
        let mut sql = Sql::new(backend);
        sql.push("INSERT INTO report_donor_totals (contact_id, currency, bound_minor) VALUES ");
        for (i, ((c, currency), bound)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(*c)
                .push(", ")
                .bind(currency.clone())
                .push(", ")
                .bind(*bound)
                .push(")");
        }
        exec(txn, sql).await?;
    }
    let rows: Vec<(i64, i32, Option<i32>)> = by_contact
        .into_iter()
        .flat_map(|(c, dates)| {
            giving_years(dates)
                .into_iter()
                .map(move |(y, next)| (c, y, next))
        })
        .collect();
    for chunk in rows.chunks(INSERT_ROWS) {
        let mut sql = Sql::new(backend);
        sql.push("INSERT INTO report_donor_years (contact_id, year, next_year) VALUES ");
        for (i, (c, y, next)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(*c)
                .push(", ")
                .bind(*y)
                .push(", ")
                .bind(*next)
                .push(")");
        }
        exec(txn, sql).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_year_points_at_the_next_year_given() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            giving_years([
                d("2024-03-01"),
                d("2021-05-01"),
                d("2024-12-31"),
                d("2025-01-01")
            ]),
            vec![(2021, Some(2024)), (2024, Some(2025)), (2025, None)]
        );
        assert!(giving_years([]).is_empty());
    }
}
