use async_graphql::{Context, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::scalars::Date;
use crate::graphql::types::job::JobRun;
use crate::jobs::JobName;
use crate::services::jobs;

#[derive(Default)]
pub struct JobMutation;

#[Object]
impl JobMutation {
    /// Runs a job once now (admins) and returns its recorded run; a failure is a FAILED run, not an
    /// error. `asOf` sets the date the job's rules are evaluated for (default today).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn run_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "`update-statuses`, `send-reminders` or `deliver-mail`.")] name: String,
        #[graphql(desc = "The date to evaluate the job's rules for (default today).")]
        as_of: Option<Date>,
    ) -> Result<JobRun> {
        let state = guards::state(ctx)?;
        let job = JobName::parse(&name, "name")?;
        let user = guards::user(ctx)?;
        let as_of = as_of.map_or_else(|| state.clock.today(), |d| d.0);
        let run = jobs::run(state, job, as_of, &format!("user:{}", user.user_id)).await?;
        Ok(JobRun(run))
    }
}
