//! Scheduled reminder mutations (admins: reminders are settings).

use async_graphql::{Context, ID, MaybeUndefined, Object, Result};

use crate::domain::dates::Unit;
use crate::domain::reminder::Direction;
use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::types::reminder::{
    CreateScheduledReminderInput, ScheduledReminder, UpdateScheduledReminderInput,
};
use crate::graphql::{parse_id, parse_ids};
use crate::services::reminders::{self, ReminderFields};

#[derive(Default)]
pub struct ReminderMutation;

/// `null` clears, absent keeps, a value sets.
fn merge(value: MaybeUndefined<i32>, current: Option<i64>) -> Option<i64> {
    match value {
        MaybeUndefined::Undefined => current,
        MaybeUndefined::Null => None,
        MaybeUndefined::Value(v) => Some(i64::from(v)),
    }
}

#[Object]
impl ReminderMutation {
    /// Creates a scheduled reminder (admins). The `send-reminders` job sends it from its next run.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_scheduled_reminder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new reminder.")] input: CreateScheduledReminderInput,
    ) -> Result<ScheduledReminder> {
        let state = guards::state(ctx)?;
        let f = ReminderFields {
            name: input.name,
            template_key: input.template_key,
            anchor: input.anchor.into(),
            offset: i64::from(input.offset.unwrap_or(0)),
            unit: input.unit.map_or(Unit::Day, Into::into),
            direction: input.direction.map_or(Direction::Before, Into::into),
            membership_type_ids: parse_ids(
                &input.membership_type_ids.unwrap_or_default(),
                "membershipTypeIds",
            )?,
            status_ids: parse_ids(&input.status_ids.unwrap_or_default(), "statusIds")?,
            repeat_every: input.repeat_every.map(i64::from),
            repeat_until: input.repeat_until.map(i64::from),
            is_active: input.is_active.unwrap_or(true),
            event_id: crate::graphql::parse_optional_id(&input.event_id, "eventId")?,
        };
        Ok(ScheduledReminder(reminders::create(state, f).await?))
    }

    /// Changes a scheduled reminder (admins); fields left out keep their value. Messages already
    /// queued stay; each occurrence is still sent once per membership and anchor date.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_scheduled_reminder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Reminder to change.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateScheduledReminderInput,
    ) -> Result<ScheduledReminder> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let type_ids = input
            .membership_type_ids
            .map(|ids| parse_ids(&ids, "membershipTypeIds"))
            .transpose()?;
        let status_ids = input
            .status_ids
            .map(|ids| parse_ids(&ids, "statusIds"))
            .transpose()?;
        let event_id = match input.event_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(e) => Some(Some(parse_id(&e, "eventId")?)),
        };
        let updated = reminders::update(state, id, |f| ReminderFields {
            name: input.name.unwrap_or(f.name),
            template_key: input.template_key.unwrap_or(f.template_key),
            anchor: input.anchor.map_or(f.anchor, Into::into),
            offset: input.offset.map_or(f.offset, i64::from),
            unit: input.unit.map_or(f.unit, Into::into),
            direction: input.direction.map_or(f.direction, Into::into),
            membership_type_ids: type_ids.unwrap_or(f.membership_type_ids),
            status_ids: status_ids.unwrap_or(f.status_ids),
            repeat_every: merge(input.repeat_every, f.repeat_every),
            repeat_until: merge(input.repeat_until, f.repeat_until),
            is_active: input.is_active.unwrap_or(f.is_active),
            event_id: event_id.unwrap_or(f.event_id),
        })
        .await?;
        Ok(ScheduledReminder(updated))
    }
}
