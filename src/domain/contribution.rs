//! Money in: contributions (dues, donations, fees), what they are for, and recurring gifts. Pure
//! rules only: which status changes are allowed, how much may still be refunded, when a recurring
//! gift falls due.

use chrono::{DateTime, NaiveDate, Utc};

use super::FieldError;
use super::dates::add_months;
use super::money::{Currency, Money};

coded_enum! {
    /// Where a contribution stands.
    pub enum ContributionStatus as "contribution status" {
        Pending = "PENDING",
        Completed = "COMPLETED",
        Cancelled = "CANCELLED",
        Failed = "FAILED",
        Refunded = "REFUNDED",
    }
}

coded_enum! {
    /// How a contribution was paid.
    pub enum PaymentInstrument as "payment instrument" {
        Cash = "CASH",
        Check = "CHECK",
        Card = "CARD",
        BankTransfer = "BANK_TRANSFER",
        Other = "OTHER",
    }
}

coded_enum! {
    /// How often a recurring gift falls due.
    pub enum Frequency as "frequency" {
        Monthly = "MONTHLY",
        Quarterly = "QUARTERLY",
        Yearly = "YEARLY",
    }
}

coded_enum! {
    /// Where a recurring gift stands.
    pub enum RecurringStatus as "recurring gift status" {
        Active = "ACTIVE",
        Paused = "PAUSED",
        Cancelled = "CANCELLED",
        Completed = "COMPLETED",
    }
}

coded_enum! {
    /// Why another contact is credited with a gift.
    pub enum SoftCreditKind as "soft credit kind" {
        Household = "HOUSEHOLD",
        Matching = "MATCHING",
        PeerFundraiser = "PEER_FUNDRAISER",
        Other = "OTHER",
    }
}

coded_enum! {
    /// A gift made in someone's name.
    pub enum TributeKind as "tribute kind" {
        InHonorOf = "IN_HONOR_OF",
        InMemoryOf = "IN_MEMORY_OF",
    }
}

impl Frequency {
    /// Months between two due dates.
    pub fn months(self) -> i64 {
        match self {
            Frequency::Monthly => 1,
            Frequency::Quarterly => 3,
            Frequency::Yearly => 12,
        }
    }

    /// The `n`th due date of a gift that starts on `start` (n = 0 is the start). Counted from the
    /// start each time, so a gift starting on the 31st falls due on the last day of short months
    /// and back on the 31st after.
    pub fn nth_due(self, start: NaiveDate, n: i64) -> NaiveDate {
        add_months(start, n.saturating_mul(self.months()))
    }
}

/// Every due date of a recurring gift in `[next_due, as_of]`, not past `end`, at most `limit`
/// (a catch-up after an outage is bounded per run; the rest follow on the next run).
pub fn due_dates(
    frequency: Frequency,
    start: NaiveDate,
    next_due: NaiveDate,
    end: Option<NaiveDate>,
    as_of: NaiveDate,
    limit: usize,
) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    // The index of `next_due` in the gift's schedule.
    let mut n = 0i64;
    while frequency.nth_due(start, n) < next_due && n < 100_000 {
        n += 1;
    }
    loop {
        let d = frequency.nth_due(start, n);
        if d > as_of || end.is_some_and(|e| d > e) || out.len() >= limit {
            return out;
        }
        out.push(d);
        n += 1;
    }
}

/// The due date after `d` in the schedule of a gift that started on `start`.
pub fn next_due_after(frequency: Frequency, start: NaiveDate, d: NaiveDate) -> NaiveDate {
    let mut n = 0i64;
    while frequency.nth_due(start, n) <= d && n < 100_000 {
        n += 1;
    }
    frequency.nth_due(start, n)
}

/// A positive amount of money (a contribution, a refund, a goal).
pub fn positive_amount(raw: &str, currency: Currency, field: &str) -> Result<Money, FieldError> {
    let m = Money::parse(raw, currency, field, false)?;
    if m.minor() <= 0 {
        return Err(FieldError::new(field, "must be greater than zero"));
    }
    Ok(m)
}

