//! Events: statuses, visibility, who may register when, and seat accounting. Pure rules; the
//! time is an argument.

use chrono::{DateTime, Utc};

use super::FieldError;

coded_enum! {
    /// Where an event is in its life.
    pub enum EventStatus as "event status" {
        /// Being prepared: only staff see it.
        Draft = "DRAFT",
        /// Open to the audience its visibility names.
        Published = "PUBLISHED",
        /// Called off: participants were told; it stays visible as cancelled.
        Cancelled = "CANCELLED",
    }
}

coded_enum! {
    /// Who sees an event.
    pub enum EventVisibility as "event visibility" {
        /// Everyone, in lists and in the public calendar feed.
        Public = "PUBLIC",
        /// Current members holding the event's member permission (and staff).
        MembersOnly = "MEMBERS_ONLY",
        /// Anyone with its id (a link), but never listed nor in the feed.
        Unlisted = "UNLISTED",
    }
}

coded_enum! {
    /// Where a registration is.
    pub enum RegistrationStatus as "registration status" {
        /// A seat is held until the fee is paid (or the deadline passes).
        PendingPayment = "PENDING_PAYMENT",
        Registered = "REGISTERED",
        /// The event (or the ticket) was full: waiting for a seat, in order.
        Waitlisted = "WAITLISTED",
        /// Staff approve each registration of this event.
        AwaitingApproval = "AWAITING_APPROVAL",
        Cancelled = "CANCELLED",
        Attended = "ATTENDED",
        NoShow = "NO_SHOW",
    }
}

impl RegistrationStatus {
    /// Whether the registration occupies seats (its person and guests).
    pub fn holds_seat(self) -> bool {
        matches!(
            self,
            Self::PendingPayment | Self::Registered | Self::Attended | Self::NoShow
        )
    }

    /// Statuses that hold seats, for SQL filters.
    pub const SEATED: [RegistrationStatus; 4] = [
        Self::PendingPayment,
        Self::Registered,
        Self::Attended,
        Self::NoShow,
    ];

    /// Whether the participant may see where the event is (location, online link).
    pub fn reveals_location(self) -> bool {
        matches!(self, Self::Registered | Self::Attended | Self::NoShow)
    }

    /// Whether the registration still counts (not cancelled).
    pub fn is_live(self) -> bool {
        self != Self::Cancelled
    }
}

/// Most ticket types per event, and most guests any event may allow per registration.
pub const MAX_TICKET_TYPES: usize = 20;
pub const MAX_GUESTS_LIMIT: i32 = 20;
/// Largest capacity an event or ticket may have.
pub const MAX_CAPACITY: i32 = 1_000_000;

/// Checks a capacity (None: unlimited).
pub fn check_capacity(capacity: Option<i32>, field: &str) -> Result<Option<i32>, FieldError> {
    match capacity {
        Some(c) if !(1..=MAX_CAPACITY).contains(&c) => Err(FieldError::new(
            field,
            format!("must be between 1 and {MAX_CAPACITY} (leave it out for no limit)"),
        )),
        other => Ok(other),
    }
}

/// The times that make an event, checked together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub member_opens_at: Option<DateTime<Utc>>,
}

impl Schedule {
    pub fn check(self) -> Result<Self, FieldError> {
        if self.ends_at <= self.starts_at {
            return Err(FieldError::new("endsAt", "must be after startsAt"));
        }
        if let (Some(o), Some(c)) = (self.opens_at, self.closes_at)
            && c <= o
        {
            return Err(FieldError::new(
                "registrationClosesAt",
                "must be after registrationOpensAt",
            ));
        }
        if let Some(c) = self.closes_at
            && c > self.ends_at
        {
            return Err(FieldError::new(
                "registrationClosesAt",
                "must not be after the event ends",
            ));
        }
        if let (Some(m), Some(o)) = (self.member_opens_at, self.opens_at)
            && m > o
        {
            return Err(FieldError::new(
                "memberRegistrationOpensAt",
                "must not be after registrationOpensAt (it is the members' early start)",
            ));
        }
        Ok(self)
    }

