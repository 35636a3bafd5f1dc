use async_graphql::{ID, InputObject, MaybeUndefined};

use super::membership::{
    AutoRenew, DurationUnit, OffsetUnit, PeriodType, ProrationRounding, StatusEvent, Visibility,
};
use crate::domain::dates::Offset;
use crate::domain::status::Boundary;
use crate::graphql::scalars::{Date, Decimal};
use crate::graphql::types::common::SortDirection;

/// A new membership type.
#[derive(Debug, InputObject)]
pub struct CreateMembershipTypeInput {
    /// Name shown to members.
    pub name: String,
    /// Longer description.
    pub description: Option<String>,
    /// Fee per period as a decimal string (default "0").
    pub minimum_fee: Option<Decimal>,
    /// ISO 4217 currency (default: the organisation's currency).
    pub currency: Option<String>,
    /// Unit of the period length.
    pub duration_unit: DurationUnit,
    /// Units per period (default 1).
    pub duration_interval: Option<i32>,
    /// ROLLING (default) or FIXED.
    pub period_type: Option<PeriodType>,
    /// First day of a FIXED period, `MM-DD`.
    pub fixed_period_start_day: Option<String>,
    /// Rollover day of a FIXED period, `MM-DD`.
    pub fixed_period_rollover_day: Option<String>,
    /// Automatic renewal (default NO).
    pub auto_renew: Option<AutoRenew>,
    /// Who may see it (default PUBLIC).
    pub visibility: Option<Visibility>,
    /// Whether it can be taken out (default true).
    pub is_active: Option<bool>,
    /// Permissions a current member holds (default none).
    pub grants: Option<Vec<String>>,
    /// Display order (default 0).
    pub weight: Option<i32>,
    /// Send the welcome email on joining (default true).
    pub send_welcome: Option<bool>,
    /// Template of this type's welcome email (default `welcome`).
    pub welcome_template_key: Option<String>,
    /// Added once when a new member joins (default "0").
    pub joining_fee: Option<Decimal>,
    /// The price of a renewal term (default: `minimumFee`).
    pub renewal_fee: Option<Decimal>,
    /// FIXED types: a new member pays for the months left of the first period (default false).
    pub prorate: Option<bool>,
    /// How prorated amounts are rounded (default NEAREST).
    pub proration_rounding: Option<ProrationRounding>,
    /// Special prices for several terms at once, e.g. two years for "110.00".
    pub price_options: Option<Vec<PriceOptionInput>>,
    /// Members may renew by themselves from this many days before the end date (default 60).
    pub renewal_opens_days_before: Option<i32>,
    /// …until this many days after it (default 90).
    pub renewal_closes_days_after: Option<i32>,
    /// Relationship types through which related contacts inherit a membership of this type (a
    /// family or organisation bundle; default none).
    pub inherit_via: Option<Vec<ID>>,
    /// Seats for related contacts in one bundle (default: no limit).
    pub max_related: Option<i32>,
}

/// A special price for several terms at once.
#[derive(Clone, Debug, InputObject)]
pub struct PriceOptionInput {
    /// Terms covered (2 or more).
    pub terms: i32,
    /// The price for all of them.
    pub price: Decimal,
}

/// Changes to a membership type; fields left out keep their value, `null` clears an optional one.
#[derive(Debug, InputObject)]
pub struct UpdateMembershipTypeInput {
    /// Name shown to members.
    pub name: Option<String>,
    /// Longer description.
    pub description: MaybeUndefined<String>,
    /// Fee per period.
    pub minimum_fee: Option<Decimal>,
    /// ISO 4217 currency.
    pub currency: Option<String>,
    /// Unit of the period length.
    pub duration_unit: Option<DurationUnit>,
    /// Units per period.
    pub duration_interval: Option<i32>,
    /// ROLLING or FIXED.
    pub period_type: Option<PeriodType>,
    /// First day of a FIXED period, `MM-DD`.
    pub fixed_period_start_day: MaybeUndefined<String>,
    /// Rollover day of a FIXED period, `MM-DD`.
    pub fixed_period_rollover_day: MaybeUndefined<String>,
    /// Automatic renewal.
    pub auto_renew: Option<AutoRenew>,
    /// Who may see it.
    pub visibility: Option<Visibility>,
    /// Whether it can be taken out.
    pub is_active: Option<bool>,
    /// Permissions a current member holds (replaces the list).
    pub grants: Option<Vec<String>>,
    /// Display order.
    pub weight: Option<i32>,
    /// Send the welcome email on joining.
    pub send_welcome: Option<bool>,
    /// Template of this type's welcome email; `null` returns to `welcome`.
    pub welcome_template_key: MaybeUndefined<String>,
    /// Added once when a new member joins.
    pub joining_fee: Option<Decimal>,
    /// The price of a renewal term; `null` returns to `minimumFee`.
    pub renewal_fee: MaybeUndefined<Decimal>,
    /// FIXED types: a new member pays for the months left of the first period.
    pub prorate: Option<bool>,
    /// How prorated amounts are rounded.
    pub proration_rounding: Option<ProrationRounding>,
    /// Special prices for several terms (replaces the list).
    pub price_options: Option<Vec<PriceOptionInput>>,
    /// Members may renew by themselves from this many days before the end date.
    pub renewal_opens_days_before: Option<i32>,
    /// …until this many days after it.
    pub renewal_closes_days_after: Option<i32>,
    /// Relationship types through which related contacts inherit (replaces the list).
    pub inherit_via: Option<Vec<ID>>,
    /// Seats for related contacts in one bundle; `null`: no limit.
    pub max_related: MaybeUndefined<i32>,
}