/// Whether staff may move a contribution from `from` to `to` by editing it. Completed gifts are
/// refunded, not edited back; cancelled and refunded ones are final.
pub fn can_set_status(from: ContributionStatus, to: ContributionStatus) -> bool {
    use ContributionStatus::*;
    from == to
        || matches!(
            (from, to),
            (Pending, Completed | Failed | Cancelled) | (Failed, Pending | Completed | Cancelled)
        )
}

/// The amount a refund takes back: all that remains when `requested` is None.
pub fn refund_amount(
    amount: i64,
    refunded: i64,
    requested: Option<i64>,
) -> Result<i64, FieldError> {
    let remaining = amount - refunded;
    match requested {
        None if remaining > 0 => Ok(remaining),
        None => Err(FieldError::new("id", "this contribution is fully refunded")),
        Some(r) if r <= 0 => Err(FieldError::new("amount", "must be greater than zero")),
        Some(r) if r > remaining => Err(FieldError::new(
            "amount",
            "is more than remains to be refunded on this contribution",
        )),
        Some(r) => Ok(r),
    }
}

/// A financial type: what a contribution is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinancialType {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub is_deductible: bool,
    pub sends_receipt: bool,
    pub is_active: bool,
}

/// A stable key such as `DONATION` or `MAJOR_GIFTS`: capitals, digits and underscores.
pub fn financial_type_key(raw: &str, field: &str) -> Result<String, FieldError> {
    let key = raw.trim();
    let ok = (1..=40).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_uppercase())
        && key
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(key.to_string())
    } else {
        Err(FieldError::new(
            field,
            "a key is 1–40 capital letters, digits and underscores starting with a letter, e.g. MAJOR_GIFTS",
        ))
    }
}

/// A fundraising campaign or appeal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub goal_minor: Option<i64>,
    pub currency: String,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub is_active: bool,
}

/// A gift made in someone's honour or memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tribute {
    pub kind: TributeKind,
    pub name: String,
    pub contact_id: Option<i64>,
    /// Who is told of the gift (by email, or by letter when they have none).
    pub notify_contact_id: Option<i64>,
}

/// A contribution as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contribution {
    pub id: i64,
    pub contact_id: i64,
    pub financial_type_id: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub received_date: NaiveDate,
    pub status: ContributionStatus,
    pub payment_instrument: Option<PaymentInstrument>,
    pub transaction_id: Option<String>,
    pub source: Option<String>,
    pub note: Option<String>,
    pub campaign_id: Option<i64>,
    pub check_number: Option<String>,
    pub refunded_minor: i64,
    pub recurring_gift_id: Option<i64>,
    pub tribute: Option<Tribute>,
    pub created_by: String,
    pub updated_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// The number printed on a receipt (and quoted as a payment reference): the year received and the
/// contribution's id, e.g. `2026-000042`.
pub fn receipt_number(received: NaiveDate, id: i64) -> String {
    use chrono::Datelike;
    format!("{}-{:06}", received.year(), id)
}

impl Contribution {
    pub fn receipt_number(&self) -> String {
        receipt_number(self.received_date, self.id)
    }
}

/// Another contact credited with a gift (not counted again in totals).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SoftCredit {
    pub contribution_id: i64,
    pub contact_id: i64,
    pub amount_minor: i64,
    pub kind: SoftCreditKind,
}

/// A refund of all or part of a contribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refund {
    pub id: i64,
    pub contribution_id: i64,
    pub amount_minor: i64,
    pub reason: Option<String>,
    pub cancelled_memberships: bool,
    pub refunded_at: DateTime<Utc>,
    pub refunded_by: String,
}

/// A membership a contribution pays for, and for how many terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaidMembership {
    pub contribution_id: i64,
    pub membership_id: i64,
    pub terms: i32,
    /// When the payment activated or extended the membership (None: not yet completed).
    pub applied_at: Option<DateTime<Utc>>,
}

