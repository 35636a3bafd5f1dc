//! The reports as CSV: the same arguments (as query parameters), the same access rule and the same
//! figures as their GraphQL fields — each row is what the service computed, written out. These
//! reports have bounded rows (types × statuses, periods, groups, at most 100 donors), so each is
//! computed at once; the long lists (`lapsed-members`, `lybunt`, `sybunt`) stream page by page in
//! `super::page`.
//!
//! Rates are fractions with four decimals (`0.8125`), empty when there is nothing to divide by.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{Names, date, ids, required_date, required_year, write_row};
use crate::db::entities::contact;
use crate::domain::money::format_minor;
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
use crate::services::contributions::exponent_of;
use crate::services::reports::{self, ContributionGroupBy, Interval, average_minor, rate};
use crate::state::AppState;

/// A report computed at once.
#[derive(Clone, Debug)]
pub enum ReportExport {
    MembershipSummary {
        as_of: NaiveDate,
        compare_to: Option<NaiveDate>,
    },
    Retention {
        from: NaiveDate,
        to: NaiveDate,
    },
    Trends {
        from: NaiveDate,
        to: NaiveDate,
        interval: Interval,
        types: Vec<i64>,
    },
    Cohorts {
        from: NaiveDate,
        to: NaiveDate,
        interval: Interval,
    },
    ContributionSummary {
        from: NaiveDate,
        to: NaiveDate,
        group_by: ContributionGroupBy,
    },
    DonorRetention {
        year: i32,
    },
    TopDonors {
        from: NaiveDate,
        to: NaiveDate,
        limit: u64,
    },
    MailingStats {
        from: NaiveDate,
        to: NaiveDate,
    },
}

fn interval(params: &HashMap<String, String>) -> AppResult<Interval> {
    match params.get("interval").map(String::as_str) {
        Some("MONTH") => Ok(Interval::Month),
        Some("QUARTER") => Ok(Interval::Quarter),
        Some("YEAR") => Ok(Interval::Year),
        _ => Err(AppError::bad_input(
            "interval",
            "is required: MONTH, QUARTER or YEAR",
        )),
    }
}

fn group_by(params: &HashMap<String, String>) -> AppResult<ContributionGroupBy> {
    match params.get("groupBy").map(String::as_str) {
        Some("FINANCIAL_TYPE") => Ok(ContributionGroupBy::FinancialType),
        Some("MONTH") => Ok(ContributionGroupBy::Month),
        Some("CAMPAIGN") => Ok(ContributionGroupBy::Campaign),
        Some("PAYMENT_INSTRUMENT") => Ok(ContributionGroupBy::PaymentInstrument),
        _ => Err(AppError::bad_input(
            "groupBy",
            "is required: FINANCIAL_TYPE, MONTH, CAMPAIGN or PAYMENT_INSTRUMENT",
        )),
    }
}

/// The report export called `name`, or None when no report has that name.
pub(super) fn parse(
    name: &str,
    params: &HashMap<String, String>,
) -> AppResult<Option<ReportExport>> {
    let range = || -> AppResult<(NaiveDate, NaiveDate)> {
        Ok((required_date(params, "from")?, required_date(params, "to")?))
    };
    Ok(Some(match name {
        "membership-summary" => ReportExport::MembershipSummary {
            as_of: required_date(params, "asOf")?,
            compare_to: date(params, "compareTo")?,
        },
        "retention" => {
            let (from, to) = range()?;
            ReportExport::Retention { from, to }
        }
        "membership-trends" => {
            let (from, to) = range()?;
            ReportExport::Trends {
                from,
                to,
                interval: interval(params)?,
                types: ids(params, "membershipTypeIds")?,
            }
        }
        "cohort-retention" => {
            let (from, to) = range()?;
            ReportExport::Cohorts {
                from,
                to,
                interval: interval(params)?,
            }
        }
        "contribution-summary" => {
            let (from, to) = range()?;
            ReportExport::ContributionSummary {
                from,
                to,
                group_by: group_by(params)?,
            }
        }
        "donor-retention" => ReportExport::DonorRetention {
            year: required_year(params, "year")?,
        },
        "top-donors" => {
            let (from, to) = range()?;
            let limit = match params.get("limit") {
                None => 10,
                // The service checks the range.
                Some(v) => v
                    .parse::<u64>()
                    .map_err(|_| AppError::bad_input("limit", "must be a number"))?,
            };
            ReportExport::TopDonors { from, to, limit }
        }
        "mailing-stats" => {
            let (from, to) = range()?;
            ReportExport::MailingStats { from, to }
        }
        _ => return Ok(None),
    }))
}

