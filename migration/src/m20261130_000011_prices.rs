//! Membership type prices: a joining fee, a renewal price, special prices for several terms, and
//! proration of a fixed period's first term.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MembershipTypes {
    Table,
    JoiningFeeMinor,
    RenewalFeeMinor,
    Prorate,
    ProrationRounding,
    PriceOptions,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MembershipTypes as T;
        // One column per statement: SQLite alters one at a time.
        let columns = [
            ColumnDef::new(T::JoiningFeeMinor)
                .big_integer()
                .not_null()
                .default(0)
                .to_owned(),
            ColumnDef::new(T::RenewalFeeMinor)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(T::Prorate)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(T::ProrationRounding)
                .string_len(16)
                .not_null()
                .default("NEAREST")
                .to_owned(),
            ColumnDef::new(T::PriceOptions)
                .text()
                .not_null()
                .default("[]")
                .to_owned(),
        ];
        for mut col in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(T::Table)
                        .add_column(&mut col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MembershipTypes as T;
        for col in [
            T::JoiningFeeMinor,
            T::RenewalFeeMinor,
            T::Prorate,
            T::ProrationRounding,
            T::PriceOptions,
        ] {
            manager
                .alter_table(Table::alter().table(T::Table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}