/// A recurring gift as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecurringGift {
    pub id: i64,
    pub contact_id: i64,
    pub financial_type_id: i64,
    pub campaign_id: Option<i64>,
    pub amount_minor: i64,
    pub currency: String,
    pub frequency: Frequency,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub next_due_date: NaiveDate,
    pub status: RecurringStatus,
    pub payment_instrument: Option<PaymentInstrument>,
    pub created_at: DateTime<Utc>,
}

/// A donor's giving in one currency (hard credits; soft credits apart).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DonorSummary {
    pub currency: String,
    pub lifetime_minor: i64,
    pub count: i64,
    pub first_date: Option<NaiveDate>,
    pub first_minor: i64,
    pub last_date: Option<NaiveDate>,
    pub last_minor: i64,
    pub largest_minor: i64,
    pub this_year_minor: i64,
    pub last_year_minor: i64,
    pub soft_credit_minor: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn due_dates_catch_up_and_stop_at_the_end() {
        for (why, freq, start, next, end, as_of, limit, want) in [
            (
                "monthly, three missed periods caught up",
                Frequency::Monthly,
                "2026-01-31",
                "2026-01-31",
                None,
                "2026-04-30",
                10,
                vec!["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"],
            ),
            (
                "nothing due yet",
                Frequency::Monthly,
                "2026-01-15",
                "2026-02-15",
                None,
                "2026-02-14",
                10,
                vec![],
            ),
            (
                "quarterly from the next due date",
                Frequency::Quarterly,
                "2026-01-01",
                "2026-04-01",
                None,
                "2026-12-31",
                10,
                vec!["2026-04-01", "2026-07-01", "2026-10-01"],
            ),
            (
                "end date stops the schedule",
                Frequency::Monthly,
                "2026-01-01",
                "2026-01-01",
                Some("2026-02-15"),
                "2026-12-31",
                10,
                vec!["2026-01-01", "2026-02-01"],
            ),
            (
                "limit per run",
                Frequency::Yearly,
                "2020-03-01",
                "2020-03-01",
                None,
                "2026-12-31",
                2,
                vec!["2020-03-01", "2021-03-01"],
            ),
        ] {
            let got = due_dates(freq, d(start), d(next), end.map(d), d(as_of), limit);
            let want: Vec<NaiveDate> = want.into_iter().map(d).collect();
            assert_eq!(got, want, "{why}");
        }
        assert_eq!(
            next_due_after(Frequency::Monthly, d("2026-01-31"), d("2026-02-28")),
            d("2026-03-31")
        );
    }

    #[test]
    fn status_changes_and_refunds() {
        use ContributionStatus::*;
        assert!(can_set_status(Pending, Completed));
        assert!(can_set_status(Failed, Completed));
        assert!(
            !can_set_status(Completed, Pending),
            "completed gifts are refunded"
        );
        assert!(!can_set_status(Refunded, Completed));
        assert!(!can_set_status(Cancelled, Completed));
        assert_eq!(refund_amount(5000, 0, None), Ok(5000));
        assert_eq!(refund_amount(5000, 2000, Some(3000)), Ok(3000));
        assert_eq!(
            refund_amount(5000, 2000, Some(3001)).unwrap_err().field,
            "amount"
        );
        assert_eq!(refund_amount(5000, 0, Some(0)).unwrap_err().field, "amount");
        assert_eq!(refund_amount(5000, 5000, None).unwrap_err().field, "id");
    }

    #[test]
    fn amounts_and_keys() {
        let usd = Currency::parse("USD", "currency").unwrap();
        assert_eq!(
            positive_amount("12.50", usd, "amount").unwrap().minor(),
            1250
        );
        for bad in ["0", "0.00", "-1", "1.234"] {
            assert_eq!(
                positive_amount(bad, usd, "amount").unwrap_err().field,
                "amount",
                "{bad}"
            );
        }
        assert!(financial_type_key("MAJOR_GIFTS", "key").is_ok());
        for bad in ["", "major", "1ST", "A-B", &"A".repeat(41)] {
            assert!(financial_type_key(bad, "key").is_err(), "{bad}");
        }
    }
}
