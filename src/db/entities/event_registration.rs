use sea_orm::entity::prelude::*;

use crate::domain::event::RegistrationStatus;

/// A person's registration for an event, with their guests.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_registrations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub event_id: i64,
    pub ticket_type_id: i64,
    pub contact_id: i64,
    /// The attendee's name as typed at registration (for the badge); the contact is unchanged.
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Guests coming with them: each takes a seat.
    pub guests: i32,
    pub status: RegistrationStatus,
    /// The EVENT_FEE contribution that pays for it.
    pub contribution_id: Option<i64>,
    /// A PENDING_PAYMENT registration is released when unpaid by then.
    pub pay_by: Option<DateTimeUtc>,
    /// SHA-256 of the check-in code mailed with the confirmation (also the key of the
    /// registration's calendar link).
    pub check_in_code_sha256: Option<String>,
    /// When they registered: the waitlist's order (then the id).
    pub registered_at: DateTimeUtc,
    pub confirmed_at: Option<DateTimeUtc>,
    pub checked_in_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub created_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
