//! Erasure: a contact whose personal data was erased keeps its row (memberships and contributions
//! still point at it, so reports and the books add up) and records when it was erased. Nullable, so
//! SQLite's ALTER TABLE needs no default and inserts need not set it.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000018_privacy"
    }
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    ErasedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Contacts::Table)
                    .add_column(
                        ColumnDef::new(Contacts::ErasedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Contacts::Table)
                    .drop_column(Contacts::ErasedAt)
                    .to_owned(),
            )
            .await
    }
}
