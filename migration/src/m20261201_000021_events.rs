//! Events (issue 18): events with ticket types (member and public prices, per-ticket capacity),
//! registrations (with guests, a waitlist, approval, payment through an `EVENT_FEE` contribution,
//! check-in), and scheduled reminders anchored to an event's start.
//!
//! The one column added to an existing table (`scheduled_reminders.event_id`) is nullable, so
//! SQLite's `ALTER TABLE` needs no default and the existing insert paths need not set it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::exec;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    Title,
    Description,
    StartsAt,
    EndsAt,
    Timezone,
    Location,
    OnlineUrl,
    Capacity,
    Visibility,
    Status,
    RegistrationOpensAt,
    RegistrationClosesAt,
    MemberRegistrationOpensAt,
    MemberPermission,
    RequiresApproval,
    AllowGuests,
    MaxGuestsPerRegistration,
    CancelledAt,
    CancelReason,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EventTicketTypes {
    Table,
    Id,
    EventId,
    Name,
    PriceMinor,
    Currency,
    Grants,
    Capacity,
    Position,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EventRegistrations {
    Table,
    Id,
    EventId,
    TicketTypeId,
    ContactId,
    FirstName,
    LastName,
    Guests,
    Status,
    ContributionId,
    PayBy,
    CheckInCodeSha256,
    RegisteredAt,
    ConfirmedAt,
    CheckedInAt,
    CancelledAt,
    CreatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ScheduledReminders {
    Table,
    EventId,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Contributions {
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Events as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(big_pk_auto(E::Id))
                    .col(string_len(E::Title, 200))
                    .col(text_null(E::Description))
                    .col(timestamp_with_time_zone(E::StartsAt))
                    .col(timestamp_with_time_zone(E::EndsAt))
                    .col(string_len(E::Timezone, 64))
                    .col(text_null(E::Location))
                    .col(text_null(E::OnlineUrl))
                    .col(integer_null(E::Capacity))
                    .col(string_len(E::Visibility, 20))
                    .col(string_len(E::Status, 20))
                    .col(timestamp_with_time_zone_null(E::RegistrationOpensAt))
                    .col(timestamp_with_time_zone_null(E::RegistrationClosesAt))
                    .col(timestamp_with_time_zone_null(E::MemberRegistrationOpensAt))
                    .col(string_len(E::MemberPermission, 100))
                    .col(boolean(E::RequiresApproval).default(false))
                    .col(boolean(E::AllowGuests).default(false))
                    .col(integer(E::MaxGuestsPerRegistration).default(0))
                    .col(timestamp_with_time_zone_null(E::CancelledAt))
                    .col(text_null(E::CancelReason))
                    .col(string_len(E::CreatedBy, 100))
                    .col(timestamp_with_time_zone(E::CreatedAt))
                    .col(timestamp_with_time_zone(E::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        exec(
            manager,
            "CREATE INDEX ix_events_starts_at ON events (starts_at, id)",
        )
        .await?;

        use EventTicketTypes as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(big_pk_auto(T::Id))
                    .col(big_integer(T::EventId))
                    .col(string_len(T::Name, 200))
                    .col(big_integer(T::PriceMinor))
                    .col(string_len(T::Currency, 3))
                    .col(text(T::Grants))
                    .col(integer_null(T::Capacity))
                    .col(integer(T::Position))
                    .col(timestamp_with_time_zone(T::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_event_ticket_types_event",
                        (T::Table, T::EventId),
                        (E::Table, E::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        exec(
            manager,
            "CREATE INDEX ix_event_ticket_types_event ON event_ticket_types (event_id, position)",
        )
        .await?;

        use EventRegistrations as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(big_pk_auto(R::Id))
                    .col(big_integer(R::EventId))
                    .col(big_integer(R::TicketTypeId))
                    .col(big_integer(R::ContactId))
                    .col(string_len_null(R::FirstName, 200))
                    .col(string_len_null(R::LastName, 200))
                    .col(integer(R::Guests).default(0))
                    .col(string_len(R::Status, 20))
                    .col(big_integer_null(R::ContributionId))
                    .col(timestamp_with_time_zone_null(R::PayBy))
                    .col(string_len_null(R::CheckInCodeSha256, 64))
                    .col(timestamp_with_time_zone(R::RegisteredAt))
                    .col(timestamp_with_time_zone_null(R::ConfirmedAt))
                    .col(timestamp_with_time_zone_null(R::CheckedInAt))
                    .col(timestamp_with_time_zone_null(R::CancelledAt))
                    .col(string_len(R::CreatedBy, 100))
                    .col(timestamp_with_time_zone(R::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_event_registrations_event",
                        (R::Table, R::EventId),
                        (E::Table, E::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_event_registrations_ticket_type",
                        (R::Table, R::TicketTypeId),
                        (T::Table, T::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_event_registrations_contact",
                        (R::Table, R::ContactId),
                        (Contacts::Table, Contacts::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_event_registrations_contribution",
                        (R::Table, R::ContributionId),
                        (Contributions::Table, Contributions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for sql in [
            "CREATE INDEX ix_event_registrations_event ON event_registrations (event_id, status, id)",
            "CREATE INDEX ix_event_registrations_contact ON event_registrations (contact_id)",
            "CREATE INDEX ix_event_registrations_contribution ON event_registrations (contribution_id)",
            // A check-in code (also the key of the registration's calendar link) names one
            // registration.
            "CREATE UNIQUE INDEX ux_event_registrations_code ON event_registrations (check_in_code_sha256)",
        ] {
            exec(manager, sql).await?;
        }

        // A reminder anchored to EVENT_START: for one event, or (NULL) for every event.
        let mut column = ColumnDef::new(ScheduledReminders::EventId)
            .big_integer()
            .null()
            .to_owned();
        manager
            .alter_table(
                Table::alter()
                    .table(ScheduledReminders::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ScheduledReminders::Table)
                    .drop_column(ScheduledReminders::EventId)
                    .to_owned(),
            )
            .await?;
        for table in ["event_registrations", "event_ticket_types", "events"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
