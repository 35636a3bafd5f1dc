use async_graphql::{Context, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::types::job::{JobRun, JobRunConnection, JobRunFilter};
use crate::jobs::runs as jobs;

#[derive(Default)]
pub struct JobQuery;

#[Object]
impl JobQuery {
    /// Runs of background jobs, newest first (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn job_runs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "What to include.")] filter: Option<JobRunFilter>,
    ) -> Result<JobRunConnection> {
        let state = guards::state(ctx)?;
        let page = guards::page_args(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let viewer = guards::viewer(ctx);
        let result = jobs::list(state, viewer, f.name, f.status.map(Into::into), page).await?;
        Ok(JobRunConnection::from_page(result, JobRun))
    }
}
