//! When each membership history row is in force, stored on the row: `in_force_from` (NULL for a
//! membership's first row, which also stands for every earlier day; otherwise its `changed_at`) and
//! `in_force_until` (the next row's `changed_at`; NULL for the latest row). The reports then read the
//! record as it stood on any date with one filtered scan instead of grouping the whole history.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MembershipHistory {
    Table,
    InForceFrom,
    InForceUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            MembershipHistory::InForceFrom,
            MembershipHistory::InForceUntil,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(MembershipHistory::Table)
                        .add_column(ColumnDef::new(column).timestamp_with_time_zone().null())
                        .to_owned(),
                )
                .await?;
        }
        crate::exec(
            manager,
            "UPDATE membership_history SET in_force_from = changed_at WHERE id NOT IN \
             (SELECT MIN(id) FROM membership_history GROUP BY membership_id)",
        )
        .await?;
        crate::exec(
            manager,
            "UPDATE membership_history SET in_force_until = \
             (SELECT n.changed_at FROM membership_history n \
              WHERE n.membership_id = membership_history.membership_id AND n.id > membership_history.id \
              ORDER BY n.id LIMIT 1)",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            MembershipHistory::InForceFrom,
            MembershipHistory::InForceUntil,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(MembershipHistory::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
