//! Signup forms: what an organisation offers and asks the people who join online.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SignupForms {
    Table,
    Id,
    Slug,
    Title,
    Intro,
    ThankYou,
    MembershipTypeIds,
    AllowDonation,
    SuggestedDonations,
    Fields,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use SignupForms as F;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .col(big_pk_auto(F::Id))
                    .col(string_len_uniq(F::Slug, 64))
                    .col(string(F::Title))
                    .col(text_null(F::Intro))
                    .col(text_null(F::ThankYou))
                    .col(text(F::MembershipTypeIds))
                    .col(boolean(F::AllowDonation).default(false))
                    .col(text(F::SuggestedDonations))
                    .col(text(F::Fields))
                    .col(boolean(F::IsActive).default(true))
                    .col(timestamp_with_time_zone(F::CreatedAt))
                    .col(timestamp_with_time_zone(F::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SignupForms::Table).to_owned())
            .await
    }
}
