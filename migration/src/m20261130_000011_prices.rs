//! Membership type prices: a joining fee, a renewal price, special prices for several terms, and
//! proration of a fixed period's first term; and when members may renew by themselves.

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
    RenewalOpensDaysBefore,
    RenewalClosesDaysAfter,
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
            ColumnDef::new(T::RenewalOpensDaysBefore)
                .integer()
                .not_null()
                .default(60)
                .to_owned(),
            ColumnDef::new(T::RenewalClosesDaysAfter)
                .integer()
                .not_null()
                .default(90)
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
            T::RenewalOpensDaysBefore,
            T::RenewalClosesDaysAfter,
        ] {
            manager
                .alter_table(Table::alter().table(T::Table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}
