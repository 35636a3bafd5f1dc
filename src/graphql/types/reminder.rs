use async_graphql::{Enum, ID, InputObject, MaybeUndefined, Object};

use crate::domain::dates::Unit;
use crate::domain::reminder::{Anchor, Direction, ScheduledReminder as ReminderRecord};
use crate::graphql::scalars::DateTime;

/// Reminder amounts are at most 1000 (checked when saved).
fn small(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

crate::mirror_enum!(
    /// The date a reminder is counted from.
    ReminderAnchor <=> Anchor {
        /// The membership's join date ("member since").
        JoinDate,
        /// The start of the membership's current period.
        StartDate,
        /// The end of the current period; lifetime memberships have none and get no reminder.
        EndDate,
        /// The contact's birthday each year (February 29 falls on February 28 in common years); one
        /// message per contact, however many memberships they hold.
        BirthDate,
        /// Each anniversary of the join date, from the first one on.
        JoinAnniversary,
        /// The start date (UTC) of an event — one event (`eventId`) or every event — sent to
        /// each registered participant once per event.
        EventStart,
    }
);

/// The unit of a reminder's offset and repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum ReminderUnit {
    /// Days.
    Day,
    /// Weeks.
    Week,
    /// Calendar months (clamped to the month's last day).
    Month,
}

crate::mirror_enum!(
    /// Whether a reminder goes out before or after its anchor date.
    ReminderDirection <=> Direction {
        /// Before the anchor date.
        Before,
        /// After the anchor date.
        After,
    }
);

impl From<ReminderUnit> for Unit {
    fn from(u: ReminderUnit) -> Self {
        match u {
            ReminderUnit::Day => Unit::Day,
            ReminderUnit::Week => Unit::Week,
            ReminderUnit::Month => Unit::Month,
        }
    }
}

impl From<Unit> for ReminderUnit {
    /// Stored reminders never count in years (validated on write).
    fn from(u: Unit) -> Self {
        match u {
            Unit::Day => ReminderUnit::Day,
            Unit::Week => ReminderUnit::Week,
            Unit::Month | Unit::Year => ReminderUnit::Month,
        }
    }
}

/// A message sent automatically, counted from a membership date or the member's birthday: e.g.
/// "renewal-reminder 30 days before the end date, to current members". Each occurrence is sent once
/// per membership and anchor date, so a renewal (a new end date) arms it again for the next period.
#[derive(Clone, Debug)]
pub struct ScheduledReminder(pub ReminderRecord);

fn ids(v: &[i64]) -> Vec<ID> {
    v.iter().map(|id| ID(id.to_string())).collect()
}

/// A message sent automatically, counted from a membership date or the member's birthday: e.g.
/// "renewal-reminder 30 days before the end date, to current members". Each occurrence is sent once
/// per membership and anchor date, so a renewal (a new end date) arms it again for the next period.
#[Object]
impl ScheduledReminder {
    /// Identifier of the reminder.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Name shown to admins and available to the template as `reminder.name`.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Key of the message template sent, e.g. `renewal-reminder`.
    async fn template_key(&self) -> &str {
        &self.0.template_key
    }
    /// The date the reminder is counted from.
    async fn anchor(&self) -> ReminderAnchor {
        self.0.anchor.into()
    }
    /// How many units before or after the anchor the first message goes out (0 to 1000).
    async fn offset(&self) -> i32 {
        small(self.0.offset)
    }
    /// The unit of `offset`, `repeatEvery` and `repeatUntil`.
    async fn unit(&self) -> ReminderUnit {
        self.0.unit.into()
    }
    /// Before or after the anchor.
    async fn direction(&self) -> ReminderDirection {
        self.0.direction.into()
    }
    /// Only memberships of these types; empty means every type.
    async fn membership_type_ids(&self) -> Vec<ID> {
        ids(&self.0.membership_type_ids)
    }
    /// Only memberships whose stored status is one of these; empty means the statuses that count
    /// as current.
    async fn status_ids(&self) -> Vec<ID> {
        ids(&self.0.status_ids)
    }
    /// Sends again every this many units after the first message; null: once.
    async fn repeat_every(&self) -> Option<i32> {
        self.0.repeat_every.map(small)
    }
    /// Repeats stop after this many units from the anchor, counted in `direction` like `offset`.
    async fn repeat_until(&self) -> Option<i32> {
        self.0.repeat_until.map(small)
    }
    /// Inactive reminders are not sent.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// The one event an EVENT_START reminder is for; null: every event.
    async fn event_id(&self) -> Option<ID> {
        self.0.event_id.map(|id| ID(id.to_string()))
    }
    /// When the reminder was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
}

/// A new scheduled reminder (admins).
#[derive(Debug, InputObject)]
pub struct CreateScheduledReminderInput {
    /// Name shown to admins (and to the template as `reminder.name`).
    pub name: String,
    /// Key of an existing message template, e.g. `renewal-reminder`.
    pub template_key: String,
    /// The date the reminder is counted from.
    pub anchor: ReminderAnchor,
    /// Units before or after the anchor, 0 to 1000 (default 0: on the anchor date).
    pub offset: Option<i32>,
    /// Unit of the offset and repeats (default DAY).
    pub unit: Option<ReminderUnit>,
    /// Before or after the anchor (default BEFORE).
    pub direction: Option<ReminderDirection>,
    /// Only memberships of these types (default: every type).
    pub membership_type_ids: Option<Vec<ID>>,
    /// Only memberships with one of these stored statuses (default: the current ones).
    pub status_ids: Option<Vec<ID>>,
    /// Send again every this many units (at least 1); needs `repeatUntil`.
    pub repeat_every: Option<i32>,
    /// Last repeat this many units from the anchor in `direction`: more than `offset` AFTER, less
    /// than `offset` BEFORE; needs `repeatEvery`.
    pub repeat_until: Option<i32>,
    /// Whether the reminder is sent (default true).
    pub is_active: Option<bool>,
    /// With anchor EVENT_START: only this event (default: every event). Not allowed with other
    /// anchors.
    pub event_id: Option<ID>,
}

/// Changes to a scheduled reminder; fields left out keep their value.
#[derive(Debug, InputObject)]
pub struct UpdateScheduledReminderInput {
    /// Name shown to admins.
    pub name: Option<String>,
    /// Key of an existing message template.
    pub template_key: Option<String>,
    /// The date the reminder is counted from.
    pub anchor: Option<ReminderAnchor>,
    /// Units before or after the anchor, 0 to 1000.
    pub offset: Option<i32>,
    /// Unit of the offset and repeats.
    pub unit: Option<ReminderUnit>,
    /// Before or after the anchor.
    pub direction: Option<ReminderDirection>,
    /// Only memberships of these types (replaces the list; empty: every type).
    pub membership_type_ids: Option<Vec<ID>>,
    /// Only these stored statuses (replaces the list; empty: the current ones).
    pub status_ids: Option<Vec<ID>>,
    /// Send again every this many units; `null` stops repeating (clear `repeatUntil` too).
    pub repeat_every: MaybeUndefined<i32>,
    /// Last repeat this many units from the anchor; `null` together with `repeatEvery`.
    pub repeat_until: MaybeUndefined<i32>,
    /// Whether the reminder is sent.
    pub is_active: Option<bool>,
    /// With anchor EVENT_START: only this event; `null`: every event.
    pub event_id: MaybeUndefined<ID>,
}
