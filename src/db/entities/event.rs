use sea_orm::entity::prelude::*;

use crate::domain::event::{EventStatus, EventVisibility};

/// An event people register for.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    pub description: Option<String>,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// IANA time zone the event is announced in (times are stored in UTC).
    pub timezone: String,
    /// Venue and address: shown only to registered participants and staff.
    pub location: Option<String>,
    /// Link of an online event: shown only to registered participants and staff.
    pub online_url: Option<String>,
    /// Seats (people plus their guests); None: no limit.
    pub capacity: Option<i32>,
    pub visibility: EventVisibility,
    pub status: EventStatus,
    pub registration_opens_at: Option<DateTimeUtc>,
    /// None: registration closes when the event starts.
    pub registration_closes_at: Option<DateTimeUtc>,
    /// Members (holders of `member_permission`) may register from then on.
    pub member_registration_opens_at: Option<DateTimeUtc>,
    /// The permission that makes someone a member for this event (members-only, early start).
    pub member_permission: String,
    pub requires_approval: bool,
    pub allow_guests: bool,
    pub max_guests_per_registration: i32,
    pub cancelled_at: Option<DateTimeUtc>,
    pub cancel_reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
