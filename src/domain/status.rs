//! Membership statuses as ordered rules (CiviCRM's model, without its surprises).
//!
//! Each rule covers an inclusive date range `[start event + offset, end event + offset]`; the status on
//! a date is the first active, non-admin rule by weight whose range holds the date. A date before the
//! join date is Pending, and so is a date no rule covers. Admin-only statuses (Pending, Cancelled,
//! Deceased) are only ever set by hand or by a workflow, and such a status is held.

use chrono::NaiveDate;

use super::FieldError;
use super::dates::Offset;

coded_enum! {
    /// The membership date a rule boundary is counted from.
    pub enum Event as "status event" {
        Join = "JOIN_DATE",
        Start = "START_DATE",
        End = "END_DATE",
    }
}

/// One end of a rule's range: an event plus an offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Boundary {
    pub event: Event,
    pub offset: Offset,
}

/// A membership status as stored: its name, built-in code and the rule that computes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipStatus {
    pub id: i64,
    /// Stable code of a built-in status (`NEW`, `CURRENT`, …); None for statuses admins added.
    pub code: Option<String>,
    pub name: String,
    pub start_event: Option<Event>,
    pub start_offset: Offset,
    pub end_event: Option<Event>,
    pub end_offset: Offset,
    pub is_current_member: bool,
    pub is_admin: bool,
    pub is_active: bool,
    pub weight: i32,
}

