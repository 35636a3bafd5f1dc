//! Self-service signup: the answers to a form's custom fields, the signups counted per client
//! address, the tokens that let an anonymous payer pay one contribution, and the logins that must
//! confirm their address before they hold any permission.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::exec;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CustomValues {
    Table,
    Id,
    Entity,
    EntityId,
    Key,
    Label,
    FieldType,
    Position,
    Value,
    ValueKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SignupAttempts {
    Table,
    Id,
    ClientIp,
    At,
}

#[derive(DeriveIden)]
enum PaymentTokens {
    Table,
    ContributionId,
    TokenSha256,
    CreatedAt,
}

/// `users.verification_required` is NOT NULL with a default, added by ALTER TABLE: every insert
/// sets it explicitly (under parallel load SQLite's RETURNING was seen to give NULL for the
/// defaulted column, which the entity cannot read).
#[derive(DeriveIden)]
enum Users {
    Table,
    VerificationRequired,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CustomValues as V;
        // One row per answer (a MULTI_SELECT answer has a row per option chosen, by `position`);
        // `value_key` is the first 200 characters of `value`, for the filter index.
        manager
            .create_table(
                Table::create()
                    .table(V::Table)
                    .col(big_pk_auto(V::Id))
                    .col(string_len(V::Entity, 16))
                    .col(big_integer(V::EntityId))
                    .col(string_len(V::Key, 40))
                    .col(string_len(V::Label, 200))
                    .col(string_len(V::FieldType, 16))
                    .col(integer(V::Position).default(0))
                    .col(text(V::Value))
                    .col(string_len(V::ValueKey, 200))
                    .col(timestamp_with_time_zone(V::CreatedAt))
                    .to_owned(),
            )
            .await?;
        exec(
            manager,
            "CREATE UNIQUE INDEX ux_custom_values_owner ON custom_values (entity, entity_id, key, position)",
        )
        .await?;
        exec(
            manager,
            "CREATE INDEX ix_custom_values_filter ON custom_values (entity, key, value_key, entity_id)",
        )
        .await?;
        use SignupAttempts as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(big_pk_auto(S::Id))
                    .col(string_len(S::ClientIp, 64))
                    .col(timestamp_with_time_zone(S::At))
                    .to_owned(),
            )
            .await?;
        exec(
            manager,
            "CREATE INDEX ix_signup_attempts_ip ON signup_attempts (client_ip, at)",
        )
        .await?;
        use PaymentTokens as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(big_integer(P::ContributionId).primary_key())
                    .col(string_len(P::TokenSha256, 64))
                    .col(timestamp_with_time_zone(P::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(boolean(Users::VerificationRequired).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::VerificationRequired)
                    .to_owned(),
            )
            .await?;
        for t in ["payment_tokens", "signup_attempts", "custom_values"] {
            manager
                .drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        Ok(())
    }
}