/// A signed offset from an event.
#[derive(Clone, Copy, Debug, InputObject)]
pub struct OffsetInput {
    /// How many units (negative: before the event).
    pub amount: i32,
    /// The unit.
    pub unit: OffsetUnit,
}

/// Builds a boundary from an optional event and offset.
pub fn boundary(event: Option<StatusEvent>, offset: Option<OffsetInput>) -> Option<Boundary> {
    event.map(|e| Boundary {
        event: e.into(),
        offset: offset.map_or(Offset::ZERO, |o| {
            Offset::new(i64::from(o.amount), o.unit.into())
        }),
    })
}

/// A new status rule (admins).
#[derive(Debug, InputObject)]
pub struct CreateMembershipStatusInput {
    /// Unique name.
    pub name: String,
    /// Event the status starts from; required unless `isAdmin`.
    pub start_event: Option<StatusEvent>,
    /// Offset from the start event (default 0 days).
    pub start_offset: Option<OffsetInput>,
    /// Event the status ends at (none: open-ended).
    pub end_event: Option<StatusEvent>,
    /// Offset from the end event (default 0 days).
    pub end_offset: Option<OffsetInput>,
    /// Whether members with it count as current (default false).
    pub is_current_member: Option<bool>,
    /// Set by hand only, never computed (default false).
    pub is_admin: Option<bool>,
    /// Whether the rule is used (default true).
    pub is_active: Option<bool>,
    /// Order in which rules are tried (default 0).
    pub weight: Option<i32>,
}

/// Changes to a status rule; fields left out keep their value, `null` clears an event.
#[derive(Debug, InputObject)]
pub struct UpdateMembershipStatusInput {
    /// Unique name.
    pub name: Option<String>,
    /// Event the status starts from.
    pub start_event: MaybeUndefined<StatusEvent>,
    /// Offset from the start event.
    pub start_offset: Option<OffsetInput>,
    /// Event the status ends at.
    pub end_event: MaybeUndefined<StatusEvent>,
    /// Offset from the end event.
    pub end_offset: Option<OffsetInput>,
    /// Whether members with it count as current.
    pub is_current_member: Option<bool>,
    /// Set by hand only.
    pub is_admin: Option<bool>,
    /// Whether the rule is used.
    pub is_active: Option<bool>,
    /// Order in which rules are tried.
    pub weight: Option<i32>,
}

/// A new membership. Dates default from the type's rules; explicit dates win (back-office entry).
#[derive(Debug, InputObject)]
pub struct CreateMembershipInput {
    /// The member.
    pub contact_id: ID,
    /// The type.
    pub membership_type_id: ID,
    /// "Member since" (default today).
    pub join_date: Option<Date>,
    /// Start of the first period (default: from the type's rules).
    pub start_date: Option<Date>,
    /// End of the first period (default: from the type's rules).
    pub end_date: Option<Date>,
    /// Periods covered (default 1).
    pub terms: Option<i32>,
    /// Hold this status instead of computing it.
    pub status_override: Option<ID>,
    /// Last day the held status holds (default: until released).
    pub override_until: Option<Date>,
    /// Where it came from, e.g. "phone".
    pub source: Option<String>,
}

/// Changes to a membership; fields left out keep their value.
#[derive(Debug, InputObject)]
pub struct UpdateMembershipInput {
    /// Move to another type (dates are kept).
    pub membership_type_id: Option<ID>,
    /// "Member since".
    pub join_date: Option<Date>,
    /// Start of the current period.
    pub start_date: Option<Date>,
    /// End of the current period; null only for lifetime types.
    pub end_date: MaybeUndefined<Date>,
    /// Hold this status; `null` releases the hold and computes the status again.
    pub status_override: MaybeUndefined<ID>,
    /// Last day the held status holds; `null` holds it until released.
    pub override_until: MaybeUndefined<Date>,
    /// Where it came from.
    pub source: MaybeUndefined<String>,
}

/// A renewal.
#[derive(Debug, Default, InputObject)]
pub struct RenewMembershipInput {
    /// The day of the renewal (default today); whether the membership is current is judged on it.
    pub renewal_date: Option<Date>,
    /// Periods added (default 1).
    pub terms: Option<i32>,
}

/// A cancellation.
#[derive(Debug, Default, InputObject)]
pub struct CancelMembershipInput {
    /// Why the membership ends.
    pub reason: Option<String>,
}

/// Narrows the membership list.
#[derive(Debug, Default, InputObject)]
pub struct MembershipFilter {
    /// Only this contact's memberships.
    pub contact_id: Option<ID>,
    /// Only these types.
    pub membership_type_ids: Option<Vec<ID>>,
    /// Only these stored statuses.
    pub status_ids: Option<Vec<ID>>,
    /// End date on or after.
    pub end_date_from: Option<Date>,
    /// End date on or before.
    pub end_date_to: Option<Date>,
    /// Only memberships whose stored status counts as current (true) or not (false).
    pub is_current: Option<bool>,
    /// Only memberships with these signup-form answers (all of them; at most 5).
    pub custom_fields: Option<Vec<super::signup::CustomFieldFilter>>,
}

/// What to sort memberships by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, async_graphql::Enum)]
pub enum MembershipOrderField {
    /// Creation (id) order.
    #[default]
    CreatedAt,
    /// End date (lifetime memberships last).
    EndDate,
}

/// The order of the membership list.
#[derive(Debug, Default, InputObject)]
pub struct MembershipOrderBy {
    /// What to sort by.
    #[graphql(default)]
    pub field: MembershipOrderField,
    /// Ascending (default) or descending.
    #[graphql(default)]
    pub direction: SortDirection,
}
