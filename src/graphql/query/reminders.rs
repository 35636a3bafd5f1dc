//! Scheduled reminders (staff may read them; only admins change them).

use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::parse_id;
use crate::graphql::types::reminder::ScheduledReminder;
use crate::services::reminders;

#[derive(Default)]
pub struct ReminderQuery;

#[Object]
impl ReminderQuery {
    /// Every scheduled reminder, oldest first (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn scheduled_reminders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only active reminders.", default)] active_only: bool,
    ) -> Result<Vec<ScheduledReminder>> {
        let state = guards::state(ctx)?;
        Ok(reminders::list(&state.db, active_only)
            .await?
            .into_iter()
            .map(ScheduledReminder)
            .collect())
    }

    /// One scheduled reminder (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn scheduled_reminder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Reminder id.")] id: ID,
    ) -> Result<Option<ScheduledReminder>> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Some(ScheduledReminder(
            reminders::get(&state.db, id, "id").await?,
        )))
    }
}
