//! A membership's status on a date as one SQL `CASE` over its stored dates, built from the status
//! rules: each boundary "event + offset <= D" becomes "event <= t" for a constant t computed in Rust
//! (adding an offset is monotone, see `Offset::latest_with_result_at_most`), so the database never does
//! calendar arithmetic and the result equals `domain::status::compute`. The expression reads the
//! unqualified columns `join_date`, `start_date` and `end_date` (of `memberships` or
//! `membership_history`).

use chrono::NaiveDate;

use crate::db::sql::Sql;
use crate::domain::status::{Boundary, Event, StatusRule, ordered};

fn column(e: Event) -> &'static str {
    match e {
        Event::Join => "join_date",
        Event::Start => "start_date",
        Event::End => "end_date",
    }
}

/// "event + offset <= D" as a comparison of the stored date with a constant.
fn opened(sql: &mut Sql, b: Boundary, on: NaiveDate) {
    let t = b.offset.latest_with_result_at_most(on);
    let col = column(b.event);
    if b.event == Event::End {
        sql.push("end_date IS NOT NULL AND ");
    }
    sql.push(col).push(" <= ").bind(t);
}

/// "event + offset >= D"; an end counted from a missing end date (lifetime) never closes.
fn not_closed(sql: &mut Sql, b: Boundary, on: NaiveDate) {
    let t = b.offset.earliest_with_result_at_least(on);
    if b.event == Event::End {
        sql.push("(end_date IS NULL OR end_date >= ")
            .bind(t)
            .push(")");
    } else {
        sql.push(column(b.event)).push(" >= ").bind(t);
    }
}

/// The status expression for `on`, mirroring `domain::status::compute` rule by rule.
pub fn status_case(sql: &mut Sql, rules: &[StatusRule], on: NaiveDate, pending: i64) {
    sql.push("(CASE WHEN join_date > ")
        .bind(on)
        .push(" THEN ")
        .bind(pending);
    for rule in ordered(rules) {
        let Some(start) = rule.start else { continue };
        sql.push(" WHEN (");
        opened(sql, start, on);
        sql.push(")");
        if let Some(end) = rule.end {
            sql.push(" AND (");
            not_closed(sql, end, on);
            sql.push(")");
        }
        sql.push(" THEN ").bind(rule.id);
    }
    sql.push(" ELSE ").bind(pending).push(" END)");
}
