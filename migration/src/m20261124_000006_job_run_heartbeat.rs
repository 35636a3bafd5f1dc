//! Job runs show whether they are alive: `heartbeat_at` is refreshed while a run works, so a run
//! left RUNNING by a process that died can be told from a long one and marked FAILED. Two partial
//! indexes keep the per-run housekeeping cheap however long the history grows: the runs still
//! RUNNING, and the runs that found nothing to do (pruned after `jobs.idle_run_retention_hours`).

use sea_orm_migration::prelude::*;

use crate::exec;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000006_job_run_heartbeat"
    }
}

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    HeartbeatAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(JobRuns::Table)
                    .add_column(
                        ColumnDef::new(JobRuns::HeartbeatAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        exec(
            manager,
            "CREATE INDEX ix_job_runs_running ON job_runs (id) WHERE status = 'RUNNING'",
        )
        .await?;
        exec(
            manager,
            "CREATE INDEX ix_job_runs_idle ON job_runs (name, started_at) \
             WHERE processed = 0 AND changed = 0",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        exec(manager, "DROP INDEX ix_job_runs_idle").await?;
        exec(manager, "DROP INDEX ix_job_runs_running").await?;
        manager
            .alter_table(
                Table::alter()
                    .table(JobRuns::Table)
                    .drop_column(JobRuns::HeartbeatAt)
                    .to_owned(),
            )
            .await
    }
}