fn strings<const N: usize>(cells: [&str; N]) -> [String; N] {
    cells.map(String::from)
}

fn rate_cell(part: i64, whole: i64) -> String {
    rate(part, whole).map_or(String::new(), |r| format!("{r:.4}"))
}

fn money(minor: i64, currency: &str) -> String {
    format_minor(minor, exponent_of(currency))
}

/// Computes the report (the service checks access) and writes it, header first.
pub(super) async fn write(
    state: &AppState,
    viewer: &Viewer,
    report: &ReportExport,
    out: &mut csv::Writer<Vec<u8>>,
) -> AppResult<()> {
    match report {
        ReportExport::MembershipSummary { as_of, compare_to } => {
            let mut summaries = vec![reports::membership_summary(state, viewer, *as_of).await?];
            if let Some(other) = compare_to {
                summaries.push(reports::membership_summary(state, viewer, *other).await?);
            }
            let names = Names::load(state).await?;
            write_row(
                out,
                &strings(["as_of", "membership_type", "status", "memberships"]),
            )?;
            for s in &summaries {
                for (type_id, status_id, n) in &s.rows {
                    write_row(
                        out,
                        &[
                            s.as_of.to_string(),
                            names.type_name(*type_id),
                            names.status_name(*status_id),
                            n.to_string(),
                        ],
                    )?;
                }
                write_row(
                    out,
                    &[
                        s.as_of.to_string(),
                        "(all types)".into(),
                        "(current memberships)".into(),
                        s.current_memberships.to_string(),
                    ],
                )?;
                write_row(
                    out,
                    &[
                        s.as_of.to_string(),
                        "(all types)".into(),
                        "(current members: contacts)".into(),
                        s.current_members.to_string(),
                    ],
                )?;
            }
        }
        ReportExport::Retention { from, to } => {
            let rows = reports::retention(state, viewer, *from, to.to_owned()).await?;
            let names = Names::load(state).await?;
            write_row(
                out,
                &strings([
                    "from",
                    "to",
                    "membership_type",
                    "starting_members",
                    "retained",
                    "retention_rate",
                    "churn_rate",
                    "came_due",
                    "renewed",
                    "renewal_rate",
                ]),
            )?;
            for r in &rows {
                write_row(
                    out,
                    &[
                        from.to_string(),
                        to.to_string(),
                        r.membership_type_id
                            .map_or("(all types)".into(), |t| names.type_name(t)),
                        r.starting.to_string(),
                        r.retained.to_string(),
                        rate_cell(r.retained, r.starting),
                        rate(r.retained, r.starting)
                            .map_or(String::new(), |x| format!("{:.4}", 1.0 - x)),
                        r.came_due.to_string(),
                        r.renewed.to_string(),
                        rate_cell(r.renewed, r.came_due),
                    ],
                )?;
            }
        }
        ReportExport::Trends {
            from,
            to,
            interval,
            types,
        } => {
            let periods = reports::trends(state, viewer, *from, *to, *interval, types).await?;
            write_row(
                out,
                &strings([
                    "start",
                    "end",
                    "current_at_start",
                    "current_at_end",
                    "joined",
                    "renewed",
                    "lapsed",
                    "reinstated",
                    "net_change",
                ]),
            )?;
            for p in &periods {
                write_row(
                    out,
                    &[
                        p.start.to_string(),
                        p.end.to_string(),
                        p.current_at_start.to_string(),
                        p.current_at_end.to_string(),
                        p.joined.to_string(),
                        p.renewed.to_string(),
                        p.lapsed.to_string(),
                        p.reinstated.to_string(),
                        (p.current_at_end - p.current_at_start).to_string(),
                    ],
                )?;
            }
        }
        ReportExport::Cohorts { from, to, interval } => {
            let spans = reports::periods(*from, *to, *interval)?;
            let cohorts = reports::cohorts(state, viewer, *from, *to, *interval).await?;
            // One row per cohort and period since joining (a long table, as spreadsheets pivot it).
            write_row(
                out,
                &strings([
                    "cohort_start",
                    "cohort_end",
                    "size",
                    "periods_since_joining",
                    "on",
                    "still_current",
                    "retention",
                ]),
            )?;
            for (i, c) in cohorts.iter().enumerate() {
                for (k, n) in c.still_current.iter().enumerate() {
                    let on = spans.get(i + k).map_or(String::new(), |s| s.1.to_string());
                    write_row(
                        out,
                        &[
                            c.start.to_string(),
                            c.end.to_string(),
                            c.size.to_string(),
                            k.to_string(),
                            on,
                            n.to_string(),
                            rate_cell(*n, c.size),
                        ],
                    )?;
                }
            }
        }
        ReportExport::ContributionSummary { from, to, group_by } => {
            let rows = reports::contribution_summary(state, viewer, *from, *to, *group_by).await?;
            write_row(
                out,
                &strings(["key", "label", "currency", "count", "total", "average"]),
            )?;
            for r in &rows {
                write_row(
                    out,
                    &[
                        r.group_key.clone(),
                        r.label.clone(),
                        r.currency.clone(),
                        r.count.to_string(),
                        money(r.total_minor, &r.currency),
                        money(average_minor(r.total_minor, r.count), &r.currency),
                    ],
                )?;
            }
        }
        ReportExport::DonorRetention { year } => {
            let d = reports::donor_retention(state, viewer, *year).await?;
            write_row(
                out,
                &strings(["year", "previous_year_donors", "retained", "retention_rate"]),
            )?;
            write_row(
                out,
                &[
                    d.year.to_string(),
                    d.previous_donors.to_string(),
                    d.retained.to_string(),
                    rate_cell(d.retained, d.previous_donors),
                ],
            )?;
        }
        ReportExport::TopDonors { from, to, limit } => {
            let rows = reports::top_donors(state, viewer, *from, *to, *limit).await?;
            let names: HashMap<i64, String> = contact::Entity::find()
                .filter(contact::Column::Id.is_in(rows.iter().map(|r| r.contact_id)))
                .all(&state.db)
                .await?
                .into_iter()
                .map(|c| (c.id, c.display_name))
                .collect();
            write_row(
                out,
                &strings(["contact_id", "display_name", "currency", "count", "total"]),
            )?;
            for r in &rows {
                write_row(
                    out,
                    &[
                        r.contact_id.to_string(),
                        names.get(&r.contact_id).cloned().unwrap_or_default(),
                        r.currency.clone(),
                        r.count.to_string(),
                        money(r.total_minor, &r.currency),
                    ],
                )?;
            }
        }
        ReportExport::MailingStats { from, to } => {
            let rows = reports::mailing_stats(state, viewer, *from, *to).await?;
            write_row(
                out,
                &strings([
                    "template",
                    "total",
                    "queued",
                    "sent",
                    "failed",
                    "cancelled",
                    "letters",
                ]),
            )?;
            for r in &rows {
                write_row(
                    out,
                    &[
                        r.template_key.clone(),
                        r.total.to_string(),
                        r.queued.to_string(),
                        r.sent.to_string(),
                        r.failed.to_string(),
                        r.cancelled.to_string(),
                        r.letters.to_string(),
                    ],
                )?;
            }
        }
    }
    Ok(())
}
