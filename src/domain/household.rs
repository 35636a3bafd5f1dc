//! Households, organisations and relationships: the pure rules. A relationship is in force on a
//! day between its start and end dates while it is active; a membership type grants memberships to
//! contacts related through the relationship types it names, up to its seat limit.

use chrono::{DateTime, NaiveDate, Utc};

use super::FieldError;

/// A kind of relationship, named from each side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelationshipType {
    pub id: i64,
    /// What A is to B, e.g. "Employer of".
    pub name_a_to_b: String,
    /// What B is to A, e.g. "Employee of".
    pub name_b_to_a: String,
    pub description: Option<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

/// Contact A is `name_a_to_b` of contact B.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relationship {
    pub id: i64,
    pub contact_a_id: i64,
    pub contact_b_id: i64,
    pub relationship_type_id: i64,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

impl Relationship {
    /// Whether it holds on `on`: active, started, not ended.
    pub fn in_force_on(&self, on: NaiveDate) -> bool {
        in_force(self.is_active, self.start_date, self.end_date, on)
    }

    /// The other party, seen from `contact_id` (None when that contact is not a party).
    pub fn other_party(&self, contact_id: i64) -> Option<i64> {
        if self.contact_a_id == contact_id {
            Some(self.contact_b_id)
        } else if self.contact_b_id == contact_id {
            Some(self.contact_a_id)
        } else {
            None
        }
    }
}

/// The rule of [`Relationship::in_force_on`] on bare columns.
pub fn in_force(
    is_active: bool,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    on: NaiveDate,
) -> bool {
    is_active && start.is_none_or(|s| s <= on) && end.is_none_or(|e| e >= on)
}

/// A new relationship's parties and dates, checked.
pub fn check_new(
    contact_a: i64,
    contact_b: i64,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
) -> Result<(), FieldError> {
    if contact_a == contact_b {
        return Err(FieldError::new(
            "contactBId",
            "a contact cannot be related to itself",
        ));
    }
    check_end(start, end.unwrap_or(NaiveDate::MAX))
}

/// An end date is not before the start date.
pub fn check_end(start: Option<NaiveDate>, end: NaiveDate) -> Result<(), FieldError> {
    match start {
        Some(s) if end < s => Err(FieldError::new(
            "endDate",
            format!("must not be before the start date {s}"),
        )),
        _ => Ok(()),
    }
}

/// The seat limit of a bundle as entered: None (no limit) or 1..=10,000.
pub fn parse_max_related(raw: Option<i32>) -> Result<Option<i32>, FieldError> {
    match raw {
        Some(n) if !(0..=10_000).contains(&n) => Err(FieldError::new(
            "maxRelated",
            "must be between 0 and 10000 (leave it out for no limit)",
        )),
        other => Ok(other),
    }
}

/// Whether a bundle with `taken` seats filled and limit `max` has room for one more.
pub fn has_seat(max: Option<i32>, taken: usize) -> bool {
    max.is_none_or(|m| taken < usize::try_from(m).unwrap_or(0))
}

/// The message naming the limit when a bundle is full.
pub fn full_message(max: i32, membership_id: i64) -> String {
    format!(
        "membership {membership_id} allows at most {max} related member(s) (maxRelated = {max}); \
         remove someone from it first"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn in_force_cases() {
        let on = d("2026-06-15");
        let table = [
            ("open-ended and active", true, None, None, true),
            ("inactive", false, None, None, false),
            ("starts later", true, Some("2026-06-16"), None, false),
            ("starts today", true, Some("2026-06-15"), None, true),
            ("ended yesterday", true, None, Some("2026-06-14"), false),
            ("ends today", true, None, Some("2026-06-15"), true),
        ];
        for (why, active, start, end, expected) in table {
            let got = in_force(active, start.map(d), end.map(d), on);
            assert_eq!(got, expected, "{why}");
        }
    }

    #[test]
    fn seats() {
        assert!(has_seat(None, 1_000));
        assert!(has_seat(Some(2), 1));
        assert!(!has_seat(Some(2), 2));
        assert!(!has_seat(Some(0), 0));
        assert!(full_message(5, 7).contains("maxRelated = 5"));
    }

    #[test]
    fn checks() {
        assert_eq!(check_new(1, 1, None, None).unwrap_err().field, "contactBId");
        assert_eq!(
            check_new(1, 2, Some(d("2026-01-02")), Some(d("2026-01-01")))
                .unwrap_err()
                .field,
            "endDate"
        );
        assert!(check_new(1, 2, Some(d("2026-01-01")), None).is_ok());
        assert_eq!(parse_max_related(Some(-1)).unwrap_err().field, "maxRelated");
        assert_eq!(parse_max_related(Some(10)).unwrap(), Some(10));
    }
}