    /// When registration opens for this person: members may start at `member_opens_at`.
    pub fn opens_for(&self, is_member: bool) -> Option<DateTime<Utc>> {
        match (is_member, self.member_opens_at, self.opens_at) {
            (true, Some(m), Some(o)) => Some(m.min(o)),
            (true, Some(m), None) => Some(m),
            (_, _, o) => o,
        }
    }

    /// Registration closes at `closes_at`, by default when the event starts.
    pub fn closes(&self) -> DateTime<Utc> {
        self.closes_at.unwrap_or(self.starts_at)
    }

    /// Whether registration is open at `now` for a member or not; the error says why not.
    pub fn open_at(&self, now: DateTime<Utc>, is_member: bool) -> Result<(), String> {
        if let Some(o) = self.opens_for(is_member)
            && now < o
        {
            let early = match (is_member, self.member_opens_at) {
                (false, Some(m)) if m < o => " (members may register earlier)",
                _ => "",
            };
            return Err(format!(
                "registration opens at {}{early}",
                o.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ));
        }
        if now >= self.closes() {
            return Err("registration for this event has closed".into());
        }
        Ok(())
    }
}

/// Seats in use and the limits, for one event and one ticket type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seats {
    pub event_taken: i64,
    pub event_capacity: Option<i32>,
    pub ticket_taken: i64,
    pub ticket_capacity: Option<i32>,
}

impl Seats {
    /// Whether `wanted` more seats fit both limits.
    pub fn fit(&self, wanted: i64) -> bool {
        let fits =
            |taken: i64, cap: Option<i32>| cap.is_none_or(|c| taken + wanted <= i64::from(c));
        fits(self.event_taken, self.event_capacity) && fits(self.ticket_taken, self.ticket_capacity)
    }
}

/// Whether a holder of `permissions` may buy a ticket granted to `grants` (empty: anyone).
pub fn may_buy(grants: &[String], permissions: &[String]) -> bool {
    grants.is_empty() || grants.iter().any(|g| permissions.contains(g))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, 10, h, 0, 0).unwrap()
    }

    fn schedule() -> Schedule {
        Schedule {
            starts_at: at(18),
            ends_at: at(20),
            opens_at: Some(at(10)),
            closes_at: None,
            member_opens_at: Some(at(8)),
        }
    }

    #[test]
    fn members_may_register_early_and_everyone_stops_at_the_start() {
        let s = schedule().check().unwrap();
        assert!(s.open_at(at(9), true).is_ok(), "member in the early window");
        let e = s.open_at(at(9), false).unwrap_err();
        assert!(e.contains("members may register earlier"), "{e}");
        assert!(s.open_at(at(7), true).is_err(), "before the member window");
        assert!(s.open_at(at(11), false).is_ok(), "public window");
        assert!(s.open_at(at(18), true).is_err(), "closed at the start");
    }

    #[test]
    fn schedules_that_make_no_sense_are_refused_naming_the_field() {
        let mut s = schedule();
        s.ends_at = at(17);
        assert_eq!(s.check().unwrap_err().field, "endsAt");
        let mut s = schedule();
        s.member_opens_at = Some(at(11));
        assert_eq!(s.check().unwrap_err().field, "memberRegistrationOpensAt");
        let mut s = schedule();
        s.closes_at = Some(at(9));
        assert_eq!(s.check().unwrap_err().field, "registrationClosesAt");
    }

    #[test]
    fn seats_count_guests_against_both_limits() {
        let s = Seats {
            event_taken: 8,
            event_capacity: Some(10),
            ticket_taken: 1,
            ticket_capacity: None,
        };
        assert!(s.fit(2), "exactly the last two seats");
        assert!(!s.fit(3), "one person with two guests does not fit");
        let t = Seats {
            ticket_taken: 4,
            ticket_capacity: Some(4),
            ..s
        };
        assert!(!t.fit(1), "the ticket is sold out though the event is not");
    }

    #[test]
    fn member_tickets_need_a_granted_permission() {
        let grants = vec!["members-area".to_string()];
        assert!(may_buy(&[], &[]));
        assert!(!may_buy(&grants, &[]));
        assert!(may_buy(&grants, &["members-area".into()]));
        assert!(RegistrationStatus::PendingPayment.holds_seat());
        assert!(!RegistrationStatus::Waitlisted.holds_seat());
        assert!(!RegistrationStatus::PendingPayment.reveals_location());
    }
}
