//! Scheduled reminders: when a reminder fires for a date it is anchored to.
//!
//! A reminder's occurrences are `anchor + s` for signed amounts `s` (in the reminder's unit): the
//! first is the offset (negative when BEFORE), repeats add `every` while not past `until`. Amounts are
//! always added to the anchor, never to the previous occurrence, so month clamping cannot drift
//! (Jan 31 + 1 month is Feb 28, + 2 months is Mar 31, not Mar 28).
//!
//! Selection turns "anchor + s within the window" into "anchor within [lo, hi]" with the monotone
//! thresholds of [`Offset`], so SQL compares stored dates with constants; the exact occurrences are
//! then computed here for the candidates.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::FieldError;
use super::dates::{Offset, Unit, add, add_days, add_months};

/// A scheduled reminder as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduledReminder {
    pub id: i64,
    pub name: String,
    pub template_key: String,
    pub anchor: Anchor,
    pub offset: i64,
    pub unit: Unit,
    pub direction: Direction,
    /// Empty: every type.
    pub membership_type_ids: Vec<i64>,
    /// Empty: the statuses that count as current.
    pub status_ids: Vec<i64>,
    pub repeat_every: Option<i64>,
    pub repeat_until: Option<i64>,
    pub is_active: bool,
    /// EVENT_START reminders: the one event they are for; None: every event.
    pub event_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ScheduledReminder {
    /// Its timing (checked when it was saved).
    pub fn schedule(&self) -> Result<Schedule, FieldError> {
        Schedule::parse(
            self.anchor,
            self.offset,
            self.unit,
            self.direction,
            self.repeat_every,
            self.repeat_until,
        )
    }
}

/// Largest offset, repeat interval or repeat end, in the reminder's unit.
pub const MAX_AMOUNT: i64 = 1000;

coded_enum! {
    /// The date a reminder is counted from.
    pub enum Anchor as "reminder anchor" {
        JoinDate = "JOIN_DATE",
        StartDate = "START_DATE",
        EndDate = "END_DATE",
        /// The contact's birthday in each year (Feb 29 falls on Feb 28 in other years).
        BirthDate = "BIRTH_DATE",
        /// Each anniversary of the join date, from the first year on (clamped like birthdays).
        JoinAnniversary = "JOIN_ANNIVERSARY",
        /// The start of an event (its date in UTC), sent to its registered participants.
        EventStart = "EVENT_START",
    }
}

impl Anchor {
    /// Whether the anchor recurs every year (selected by month and day rather than by date).
    pub fn is_yearly(self) -> bool {
        matches!(self, Anchor::BirthDate | Anchor::JoinAnniversary)
    }
}

coded_enum! {
    /// Whether the offset counts back from the anchor or forward.
    pub enum Direction as "reminder direction" {
        Before = "BEFORE",
        After = "AFTER",
    }
}

impl Direction {
    fn sign(self) -> i64 {
        match self {
            Direction::Before => -1,
            Direction::After => 1,
        }
    }
}

/// The days a run covers: occurrences from `from` through `to` are due. A run as of D covers
/// `D - catch-up days ..= D`, so a reminder missed while the server was down is still sent late, and
/// the dedupe key makes sure it is sent once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Window {
    pub fn catching_up(as_of: NaiveDate, catch_up_days: i64) -> Self {
        Self {
            from: add_days(as_of, -catch_up_days.max(0)),
            to: as_of,
        }
    }

    pub fn contains(self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }
}

/// When a reminder fires relative to its anchor: validated, so every value is usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    anchor: Anchor,
    offset: i64,
    unit: Unit,
    direction: Direction,
    /// `(every, until)`; `until` counts from the anchor in `direction`, like the offset.
    repeat: Option<(i64, i64)>,
}

/// The anchor dates whose occurrence number `occurrence` falls in a window (inclusive, non-empty).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnchorRange {
    pub occurrence: u32,
    pub lo: NaiveDate,
    pub hi: NaiveDate,
}

/// One due occurrence: which one, the anchor date it counts from, and the day it falls on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Due {
    pub occurrence: u32,
    pub anchor: NaiveDate,
    pub trigger: NaiveDate,
}

fn amount(value: i64, field: &str) -> Result<i64, FieldError> {
    if (0..=MAX_AMOUNT).contains(&value) {
        Ok(value)
    } else {
        Err(FieldError::new(
            field,
            format!("must be between 0 and {MAX_AMOUNT}"),
        ))
    }
}