impl MembershipStatus {
    /// The rule that computes this status.
    pub fn rule(&self) -> StatusRule {
        let boundary =
            |event: Option<Event>, offset: Offset| event.map(|event| Boundary { event, offset });
        StatusRule {
            id: self.id,
            name: self.name.clone(),
            start: boundary(self.start_event, self.start_offset),
            end: boundary(self.end_event, self.end_offset),
            is_current_member: self.is_current_member,
            is_admin: self.is_admin,
            is_active: self.is_active,
            weight: self.weight,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusRule {
    pub id: i64,
    pub name: String,
    /// None for admin-only statuses, which no date computes to.
    pub start: Option<Boundary>,
    /// None: open-ended.
    pub end: Option<Boundary>,
    pub is_current_member: bool,
    pub is_admin: bool,
    pub is_active: bool,
    pub weight: i32,
}

impl StatusRule {
    /// Whether this rule takes part in computing statuses.
    pub fn computes(&self) -> bool {
        self.is_active && !self.is_admin && self.start.is_some()
    }
}

/// The dates a status is computed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MembershipDates {
    pub join: NaiveDate,
    pub start: NaiveDate,
    /// None for lifetime memberships: an end boundary counted from it never closes, a start boundary
    /// counted from it never opens.
    pub end: Option<NaiveDate>,
}

impl MembershipDates {
    fn event(&self, e: Event) -> Option<NaiveDate> {
        match e {
            Event::Join => Some(self.join),
            Event::Start => Some(self.start),
            Event::End => self.end,
        }
    }
}

/// What the rules say for a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Computed {
    Rule(i64),
    Pending,
}

/// The rules that compute statuses, in the order they are tried.
pub fn ordered(rules: &[StatusRule]) -> Vec<&StatusRule> {
    let mut v: Vec<&StatusRule> = rules.iter().filter(|r| r.computes()).collect();
    v.sort_by_key(|r| (r.weight, r.id));
    v
}

/// Whether `rule`'s range holds `on` for these dates.
pub fn holds(rule: &StatusRule, dates: &MembershipDates, on: NaiveDate) -> bool {
    let Some(start) = rule.start else {
        return false;
    };
    let opened = dates
        .event(start.event)
        .is_some_and(|e| start.offset.apply(e) <= on);
    let not_closed = match rule.end {
        None => true,
        Some(end) => match dates.event(end.event) {
            None => true,
            Some(e) => end.offset.apply(e) >= on,
        },
    };
    opened && not_closed
}

/// The status the rules give a membership on `on`.
pub fn compute(rules: &[StatusRule], dates: &MembershipDates, on: NaiveDate) -> Computed {
    if on < dates.join {
        return Computed::Pending;
    }
    ordered(rules)
        .into_iter()
        .find(|r| holds(r, dates, on))
        .map_or(Computed::Pending, |r| Computed::Rule(r.id))
}

/// Whether a hand-set status still holds on `on`: an override holds until its end date has passed.
pub fn is_held(is_override: bool, override_until: Option<NaiveDate>, on: NaiveDate) -> bool {
    is_override && override_until.is_none_or(|until| until >= on)
}

/// Checks a rule definition; errors name the GraphQL input field.
pub fn check_rule(
    start: Option<Boundary>,
    end: Option<Boundary>,
    is_admin: bool,
) -> Result<(), FieldError> {
    for (field, b) in [("startOffset", start), ("endOffset", end)] {
        if let Some(b) = b
            && b.offset.amount.abs() > 1000
        {
            return Err(FieldError::new(field, "must be between -1000 and 1000"));
        }
    }
    if !is_admin && start.is_none() {
        return Err(FieldError::new(
            "startEvent",
            "a status that is not admin-only needs a start event (or make it admin-only)",
        ));
    }
    if start.is_none() && end.is_some() {
        return Err(FieldError::new("endEvent", "an end needs a start"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dates::Unit;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn b(event: Event, amount: i64, unit: Unit) -> Option<Boundary> {
        Some(Boundary {
            event,
            offset: Offset::new(amount, unit),
        })
    }

    /// CiviCRM's default rules, as seeded.
    pub fn defaults() -> Vec<StatusRule> {
        let rule = |id, name: &str, start, end, current, weight| StatusRule {
            id,
            name: name.into(),
            start,
            end,
            is_current_member: current,
            is_admin: false,
            is_active: true,
            weight,
        };
        vec![
            rule(
                1,
                "New",
                b(Event::Join, 0, Unit::Day),
                b(Event::Join, 3, Unit::Month),
                true,
                1,
            ),
            rule(
                2,
                "Current",
                b(Event::Start, 0, Unit::Day),
                b(Event::End, 0, Unit::Day),
                true,
                2,
            ),
            rule(
                3,
                "Grace",
                b(Event::End, 1, Unit::Day),
                b(Event::End, 1, Unit::Month),
                true,
                3,
            ),
            rule(4, "Expired", b(Event::End, 1, Unit::Month), None, false, 4),
        ]
    }

    fn dates(join: &str, start: &str, end: Option<&str>) -> MembershipDates {
        MembershipDates {
            join: d(join),
            start: d(start),
            end: end.map(d),
        }
    }

    #[test]
    fn default_rules_table() {
        let rules = defaults();
        let yearly = dates("2024-01-31", "2024-01-31", Some("2025-01-30"));
        let from_jan_31 = dates("2023-01-31", "2024-01-31", Some("2024-01-31"));
        let lifetime = dates("2024-01-01", "2024-01-01", None);
        for (name, m, on, expected) in [
            (
                "before joining is pending",
                yearly,
                "2024-01-30",
                Computed::Pending,
            ),
            (
                "the join day is new",
                yearly,
                "2024-01-31",
                Computed::Rule(1),
            ),
            (
                "new lasts three months, inclusive",
                yearly,
                "2024-04-30",
                Computed::Rule(1),
            ),
            ("then current", yearly, "2024-05-01", Computed::Rule(2)),
            (
                "current through the end date",
                yearly,
                "2025-01-30",
                Computed::Rule(2),
            ),
            (
                "grace the day after",
                yearly,
                "2025-01-31",
                Computed::Rule(3),
            ),
            (
                "grace ends end + 1 month, clamped (feb 28 for jan 31)",
                from_jan_31,
                "2024-02-29",
                Computed::Rule(3),
            ),
            (
                "expired the day after grace, not a day late",
                from_jan_31,
                "2024-03-01",
                Computed::Rule(4),
            ),
            (
                "expired stays expired",
                yearly,
                "2030-01-01",
                Computed::Rule(4),
            ),
            (
                "lifetime is new first",
                lifetime,
                "2024-02-01",
                Computed::Rule(1),
            ),
            (
                "lifetime is current after new",
                lifetime,
                "2060-01-01",
                Computed::Rule(2),
            ),
        ] {
            assert_eq!(compute(&rules, &m, d(on)), expected, "{name}");
        }
    }

    #[test]
    fn weight_decides_overlaps_and_inactive_or_admin_rules_are_skipped() {
        let mut rules = defaults();
        let m = dates("2024-01-01", "2024-01-01", Some("2024-12-31"));
        assert_eq!(compute(&rules, &m, d("2024-02-01")), Computed::Rule(1));
        rules[0].weight = 10; // New now loses to Current.
        assert_eq!(compute(&rules, &m, d("2024-02-01")), Computed::Rule(2));
        rules[1].is_active = false;
        assert_eq!(compute(&rules, &m, d("2024-02-01")), Computed::Rule(1));
        rules[0].is_admin = true;
        assert_eq!(
            compute(&rules, &m, d("2024-02-01")),
            Computed::Pending,
            "no rule holds"
        );
    }

    #[test]
    fn held_statuses() {
        assert!(!is_held(false, None, d("2024-01-01")));
        assert!(is_held(true, None, d("2024-01-01")));
        assert!(is_held(true, Some(d("2024-01-01")), d("2024-01-01")));
        assert!(!is_held(true, Some(d("2024-01-01")), d("2024-01-02")));
    }

    #[test]
    fn rule_checks() {
        assert_eq!(
            check_rule(None, None, false).unwrap_err().field,
            "startEvent"
        );
        assert!(check_rule(None, None, true).is_ok());
        assert_eq!(
            check_rule(b(Event::Join, 5000, Unit::Day), None, false)
                .unwrap_err()
                .field,
            "startOffset"
        );
        assert_eq!(
            check_rule(None, b(Event::End, 1, Unit::Day), true)
                .unwrap_err()
                .field,
            "endEvent"
        );
    }
}
