//! The member portal and hardening: single-use password tokens (reset, invitation), failed-login
//! records for throttling, API keys, the audit log, and restricted resources.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::exec;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PasswordTokens {
    Table,
    Id,
    UserId,
    Purpose,
    TokenSha256,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Id,
    Email,
    ClientIp,
    Succeeded,
    At,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    Name,
    Role,
    KeySha256,
    Prefix,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    Actor,
    Action,
    Entity,
    EntityId,
    Before,
    After,
    At,
}

#[derive(DeriveIden)]
enum Resources {
    Table,
    Id,
    Title,
    Summary,
    Body,
    Url,
    RequiredPermission,
    IsPublished,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use PasswordTokens as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(big_pk_auto(P::Id))
                    .col(big_integer(P::UserId))
                    .col(string_len(P::Purpose, 16))
                    .col(string_len_uniq(P::TokenSha256, 64))
                    .col(timestamp_with_time_zone(P::ExpiresAt))
                    .col(timestamp_with_time_zone_null(P::UsedAt))
                    .col(timestamp_with_time_zone(P::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_password_tokens_user")
                            .from(P::Table, P::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        use LoginAttempts as L;
        manager
            .create_table(
                Table::create()
                    .table(L::Table)
                    .col(big_pk_auto(L::Id))
                    .col(string(L::Email))
                    .col(string_len(L::ClientIp, 64))
                    .col(boolean(L::Succeeded))
                    .col(timestamp_with_time_zone(L::At))
                    .to_owned(),
            )
            .await?;
        exec(
            manager,
            "CREATE INDEX ix_login_attempts_email ON login_attempts (email, at)",
        )
        .await?;
        exec(
            manager,
            "CREATE INDEX ix_login_attempts_ip ON login_attempts (client_ip, at)",
        )
        .await?;

        use ApiKeys as K;
        manager
            .create_table(
                Table::create()
                    .table(K::Table)
                    .col(big_pk_auto(K::Id))
                    .col(string(K::Name))
                    .col(string_len(K::Role, 16))
                    .col(string_len_uniq(K::KeySha256, 64))
                    .col(string_len(K::Prefix, 16))
                    .col(big_integer(K::CreatedBy))
                    .col(timestamp_with_time_zone(K::CreatedAt))
                    .col(timestamp_with_time_zone_null(K::LastUsedAt))
                    .col(timestamp_with_time_zone_null(K::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_keys_user")
                            .from(K::Table, K::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;

        use AuditLog as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(big_pk_auto(A::Id))
                    .col(string(A::Actor))
                    .col(string_len(A::Action, 48))
                    .col(string_len(A::Entity, 32))
                    .col(string_len(A::EntityId, 64))
                    .col(text_null(A::Before))
                    .col(text_null(A::After))
                    .col(timestamp_with_time_zone(A::At))
                    .to_owned(),
            )
            .await?;
        exec(
            manager,
            "CREATE INDEX ix_audit_entity ON audit_log (entity, entity_id, id)",
        )
        .await?;

        use Resources as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(big_pk_auto(R::Id))
                    .col(string(R::Title))
                    .col(text_null(R::Summary))
                    .col(text_null(R::Body))
                    .col(string_null(R::Url))
                    .col(string_len_null(R::RequiredPermission, 64))
                    .col(boolean(R::IsPublished).default(false))
                    .col(timestamp_with_time_zone(R::CreatedAt))
                    .col(timestamp_with_time_zone(R::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "resources",
            "audit_log",
            "api_keys",
            "login_attempts",
            "password_tokens",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