impl Schedule {
    /// Checks a reminder's timing. Repeats need both `repeat_every` (at least 1) and `repeat_until`,
    /// which must lie beyond the first occurrence: more than the offset AFTER the anchor, or less
    /// than the offset BEFORE it (0 = the anchor date itself).
    pub fn parse(
        anchor: Anchor,
        offset: i64,
        unit: Unit,
        direction: Direction,
        repeat_every: Option<i64>,
        repeat_until: Option<i64>,
    ) -> Result<Self, FieldError> {
        if unit == Unit::Year {
            return Err(FieldError::new("unit", "must be DAY, WEEK or MONTH"));
        }
        let offset = amount(offset, "offset")?;
        let repeat = match (repeat_every, repeat_until) {
            (None, None) => None,
            (Some(_), None) => {
                return Err(FieldError::new("repeatUntil", "repeatEvery needs it too"));
            }
            (None, Some(_)) => {
                return Err(FieldError::new("repeatEvery", "repeatUntil needs it too"));
            }
            (Some(every), Some(until)) => {
                if !(1..=MAX_AMOUNT).contains(&every) {
                    return Err(FieldError::new(
                        "repeatEvery",
                        format!("must be between 1 and {MAX_AMOUNT}"),
                    ));
                }
                let until = amount(until, "repeatUntil")?;
                let past_first = match direction {
                    Direction::After => until > offset,
                    Direction::Before => until < offset,
                };
                if !past_first {
                    let side = match direction {
                        Direction::After => "more than the offset (repeats run after the anchor)",
                        Direction::Before => "less than the offset (repeats run up to the anchor)",
                    };
                    return Err(FieldError::new("repeatUntil", format!("must be {side}")));
                }
                Some((every, until))
            }
        };
        Ok(Self {
            anchor,
            offset,
            unit,
            direction,
            repeat,
        })
    }

    pub fn anchor(&self) -> Anchor {
        self.anchor
    }

    pub fn unit(&self) -> Unit {
        self.unit
    }

    /// The signed amount added to the anchor for each occurrence, first occurrence first.
    pub fn steps(&self) -> Vec<i64> {
        let sign = self.direction.sign();
        let first = sign * self.offset;
        match self.repeat {
            None => vec![first],
            Some((every, until)) => (0..)
                .map(|k| first + k * every)
                .take_while(|s| *s <= sign * until)
                .collect(),
        }
    }

    /// For each occurrence, the anchor dates that put it in `window` (empty ranges left out).
    pub fn anchor_ranges(&self, window: Window) -> Vec<AnchorRange> {
        self.steps()
            .into_iter()
            .enumerate()
            .filter_map(|(k, s)| {
                let offset = Offset::new(s, self.unit);
                let lo = offset.earliest_with_result_at_least(window.from);
                let hi = offset.latest_with_result_at_most(window.to);
                (lo <= hi).then_some(AnchorRange {
                    occurrence: k as u32,
                    lo,
                    hi,
                })
            })
            .collect()
    }

    /// The occurrences due in `window` for a stored date (the membership's date, or for yearly
    /// anchors the birth or join date they recur from), given this schedule's `ranges`.
    pub fn due(&self, stored: NaiveDate, ranges: &[AnchorRange]) -> Vec<Due> {
        let steps = self.steps();
        let mut out = Vec::new();
        for r in ranges {
            let s = steps[r.occurrence as usize];
            let anchors: Vec<NaiveDate> = if self.anchor.is_yearly() {
                (r.lo.year()..=r.hi.year())
                    .filter_map(|y| anniversary(stored, y))
                    .collect()
            } else {
                vec![stored]
            };
            for a in anchors.into_iter().filter(|a| r.lo <= *a && *a <= r.hi) {
                out.push(Due {
                    occurrence: r.occurrence,
                    anchor: a,
                    trigger: add(a, s, self.unit),
                });
            }
        }
        out.sort();
        out
    }
}

/// `stored`'s month and day in `year` (Feb 29 becomes Feb 28 in other years); none for the
/// stored year itself or earlier (a birth date is not a birthday, a join date not an anniversary).
pub fn anniversary(stored: NaiveDate, year: i32) -> Option<NaiveDate> {
    let years = i64::from(year) - i64::from(stored.year());
    (years >= 1).then(|| add_months(stored, 12 * years))
}

/// A set of month-days `MM-DD` for SQL: `from ..= to`, wrapping past New Year when `from > to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthDays {
    pub from: String,
    pub to: String,
}

impl MonthDays {
    pub fn wraps(&self) -> bool {
        self.from > self.to
    }
}

/// The stored month-days (`MM-DD` of a birth or join date) whose anniversary can fall in
/// `lo ..= hi`; `None` when every month-day can. A stored Feb 29 counts as Feb 28 in a common year,
/// so a range ending on a common Feb 28 takes `02-29` too. Never narrower than the exact set.
pub fn month_days(lo: NaiveDate, hi: NaiveDate) -> Option<MonthDays> {
    if (hi - lo).num_days() >= 365 {
        return None;
    }
    let fmt = |d: NaiveDate| format!("{:02}-{:02}", d.month(), d.day());
    let leap = |y: i32| NaiveDate::from_ymd_opt(y, 2, 29).is_some();
    let to = if hi.month() == 2 && hi.day() == 28 && !leap(hi.year()) {
        "02-29".to_string()
    } else {
        fmt(hi)
    };
    Some(MonthDays { from: fmt(lo), to })
}

#[cfg(test)]
mod tests;
