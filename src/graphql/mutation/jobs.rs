use async_graphql::{Context, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::scalars::Date;
use crate::graphql::types::job::JobRun;
use crate::jobs::{registry, runs};

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
        #[graphql(
            desc = "`update-statuses`, `send-reminders`, `deliver-mail`, `send-mailings`, `recurring-gifts`, `auto-renew`, `purge-trash` or `event-followups`."
        )]
        name: String,
        #[graphql(desc = "The date to evaluate the job's rules for (default today).")]
        as_of: Option<Date>,
    ) -> Result<JobRun> {
        let state = guards::state(ctx)?;
        let job = registry::parse(&name, "name")?;
        let user = guards::user(ctx)?;
        let as_of = as_of.map_or_else(|| state.clock.today(), |d| d.0);
        let run = runs::run(state, job, as_of, &format!("user:{}", user.user_id)).await?;
        Ok(JobRun(run))
    }
}

#[cfg(test)]
mod tests {
    /// The argument's description lists the jobs by hand (descriptions are literals): every job of
    /// the registry must be in it.
    #[test]
    fn the_name_argument_lists_every_job() {
        let sdl = crate::graphql::sdl();
        let start = sdl.find("runJob(").expect("runJob in the schema");
        let arg = &sdl[start..start + sdl[start..].find("): JobRun").expect("its end")];
        for job in crate::jobs::registry::JOBS {
            assert!(
                arg.contains(&format!("`{}`", job.name)),
                "{} missing in {arg}",
                job.name
            );
        }
    }
}
