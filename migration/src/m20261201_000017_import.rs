//! Imports: each contact, membership and contribution may carry the id it had in the system it came
//! from (`external_id`, unique), which makes a re-run of the same file find what the first run
//! wrote instead of writing it again; `import_jobs` holds the progress and report of imports
//! started through the API.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportJobs {
    Table,
    Id,
    Kind,
    DryRun,
    Status,
    FileName,
    Rows,
    Created,
    Updated,
    Unchanged,
    Skipped,
    Rejected,
    Errors,
    Outcomes,
    RejectedCsv,
    Error,
    StartedBy,
    StartedAt,
    FinishedAt,
}

const TABLES: [&str; 3] = ["contacts", "memberships", "contributions"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(ColumnDef::new(Alias::new("external_id")).string().null())
                        .to_owned(),
                )
                .await?;
            crate::exec(
                manager,
                &format!("CREATE UNIQUE INDEX ux_{table}_external_id ON {table} (external_id)"),
            )
            .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ImportJobs::Table)
                    .col(
                        ColumnDef::new(ImportJobs::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ImportJobs::Kind).string().not_null())
                    .col(ColumnDef::new(ImportJobs::DryRun).boolean().not_null())
                    .col(ColumnDef::new(ImportJobs::Status).string().not_null())
                    .col(ColumnDef::new(ImportJobs::FileName).string().null())
                    .col(ColumnDef::new(ImportJobs::Rows).big_integer().not_null())
                    .col(ColumnDef::new(ImportJobs::Created).big_integer().not_null())
                    .col(ColumnDef::new(ImportJobs::Updated).big_integer().not_null())
                    .col(
                        ColumnDef::new(ImportJobs::Unchanged)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ImportJobs::Skipped).big_integer().not_null())
                    .col(
                        ColumnDef::new(ImportJobs::Rejected)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ImportJobs::Errors).text().null())
                    .col(ColumnDef::new(ImportJobs::Outcomes).text().null())
                    .col(ColumnDef::new(ImportJobs::RejectedCsv).text().null())
                    .col(ColumnDef::new(ImportJobs::Error).text().null())
                    .col(ColumnDef::new(ImportJobs::StartedBy).string().not_null())
                    .col(
                        ColumnDef::new(ImportJobs::StartedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ImportJobs::FinishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImportJobs::Table).to_owned())
            .await?;
        for table in TABLES {
            crate::exec(manager, &format!("DROP INDEX ux_{table}_external_id")).await?;
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new("external_id"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
