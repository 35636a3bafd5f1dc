//! Households, organisations and relationships (issue 17): admin-defined relationship types,
//! relationships between contacts, memberships inherited through them (bundles), and the opt-in
//! member directory.
//!
//! Every column added to an existing table is nullable, so SQLite's `ALTER TABLE` needs no default
//! and the existing insert paths need not set it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::exec;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RelationshipTypes {
    Table,
    Id,
    NameAToB,
    NameBToA,
    Description,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Relationships {
    Table,
    Id,
    ContactAId,
    ContactBId,
    RelationshipTypeId,
    StartDate,
    EndDate,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MembershipTypes {
    Table,
    InheritVia,
    MaxRelated,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    InheritedFromId,
    RelationshipId,
    InheritEndedOn,
}

#[derive(DeriveIden)]
enum DirectoryListings {
    Table,
    ContactId,
    Fields,
    CustomFieldKeys,
    PhotoUrl,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DirectoryCustomFields {
    Table,
    Key,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

async fn add_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: ColumnDef,
) -> Result<(), DbErr> {
    let mut column = column;
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(&mut column)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use RelationshipTypes as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(big_pk_auto(T::Id))
                    .col(string_len(T::NameAToB, 100))
                    .col(string_len(T::NameBToA, 100))
                    .col(text_null(T::Description))
                    .col(boolean(T::IsActive).default(true))
                    .col(timestamp_with_time_zone(T::CreatedAt))
                    .col(timestamp_with_time_zone(T::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        use Relationships as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(big_pk_auto(R::Id))
                    .col(big_integer(R::ContactAId))
                    .col(big_integer(R::ContactBId))
                    .col(big_integer(R::RelationshipTypeId))
                    .col(date_null(R::StartDate))
                    .col(date_null(R::EndDate))
                    .col(boolean(R::IsActive).default(true))
                    .col(timestamp_with_time_zone(R::CreatedAt))
                    .col(timestamp_with_time_zone(R::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_relationships_contact_a",
                        (R::Table, R::ContactAId),
                        (Contacts::Table, Contacts::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_relationships_contact_b",
                        (R::Table, R::ContactBId),
                        (Contacts::Table, Contacts::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_relationships_type",
                        (R::Table, R::RelationshipTypeId),
                        (T::Table, T::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_relationships_contact_a", "contact_a_id"),
            ("ix_relationships_contact_b", "contact_b_id"),
        ] {
            exec(
                manager,
                &format!("CREATE INDEX {name} ON relationships ({col})"),
            )
            .await?;
        }

        // JSON array of relationship type ids; NULL (or empty) grants nothing to related contacts.
        add_column(
            manager,
            MembershipTypes::Table,
            ColumnDef::new(MembershipTypes::InheritVia)
                .text()
                .null()
                .to_owned(),
        )
        .await?;
        add_column(
            manager,
            MembershipTypes::Table,
            ColumnDef::new(MembershipTypes::MaxRelated)
                .integer()
                .null()
                .to_owned(),
        )
        .await?;
        add_column(
            manager,
            Memberships::Table,
            ColumnDef::new(Memberships::InheritedFromId)
                .big_integer()
                .null()
                .to_owned(),
        )
        .await?;
        add_column(
            manager,
            Memberships::Table,
            ColumnDef::new(Memberships::RelationshipId)
                .big_integer()
                .null()
                .to_owned(),
        )
        .await?;
        add_column(
            manager,
            Memberships::Table,
            ColumnDef::new(Memberships::InheritEndedOn)
                .date()
                .null()
                .to_owned(),
        )
        .await?;
        // One inherited membership per primary and related contact (NULLs never collide, so
        // ordinary memberships are not constrained).
        exec(
            manager,
            "CREATE UNIQUE INDEX ux_memberships_inherited ON memberships (inherited_from_id, contact_id)",
        )
        .await?;

        use DirectoryListings as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(big_integer(D::ContactId).primary_key())
                    .col(text(D::Fields))
                    .col(text(D::CustomFieldKeys))
                    .col(text_null(D::PhotoUrl))
                    .col(timestamp_with_time_zone(D::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_directory_listings_contact",
                        (D::Table, D::ContactId),
                        (Contacts::Table, Contacts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        use DirectoryCustomFields as F;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .col(string_len(F::Key, 64).primary_key())
                    .col(timestamp_with_time_zone(F::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "directory_custom_fields",
            "directory_listings",
            "relationships",
            "relationship_types",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        exec(manager, "DROP INDEX ux_memberships_inherited").await?;
        for (table, column) in [
            ("memberships", "inherit_ended_on"),
            ("memberships", "relationship_id"),
            ("memberships", "inherited_from_id"),
            ("membership_types", "max_related"),
            ("membership_types", "inherit_via"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
