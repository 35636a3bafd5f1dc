//! A membership's status timeline: the days on which each status held, computed once from its
//! history and the status rules so that the reports count days instead of recomputing a snapshot
//! per date.
//!
//! **The record on day D** is the history row in force at the end of D: a row recorded at `t` is in
//! force from the day of `t` (the first row: from always) until the day before the next row's `t`,
//! and only from its own join date on (before it the membership did not exist yet).
//! **The status on D** is the row's status when that is an admin status (held), and otherwise what
//! the rules give for the row's dates on D. Statuses change only where a rule boundary opens or
//! closes, so each row's days split into a few spans, found by evaluating the rules at those days.

use chrono::{Duration, NaiveDate};

use super::status::{Computed, MembershipDates, StatusRule, compute, ordered};

/// One history row as the timeline needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub status_id: i64,
    /// The row's status is an admin status: it holds whatever the dates say.
    pub admin: bool,
    pub type_id: i64,
    pub join: NaiveDate,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    /// The day the row was recorded; None for the membership's first row.
    pub from: Option<NaiveDate>,
    /// The day the next row was recorded; None for the latest row.
    pub until: Option<NaiveDate>,
}

/// Days `[from, until)` on which a membership had one type, status and end date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub type_id: i64,
    pub status_id: i64,
    pub end: Option<NaiveDate>,
    pub from: NaiveDate,
    /// Exclusive; None: still so.
    pub until: Option<NaiveDate>,
}

impl Span {
    pub fn covers(&self, d: NaiveDate) -> bool {
        self.from <= d && self.until.is_none_or(|u| d < u)
    }
}

/// The days where a rule's range opens or closes for these dates.
fn boundaries(rules: &[StatusRule], dates: &MembershipDates) -> Vec<NaiveDate> {
    let event = |e| match e {
        super::status::Event::Join => Some(dates.join),
        super::status::Event::Start => Some(dates.start),
        super::status::Event::End => dates.end,
    };
    let mut out = Vec::new();
    for rule in ordered(rules) {
        if let Some(b) = rule.start
            && let Some(e) = event(b.event)
        {
            out.push(b.offset.apply(e));
        }
        if let Some(b) = rule.end
            && let Some(e) = event(b.event)
        {
            out.push(b.offset.apply(e) + Duration::days(1));
        }
    }
    out
}

/// The spans of one membership from its history rows in order; adjacent spans that agree are merged.
pub fn spans(rows: &[Row], rules: &[StatusRule], pending: i64) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    for row in rows {
        let lo = row.from.map_or(row.join, |f| f.max(row.join));
        if row.until.is_some_and(|u| u <= lo) {
            continue;
        }
        let dates = MembershipDates {
            join: row.join,
            start: row.start,
            end: row.end,
        };
        let mut cuts = vec![lo];
        if !row.admin {
            cuts.extend(
                boundaries(rules, &dates)
                    .into_iter()
                    .filter(|d| *d > lo && row.until.is_none_or(|u| *d < u)),
            );
            cuts.sort_unstable();
            cuts.dedup();
        }
        for (i, from) in cuts.iter().enumerate() {
            let status_id = if row.admin {
                row.status_id
            } else {
                match compute(rules, &dates, *from) {
                    Computed::Rule(id) => id,
                    Computed::Pending => pending,
                }
            };
            let until = cuts.get(i + 1).copied().or(row.until);
            push(
                &mut out,
                Span {
                    type_id: row.type_id,
                    status_id,
                    end: row.end,
                    from: *from,
                    until,
                },
            );
        }
    }
    out
}

fn push(out: &mut Vec<Span>, span: Span) {
    if let Some(last) = out.last_mut()
        && last.until == Some(span.from)
        && (last.type_id, last.status_id, last.end) == (span.type_id, span.status_id, span.end)
    {
        last.until = span.until;
        return;
    }
    out.push(span);
}

/// When a span's end date counts as renewed, for retention's "renewed": the end date on a later day
/// D is later than the span's. `Regular(Some(d))`: from day d on, always (every later day is covered
/// and its end date is later); `Regular(None)`: never; `Irregular`: it depends on the day (an end
/// date moved back, or days without a record), so the report looks the day up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Renewal {
    Regular(Option<NaiveDate>),
    Irregular,
}

pub fn renewal(spans: &[Span], i: usize) -> Renewal {
    let Some(end) = spans.get(i).and_then(|s| s.end) else {
        return Renewal::Regular(None);
    };
    let later = |s: &Span| s.end.is_none_or(|e| e > end);
    let Some(j) = (i + 1..spans.len()).find(|j| later(&spans[*j])) else {
        return Renewal::Regular(None);
    };
    let rest = &spans[j..];
    let contiguous = rest.windows(2).all(|w| w[0].until == Some(w[1].from));
    let open = rest.last().is_some_and(|s| s.until.is_none());
    if contiguous && open && rest.iter().all(later) {
        Renewal::Regular(Some(spans[j].from))
    } else {
        Renewal::Irregular
    }
}

/// Days `[from, until)`; None: open-ended.
pub type Days = (NaiveDate, Option<NaiveDate>);

