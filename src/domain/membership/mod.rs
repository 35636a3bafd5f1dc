//! Memberships: their types (period rules, fees, grants), their periods on joining and renewal, and
//! the records the rest of the server reads.

mod period;
pub mod price;

pub use period::{MAX_TERMS, Period, PeriodRules};

use chrono::{DateTime, NaiveDate, Utc};

use super::FieldError;
use super::dates::Unit;

/// A membership type as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipType {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    /// The fee per period in the currency's minor units.
    pub minimum_fee_minor: i64,
    pub currency: String,
    pub duration_unit: DurationUnit,
    pub duration_interval: i32,
    pub period_type: PeriodType,
    pub fixed_period_start_day: Option<String>,
    pub fixed_period_rollover_day: Option<String>,
    pub auto_renew: AutoRenew,
    pub visibility: Visibility,
    pub is_active: bool,
    /// Permissions a current member of this type holds.
    pub grants: Vec<String>,
    pub weight: i32,
    pub send_welcome: bool,
    /// Template of this type's welcome message; None: `welcome`.
    pub welcome_template_key: Option<String>,
    /// Its prices (`pricing.fee_minor` is `minimum_fee_minor`).
    pub pricing: price::Pricing,
    /// When members may renew by themselves.
    pub renewal_window: price::RenewalWindow,
    /// Relationship types through which related contacts inherit a membership of this type.
    pub inherit_via: Vec<i64>,
    /// Seats for related contacts in one bundle; None: no limit.
    pub max_related: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl MembershipType {
    /// Whether anyone may see and take it out (active and public).
    pub fn is_public(&self) -> bool {
        self.is_active && self.visibility == Visibility::Public
    }

    /// Its period rules (checked when the type was saved).
    pub fn period_rules(&self) -> Result<PeriodRules, FieldError> {
        PeriodRules::parse(
            self.duration_unit,
            i64::from(self.duration_interval),
            self.period_type,
            self.fixed_period_start_day.as_deref(),
            self.fixed_period_rollover_day.as_deref(),
        )
    }
}

/// A membership as stored: whose, of which type, its dates and its stored status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    pub id: i64,
    pub contact_id: i64,
    pub membership_type_id: i64,
    pub status_id: i64,
    pub join_date: NaiveDate,
    pub start_date: NaiveDate,
    /// None for lifetime memberships.
    pub end_date: Option<NaiveDate>,
    /// The status is held (set by hand), not computed.
    pub is_override: bool,
    pub override_until: Option<NaiveDate>,
    pub source: Option<String>,
    pub cancel_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The primary membership it is inherited from (bundles); None for a primary one.
    pub inherited_from_id: Option<i64>,
    /// When it stopped following the primary; None while it follows.
    pub inherit_ended_on: Option<NaiveDate>,
}

/// One change in a membership's history: the state after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    pub id: i64,
    pub membership_id: i64,
    /// What happened, e.g. `create`, `renew`, `status`.
    pub change: String,
    pub status_id: i64,
    pub membership_type_id: i64,
    pub join_date: NaiveDate,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub changed_at: DateTime<Utc>,
    /// Who made the change, e.g. `user:3` or `job:update-statuses`.
    pub changed_by: String,
    pub note: Option<String>,
}

coded_enum! {
    /// The unit a membership's duration is counted in.
    pub enum DurationUnit as "duration unit" {
        Day = "DAY",
        Month = "MONTH",
        Year = "YEAR",
        Lifetime = "LIFETIME",
    }
}

impl DurationUnit {
    fn unit(self) -> Option<Unit> {
        match self {
            DurationUnit::Day => Some(Unit::Day),
            DurationUnit::Month => Some(Unit::Month),
            DurationUnit::Year => Some(Unit::Year),
            DurationUnit::Lifetime => None,
        }
    }
}

coded_enum! {
    /// How periods are laid out: from each member's start date, or on a shared calendar.
    pub enum PeriodType as "period type" {
        Rolling = "ROLLING",
        Fixed = "FIXED",
    }
}

coded_enum! {
    /// Whether members renew automatically (a payment processor concern, recorded here).
    pub enum AutoRenew as "auto-renew setting" {
        No = "NO",
        Optional = "OPTIONAL",
        Required = "REQUIRED",
    }
}

coded_enum! {
    /// Who may see a membership type: everyone (sign-up forms) or staff only.
    pub enum Visibility as "visibility" {
        Public = "PUBLIC",
        Admin = "ADMIN",
    }
}

/// Permission names a membership type grants: lower-case words joined by `-`, `_`, `.` or `:`, such as
/// `members-area`; duplicates are dropped, order kept.
pub fn parse_grants(raw: &[String]) -> Result<Vec<String>, FieldError> {
    let mut out: Vec<String> = Vec::new();
    for g in raw {
        let g = g.trim().to_lowercase();
        let ok = !g.is_empty()
            && g.len() <= 64
            && g.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
            && g.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if !ok {
            return Err(FieldError::new(
                "grants",
                format!(
                    "`{g}` is not a permission name such as members-area (letters, digits, - _ . :)"
                ),
            ));
        }
        if !out.contains(&g) {
            out.push(g);
        }
    }
    if out.len() > 50 {
        return Err(FieldError::new("grants", "at most 50 permissions"));
    }
    Ok(out)
}

#[cfg(test)]
mod grant_tests {
    use super::*;

    #[test]
    fn grants() {
        let g = parse_grants(&[
            "Members-Area".into(),
            "newsletter".into(),
            "members-area".into(),
        ])
        .unwrap();
        assert_eq!(g, vec!["members-area", "newsletter"]);
        for bad in ["", "has space", "-dash-first", "ünïcode"] {
            assert_eq!(
                parse_grants(&[bad.into()]).unwrap_err().field,
                "grants",
                "{bad}"
            );
        }
    }
}
