use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::parse_id;
use crate::graphql::types::import::ImportJob;
use crate::services::import::jobs;

#[derive(Default)]
pub struct ImportQuery;

#[Object]
impl ImportQuery {
    /// An import started with `importCsv`: its progress, then its report (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn import_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job.")] id: ID,
    ) -> Result<ImportJob> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(ImportJob(jobs::get(state, guards::viewer(ctx), id).await?))
    }
}
