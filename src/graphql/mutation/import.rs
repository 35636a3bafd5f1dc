use async_graphql::{Context, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::types::import::{ImportCsvInput, ImportJob};
use crate::services::import::{ImportOptions, jobs};

#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Starts importing a CSV file of contacts, memberships or contributions (staff) and returns
    /// the job; a file whose header or mapping is wrong fails here with BAD_USER_INPUT. Row errors
    /// do not fail the job: they are listed in its report.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn import_csv(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file and how to read it.")] input: ImportCsvInput,
    ) -> Result<ImportJob> {
        let state = guards::state(ctx)?;
        let opts = ImportOptions {
            dry_run: input.dry_run,
            on_match: input.on_match(),
            file_name: input.file_name.map(|f| f.chars().take(200).collect()),
        };
        let viewer = guards::viewer(ctx);
        let job = jobs::start(
            state,
            viewer,
            &guards::actor(ctx),
            input.kind.into(),
            input.csv,
            input.mapping,
            opts,
        )
        .await?;
        Ok(ImportJob(job))
    }
}
