//! Membership types, status rules (seeded with CiviCRM's defaults), memberships, their history, and
//! job runs.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::exec;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MembershipTypes {
    Table,
    Id,
    Name,
    Description,
    MinimumFeeMinor,
    Currency,
    DurationUnit,
    DurationInterval,
    PeriodType,
    FixedPeriodStartDay,
    FixedPeriodRolloverDay,
    AutoRenew,
    Visibility,
    IsActive,
    Grants,
    Weight,
    SendWelcome,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MembershipStatuses {
    Table,
    Id,
    Code,
    Name,
    StartEvent,
    StartOffsetAmount,
    StartOffsetUnit,
    EndEvent,
    EndOffsetAmount,
    EndOffsetUnit,
    IsCurrentMember,
    IsAdmin,
    IsActive,
    Weight,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    ContactId,
    MembershipTypeId,
    StatusId,
    JoinDate,
    StartDate,
    EndDate,
    IsOverride,
    OverrideUntil,
    Source,
    CancelReason,
    StatusRunId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MembershipHistory {
    Table,
    Id,
    MembershipId,
    Change,
    StatusId,
    MembershipTypeId,
    JoinDate,
    StartDate,
    EndDate,
    ChangedAt,
    ChangedBy,
    Note,
}

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Id,
    Name,
    AsOf,
    TriggeredBy,
    Status,
    StartedAt,
    FinishedAt,
    Processed,
    Changed,
    Details,
    Error,
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

/// (code, name, start, end, is_current_member, is_admin, weight); a boundary is (event, amount, unit).
type Seed = (
    &'static str,
    &'static str,
    Option<(&'static str, i32, &'static str)>,
    Option<(&'static str, i32, &'static str)>,
    bool,
    bool,
    i32,
);

const STATUSES: [Seed; 7] = [
    (
        "NEW",
        "New",
        Some(("JOIN_DATE", 0, "DAY")),
        Some(("JOIN_DATE", 3, "MONTH")),
        true,
        false,
        1,
    ),
    (
        "CURRENT",
        "Current",
        Some(("START_DATE", 0, "DAY")),
        Some(("END_DATE", 0, "DAY")),
        true,
        false,
        2,
    ),
    (
        "GRACE",
        "Grace",
        Some(("END_DATE", 1, "DAY")),
        Some(("END_DATE", 1, "MONTH")),
        true,
        false,
        3,
    ),
    (
        "EXPIRED",
        "Expired",
        Some(("END_DATE", 1, "DAY")),
        None,
        false,
        false,
        4,
    ),
    ("PENDING", "Pending", None, None, false, true, 5),
    ("CANCELLED", "Cancelled", None, None, false, true, 6),
    ("DECEASED", "Deceased", None, None, false, true, 7),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MembershipTypes as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(big_pk_auto(T::Id))
                    .col(string(T::Name))
                    .col(text_null(T::Description))
                    .col(big_integer(T::MinimumFeeMinor).default(0))
                    .col(string_len(T::Currency, 3))
                    .col(string_len(T::DurationUnit, 16))
                    .col(integer(T::DurationInterval).default(1))
                    .col(string_len(T::PeriodType, 16))
                    .col(string_len_null(T::FixedPeriodStartDay, 5))
                    .col(string_len_null(T::FixedPeriodRolloverDay, 5))
                    .col(string_len(T::AutoRenew, 16))
                    .col(string_len(T::Visibility, 16))
                    .col(boolean(T::IsActive).default(true))
                    .col(text(T::Grants))
                    .col(integer(T::Weight).default(0))
                    .col(boolean(T::SendWelcome).default(true))
                    .col(timestamp_with_time_zone(T::CreatedAt))
                    .col(timestamp_with_time_zone(T::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        use MembershipStatuses as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(big_pk_auto(S::Id))
                    .col(string_len_null(S::Code, 16).unique_key())
                    .col(string_uniq(S::Name))
                    .col(string_len_null(S::StartEvent, 16))
                    .col(integer(S::StartOffsetAmount).default(0))
                    .col(string_len(S::StartOffsetUnit, 8).default("DAY"))
                    .col(string_len_null(S::EndEvent, 16))
                    .col(integer(S::EndOffsetAmount).default(0))
                    .col(string_len(S::EndOffsetUnit, 8).default("DAY"))
                    .col(boolean(S::IsCurrentMember).default(false))
                    .col(boolean(S::IsAdmin).default(false))
                    .col(boolean(S::IsActive).default(true))
                    .col(integer(S::Weight).default(0))
                    .col(timestamp_with_time_zone(S::CreatedAt))
                    .col(timestamp_with_time_zone(S::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        let now = chrono::Utc::now();
        for (code, name, start, end, current, admin, weight) in STATUSES {
            let (se, sa, su) = start.map_or((None, 0, "DAY"), |(e, a, u)| (Some(e), a, u));
            let (ee, ea, eu) = end.map_or((None, 0, "DAY"), |(e, a, u)| (Some(e), a, u));
            let insert = Query::insert()
                .into_table(S::Table)
                .columns([
                    S::Code,
                    S::Name,
                    S::StartEvent,
                    S::StartOffsetAmount,
                    S::StartOffsetUnit,
                    S::EndEvent,
                    S::EndOffsetAmount,
                    S::EndOffsetUnit,
                    S::IsCurrentMember,
                    S::IsAdmin,
                    S::IsActive,
                    S::Weight,
                    S::CreatedAt,
                    S::UpdatedAt,
                ])
                .values_panic([
                    code.into(),
                    name.into(),
                    se.into(),
                    sa.into(),
                    su.into(),
                    ee.into(),
                    ea.into(),
                    eu.into(),
                    current.into(),
                    admin.into(),
                    true.into(),
                    weight.into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned();
            manager.exec_stmt(insert).await?;
        }

        use Memberships as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(big_pk_auto(M::Id))
                    .col(big_integer(M::ContactId))
                    .col(big_integer(M::MembershipTypeId))
                    .col(big_integer(M::StatusId))
                    .col(date(M::JoinDate))
                    .col(date(M::StartDate))
                    .col(date_null(M::EndDate))
                    .col(boolean(M::IsOverride).default(false))
                    .col(date_null(M::OverrideUntil))
                    .col(string_null(M::Source))
                    .col(text_null(M::CancelReason))
                    .col(big_integer_null(M::StatusRunId))
                    .col(timestamp_with_time_zone(M::CreatedAt))
                    .col(timestamp_with_time_zone(M::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_memberships_contact",
                        (M::Table, M::ContactId),
                        (Contacts::Table, Contacts::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_memberships_type",
                        (M::Table, M::MembershipTypeId),
                        (T::Table, T::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_memberships_status",
                        (M::Table, M::StatusId),
                        (S::Table, S::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_memberships_contact", "contact_id"),
            ("ix_memberships_type", "membership_type_id"),
            ("ix_memberships_status", "status_id"),
            ("ix_memberships_end_date", "end_date"),
        ] {
            exec(
                manager,
                &format!("CREATE INDEX {name} ON memberships ({cols})"),
            )
            .await?;
        }

        use MembershipHistory as H;
        manager
            .create_table(
                Table::create()
                    .table(H::Table)
                    .col(big_pk_auto(H::Id))
                    .col(big_integer(H::MembershipId))
                    .col(string_len(H::Change, 24))
                    .col(big_integer(H::StatusId))
                    .col(big_integer(H::MembershipTypeId))
                    .col(date(H::JoinDate))
                    .col(date(H::StartDate))
                    .col(date_null(H::EndDate))
                    .col(timestamp_with_time_zone(H::ChangedAt))
                    .col(string(H::ChangedBy))
                    .col(text_null(H::Note))
                    .foreign_key(&mut fk(
                        "fk_history_membership",
                        (H::Table, H::MembershipId),
                        (M::Table, M::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        exec(
            manager,
            "CREATE INDEX ix_history_membership ON membership_history (membership_id, id)",
        )
        .await?;

        use JobRuns as J;
        manager
            .create_table(
                Table::create()
                    .table(J::Table)
                    .col(big_pk_auto(J::Id))
                    .col(string_len(J::Name, 64))
                    .col(date(J::AsOf))
                    .col(string(J::TriggeredBy))
                    .col(string_len(J::Status, 16))
                    .col(timestamp_with_time_zone(J::StartedAt))
                    .col(timestamp_with_time_zone_null(J::FinishedAt))
                    .col(big_integer(J::Processed).default(0))
                    .col(big_integer(J::Changed).default(0))
                    .col(text_null(J::Details))
                    .col(text_null(J::Error))
                    .to_owned(),
            )
            .await?;
        exec(
            manager,
            "CREATE INDEX ix_job_runs_name ON job_runs (name, id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "job_runs",
            "membership_history",
            "memberships",
            "membership_statuses",
            "membership_types",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