/// Merges day ranges that overlap or touch.
pub fn merge(mut ranges: Vec<Days>) -> Vec<Days> {
    ranges.sort_unstable_by_key(|r| r.0);
    let mut out: Vec<Days> = Vec::new();
    for (from, until) in ranges {
        if let Some(last) = out.last_mut()
            && last.1.is_none_or(|u| from <= u)
        {
            last.1 = match (last.1, until) {
                (None, _) | (_, None) => None,
                (Some(a), Some(b)) => Some(a.max(b)),
            };
            continue;
        }
        out.push((from, until));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dates::{Offset, Unit};
    use crate::domain::status::{Boundary, Event};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn rules() -> Vec<StatusRule> {
        let b = |event, amount, unit| {
            Some(Boundary {
                event,
                offset: Offset::new(amount, unit),
            })
        };
        let rule = |id, start, end, weight| StatusRule {
            id,
            name: format!("s{id}"),
            start,
            end,
            is_current_member: id < 4,
            is_admin: false,
            is_active: true,
            weight,
        };
        vec![
            rule(
                1,
                b(Event::Join, 0, Unit::Day),
                b(Event::Join, 3, Unit::Month),
                1,
            ),
            rule(
                2,
                b(Event::Start, 0, Unit::Day),
                b(Event::End, 0, Unit::Day),
                2,
            ),
            rule(
                3,
                b(Event::End, 1, Unit::Day),
                b(Event::End, 1, Unit::Month),
                3,
            ),
            rule(4, b(Event::End, 1, Unit::Month), None, 4),
        ]
    }

    fn row(from: Option<&str>, until: Option<&str>, end: &str) -> Row {
        Row {
            status_id: 2,
            admin: false,
            type_id: 7,
            join: d("2025-01-10"),
            start: d("2025-01-10"),
            end: Some(d(end)),
            from: from.map(d),
            until: until.map(d),
        }
    }

    /// Every day's status from the spans equals `compute` on the row in force that day.
    #[test]
    fn spans_agree_with_the_rules_day_by_day() {
        let rows = vec![
            row(None, Some("2026-01-20"), "2026-01-09"),
            row(Some("2026-01-20"), None, "2027-01-09"),
        ];
        let spans = spans(&rows, &rules(), 99);
        let mut day = d("2024-12-01");
        while day < d("2028-06-01") {
            let row = if day < d("2026-01-20") {
                &rows[0]
            } else {
                &rows[1]
            };
            let dates = MembershipDates {
                join: row.join,
                start: row.start,
                end: row.end,
            };
            let want = (day >= row.join).then(|| match compute(&rules(), &dates, day) {
                Computed::Rule(id) => (id, row.end),
                Computed::Pending => (99, row.end),
            });
            let got: Vec<_> = spans.iter().filter(|s| s.covers(day)).collect();
            assert!(got.len() <= 1, "{day}: {got:?}");
            assert_eq!(got.first().map(|s| (s.status_id, s.end)), want, "{day}");
            day += Duration::days(1);
        }
        // New, Current, Grace (lapsing), then renewed: Current until the new end, Grace, Expired.
        let statuses: Vec<i64> = spans.iter().map(|s| s.status_id).collect();
        assert_eq!(statuses, vec![1, 2, 3, 2, 3, 4]);
        assert_eq!(renewal(&spans, 1), Renewal::Regular(Some(d("2026-01-20"))));
        assert_eq!(renewal(&spans, 4), Renewal::Regular(None));
    }

    #[test]
    fn an_admin_status_holds_and_a_shortened_end_is_irregular() {
        let mut cancelled = row(Some("2025-06-01"), Some("2025-09-01"), "2026-01-09");
        cancelled.admin = true;
        cancelled.status_id = 9;
        let rows = vec![
            row(None, Some("2025-06-01"), "2026-01-09"),
            cancelled,
            row(Some("2025-09-01"), Some("2025-10-01"), "2027-01-09"),
            row(Some("2025-10-01"), None, "2025-12-31"),
        ];
        let spans = spans(&rows, &rules(), 99);
        let held: Vec<_> = spans.iter().filter(|s| s.status_id == 9).collect();
        assert_eq!(held.len(), 1);
        assert_eq!(
            (held[0].from, held[0].until),
            (d("2025-06-01"), Some(d("2025-09-01")))
        );
        // The end date went up, then back down below the first one's: it depends on the day.
        assert_eq!(renewal(&spans, 0), Renewal::Irregular);
    }

    #[test]
    fn a_row_before_its_join_date_covers_nothing_and_ranges_merge() {
        let mut late = row(None, Some("2025-01-05"), "2026-01-09");
        late.join = d("2025-02-01");
        let spans = spans(&[late], &rules(), 99);
        assert!(spans.is_empty(), "{spans:?}");
        let merged = merge(vec![
            (d("2025-03-01"), Some(d("2025-04-01"))),
            (d("2025-01-01"), Some(d("2025-03-01"))),
            (d("2025-06-01"), None),
            (d("2025-07-01"), Some(d("2025-08-01"))),
        ]);
        assert_eq!(
            merged,
            vec![
                (d("2025-01-01"), Some(d("2025-04-01"))),
                (d("2025-06-01"), None)
            ]
        );
    }
}
