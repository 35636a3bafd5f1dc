//! Contacts, logins and sessions.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::exec;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    Kind,
    FirstName,
    LastName,
    OrganizationName,
    DisplayName,
    SortName,
    Email,
    Phone,
    Street,
    City,
    PostalCode,
    Region,
    Country,
    BirthDate,
    PreferredLanguage,
    DoNotEmail,
    DoNotMail,
    IsDeceased,
    Notes,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    Role,
    ContactId,
    DisabledAt,
    LastLoginAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    TokenSha256,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
    UserAgent,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Contacts::Table)
                    .col(big_pk_auto(Contacts::Id))
                    .col(string_len(Contacts::Kind, 16))
                    .col(string_null(Contacts::FirstName))
                    .col(string_null(Contacts::LastName))
                    .col(string_null(Contacts::OrganizationName))
                    .col(string(Contacts::DisplayName))
                    .col(string(Contacts::SortName))
                    .col(string_null(Contacts::Email))
                    .col(string_null(Contacts::Phone))
                    .col(string_null(Contacts::Street))
                    .col(string_null(Contacts::City))
                    .col(string_null(Contacts::PostalCode))
                    .col(string_null(Contacts::Region))
                    .col(string_len_null(Contacts::Country, 2))
                    .col(date_null(Contacts::BirthDate))
                    .col(string_len_null(Contacts::PreferredLanguage, 16))
                    .col(boolean(Contacts::DoNotEmail).default(false))
                    .col(boolean(Contacts::DoNotMail).default(false))
                    .col(boolean(Contacts::IsDeceased).default(false))
                    .col(text_null(Contacts::Notes))
                    .col(timestamp_with_time_zone(Contacts::CreatedAt))
                    .col(timestamp_with_time_zone(Contacts::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Contacts::DeletedAt))
                    .to_owned(),
            )
            .await?;
        // Byte order for the sort key on PostgreSQL too, so lists sort the same on both databases
        // whatever the server's locale.
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            exec(
                manager,
                "ALTER TABLE contacts ALTER COLUMN sort_name TYPE varchar COLLATE \"C\"",
            )
            .await?;
        }
        // Email is unique among live contacts only: a deleted contact keeps its address in the trash.
        exec(
            manager,
            "CREATE UNIQUE INDEX ux_contacts_email_live ON contacts (email) \
             WHERE deleted_at IS NULL AND email IS NOT NULL",
        )
        .await?;
        for (name, cols) in [
            ("ix_contacts_sort_name", "sort_name, id"),
            ("ix_contacts_created_at", "created_at, id"),
        ] {
            exec(
                manager,
                &format!("CREATE INDEX {name} ON contacts ({cols})"),
            )
            .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(big_pk_auto(Users::Id))
                    .col(string_uniq(Users::Email))
                    .col(string(Users::PasswordHash))
                    .col(string_len(Users::Role, 16))
                    .col(big_integer_null(Users::ContactId))
                    .col(timestamp_with_time_zone_null(Users::DisabledAt))
                    .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_contact")
                            .from(Users::Table, Users::ContactId)
                            .to(Contacts::Table, Contacts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        exec(
            manager,
            "CREATE UNIQUE INDEX ux_users_contact ON users (contact_id) WHERE contact_id IS NOT NULL",
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(big_pk_auto(Sessions::Id))
                    .col(big_integer(Sessions::UserId))
                    .col(string_len_uniq(Sessions::TokenSha256, 64))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .col(timestamp_with_time_zone(Sessions::LastUsedAt))
                    .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                    .col(string_null(Sessions::UserAgent))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_user")
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        exec(
            manager,
            "CREATE INDEX ix_sessions_user ON sessions (user_id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["sessions", "users", "contacts"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
