//! Mailing mutations: drafts, scheduling, sending, cancelling and test sends (staff), and the
//! public double opt-in sign-up.

use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::types::mailing::{CreateMailingInput, Mailing, ScheduleMailingInput};
use crate::graphql::{parse_id, parse_ids};
use crate::services::mailings::{manage, subscribe};

#[derive(Default)]
pub struct MailingMutation;

fn input(i: CreateMailingInput) -> crate::error::AppResult<manage::MailingInput> {
    Ok(manage::MailingInput {
        subject: i.subject,
        text_body: i.text_body,
        html_body: i.html_body,
        audience: i.audience.parse()?,
    })
}

#[Object]
impl MailingMutation {
    /// Creates a draft mailing (staff). The templates are compiled and rendered against a sample
    /// recipient first: an unknown variable, helper or partial is refused, naming the field.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn create_mailing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mailing.")] input: CreateMailingInput,
    ) -> Result<Mailing> {
        let state = guards::state(ctx)?;
        let i = self::input(input)?;
        Ok(Mailing(
            manage::create(state, &guards::actor(ctx), i).await?,
        ))
    }

    /// Replaces a draft's (or scheduled mailing's) content and audience (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn update_mailing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mailing.")] id: ID,
        #[graphql(desc = "Its new content.")] input: CreateMailingInput,
    ) -> Result<Mailing> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let i = self::input(input)?;
        Ok(Mailing(
            manage::update(state, &guards::actor(ctx), id, i).await?,
        ))
    }

    /// Starts sending now (staff): the audience snapshot is taken at once; the `send-mailings`
    /// job queues the messages in batches and `deliver-mail` sends them at the configured rate.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn send_mailing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mailing.")] id: ID,
    ) -> Result<Mailing> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Mailing(
            manage::send_now(state, &guards::actor(ctx), id).await?,
        ))
    }

    /// Schedules a draft (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn schedule_mailing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mailing.")] id: ID,
        #[graphql(desc = "When.")] input: ScheduleMailingInput,
    ) -> Result<Mailing> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let at = input.scheduled_at.0;
        Ok(Mailing(
            manage::schedule(state, &guards::actor(ctx), id, at).await?,
        ))
    }

    /// Cancels a draft, scheduled or sending mailing (staff): nothing more is queued and its
    /// messages still waiting in the outbox are cancelled.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn cancel_mailing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mailing.")] id: ID,
    ) -> Result<Mailing> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Mailing(
            manage::cancel(state, &guards::actor(ctx), id).await?,
        ))
    }

    /// Sends the mailing to the signed-in staff member's own address, marked as a test.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn send_test_mailing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mailing.")] id: ID,
    ) -> Result<Mailing> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Mailing(
            manage::send_test(state, guards::viewer(ctx), id).await?,
        ))
    }

    /// Signs an email address up for public interests (anyone): a confirmation link is mailed,
    /// and nothing else happens until it is opened (double opt-in). The answer is `true` whether
    /// or not the address is known; sign-ups count against the client address's hourly limit.
    async fn subscribe(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The address.")] email: String,
        #[graphql(desc = "The public interests wanted.")] interest_ids: Vec<ID>,
    ) -> Result<bool> {
        let state = guards::state(ctx)?;
        let ids = parse_ids(&interest_ids, "interestIds")?;
        subscribe::request(state, &guards::client_ip(ctx), &email, &ids).await?;
        Ok(true)
    }
}
