//! Money in: financial types (seeded), campaigns, contributions with the memberships they pay, soft
//! credits and refunds, and recurring gifts.
//!
//! Exactly-once rests on unique constraints: a payment's `transaction_id`; one contribution per
//! recurring gift and due date; one link per contribution and membership (whose `applied_at` is set
//! by a conditional update, so a membership is extended once however often the payment completes).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::exec;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FinancialTypes {
    Table,
    Id,
    Key,
    Name,
    IsDeductible,
    SendsReceipt,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
    Name,
    Description,
    GoalMinor,
    Currency,
    StartDate,
    EndDate,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RecurringGifts {
    Table,
    Id,
    ContactId,
    FinancialTypeId,
    CampaignId,
    AmountMinor,
    Currency,
    Frequency,
    StartDate,
    EndDate,
    NextDueDate,
    Status,
    PaymentInstrument,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Contributions {
    Table,
    Id,
    ContactId,
    FinancialTypeId,
    AmountMinor,
    Currency,
    ReceivedDate,
    Status,
    PaymentInstrument,
    TransactionId,
    Source,
    Note,
    CampaignId,
    CheckNumber,
    RefundedMinor,
    RecurringGiftId,
    DueDate,
    TributeKind,
    TributeName,
    TributeContactId,
    NotifyContactId,
    CreatedBy,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum ContributionMemberships {
    Table,
    Id,
    ContributionId,
    MembershipId,
    Terms,
    AppliedAt,
}

#[derive(DeriveIden)]
enum ContributionSoftCredits {
    Table,
    Id,
    ContributionId,
    ContactId,
    AmountMinor,
    Kind,
}

#[derive(DeriveIden)]
enum ContributionRefunds {
    Table,
    Id,
    ContributionId,
    AmountMinor,
    Reason,
    CancelledMemberships,
    RefundedAt,
    RefundedBy,
}

/// key, name, tax-deductible, sends a receipt.
const FINANCIAL_TYPES: &[(&str, &str, bool, bool)] = &[
    ("MEMBER_DUES", "Member dues", false, true),
    ("DONATION", "Donation", true, true),
    ("EVENT_FEE", "Event fee", false, true),
];

const INDEXES: &[&str] = &[
    // A contact's giving, newest first: one index range.
    "CREATE INDEX ix_contributions_contact ON contributions (contact_id, received_date, id)",
    // The donor summary reads only this index (it covers every column the aggregation uses), and
    // its first and last gift per currency are the ends of one range.
    "CREATE INDEX ix_contributions_donor ON contributions \
     (contact_id, status, currency, received_date, id, amount_minor, refunded_minor)",
    // Lists are newest first by default: each filter's index continues with the received date, so
    // a filtered page is one range walked in order.
    "CREATE INDEX ix_contributions_received ON contributions (received_date, id)",
    "CREATE INDEX ix_contributions_status ON contributions (status, received_date, id)",
    "CREATE INDEX ix_contributions_campaign ON contributions (campaign_id, received_date, id)",
    // What a campaign raised, from the index alone.
    "CREATE INDEX ix_contributions_raised ON contributions \
     (campaign_id, status, currency, contact_id, amount_minor, refunded_minor)",
    "CREATE INDEX ix_contributions_type ON contributions (financial_type_id, received_date, id)",
    "CREATE INDEX ix_contributions_amount ON contributions (amount_minor, id)",
    "CREATE UNIQUE INDEX ux_contributions_transaction ON contributions (transaction_id)",
    "CREATE UNIQUE INDEX ux_contributions_recurring_due ON contributions (recurring_gift_id, due_date)",
    "CREATE UNIQUE INDEX ux_contribution_memberships ON contribution_memberships \
     (contribution_id, membership_id)",
    "CREATE INDEX ix_contribution_memberships_membership ON contribution_memberships (membership_id)",
    "CREATE UNIQUE INDEX ux_soft_credits ON contribution_soft_credits (contribution_id, contact_id)",
    "CREATE INDEX ix_soft_credits_contact ON contribution_soft_credits (contact_id, contribution_id)",
    "CREATE INDEX ix_refunds_contribution ON contribution_refunds (contribution_id, id)",
    "CREATE INDEX ix_recurring_due ON recurring_gifts (status, next_due_date, id)",
    "CREATE INDEX ix_recurring_contact ON recurring_gifts (contact_id, id)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use FinancialTypes as F;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .col(big_pk_auto(F::Id))
                    .col(string_len_uniq(F::Key, 40))
                    .col(string(F::Name))
                    .col(boolean(F::IsDeductible).default(false))
                    .col(boolean(F::SendsReceipt).default(true))
                    .col(boolean(F::IsActive).default(true))
                    .col(timestamp_with_time_zone(F::CreatedAt))
                    .col(timestamp_with_time_zone(F::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        let now = chrono::Utc::now();
        for (key, name, deductible, receipt) in FINANCIAL_TYPES {
            let insert = Query::insert()
                .into_table(F::Table)
                .columns([
                    F::Key,
                    F::Name,
                    F::IsDeductible,
                    F::SendsReceipt,
                    F::IsActive,
                    F::CreatedAt,
                    F::UpdatedAt,
                ])
                .values_panic([
                    (*key).into(),
                    (*name).into(),
                    (*deductible).into(),
                    (*receipt).into(),
                    true.into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned();
            manager.exec_stmt(insert).await?;
        }

        use Campaigns as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(big_pk_auto(C::Id))
                    .col(string_uniq(C::Name))
                    .col(text_null(C::Description))
                    .col(big_integer_null(C::GoalMinor))
                    .col(string_len(C::Currency, 3))
                    .col(date_null(C::StartDate))
                    .col(date_null(C::EndDate))
                    .col(boolean(C::IsActive).default(true))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .col(timestamp_with_time_zone(C::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        use RecurringGifts as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(big_pk_auto(R::Id))
                    .col(big_integer(R::ContactId))
                    .col(big_integer(R::FinancialTypeId))
                    .col(big_integer_null(R::CampaignId))
                    .col(big_integer(R::AmountMinor))
                    .col(string_len(R::Currency, 3))
                    .col(string_len(R::Frequency, 16))
                    .col(date(R::StartDate))
                    .col(date_null(R::EndDate))
                    .col(date(R::NextDueDate))
                    .col(string_len(R::Status, 16))
                    .col(string_len_null(R::PaymentInstrument, 16))
                    .col(string(R::CreatedBy))
                    .col(timestamp_with_time_zone(R::CreatedAt))
                    .col(timestamp_with_time_zone(R::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        use Contributions as K;
        manager
            .create_table(
                Table::create()
                    .table(K::Table)
                    .col(big_pk_auto(K::Id))
                    .col(big_integer(K::ContactId))
                    .col(big_integer(K::FinancialTypeId))
                    .col(big_integer(K::AmountMinor))
                    .col(string_len(K::Currency, 3))
                    .col(date(K::ReceivedDate))
                    .col(string_len(K::Status, 16))
                    .col(string_len_null(K::PaymentInstrument, 16))
                    .col(string_len_null(K::TransactionId, 255))
                    .col(string_len_null(K::Source, 200))
                    .col(text_null(K::Note))
                    .col(big_integer_null(K::CampaignId))
                    .col(string_len_null(K::CheckNumber, 64))
                    .col(big_integer(K::RefundedMinor).default(0))
                    .col(big_integer_null(K::RecurringGiftId))
                    .col(date_null(K::DueDate))
                    .col(string_len_null(K::TributeKind, 16))
                    .col(string_len_null(K::TributeName, 200))
                    .col(big_integer_null(K::TributeContactId))
                    .col(big_integer_null(K::NotifyContactId))
                    .col(string(K::CreatedBy))
                    .col(string(K::UpdatedBy))
                    .col(timestamp_with_time_zone(K::CreatedAt))
                    .col(timestamp_with_time_zone(K::UpdatedAt))
                    .col(timestamp_with_time_zone_null(K::CompletedAt))
                    .to_owned(),
            )
            .await?;

        use ContributionMemberships as L;
        manager
            .create_table(
                Table::create()
                    .table(L::Table)
                    .col(big_pk_auto(L::Id))
                    .col(big_integer(L::ContributionId))
                    .col(big_integer(L::MembershipId))
                    .col(integer(L::Terms).default(1))
                    .col(timestamp_with_time_zone_null(L::AppliedAt))
                    .to_owned(),
            )
            .await?;

        use ContributionSoftCredits as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(big_pk_auto(S::Id))
                    .col(big_integer(S::ContributionId))
                    .col(big_integer(S::ContactId))
                    .col(big_integer(S::AmountMinor))
                    .col(string_len(S::Kind, 16))
                    .to_owned(),
            )
            .await?;

        use ContributionRefunds as X;
        manager
            .create_table(
                Table::create()
                    .table(X::Table)
                    .col(big_pk_auto(X::Id))
                    .col(big_integer(X::ContributionId))
                    .col(big_integer(X::AmountMinor))
                    .col(text_null(X::Reason))
                    .col(boolean(X::CancelledMemberships).default(false))
                    .col(timestamp_with_time_zone(X::RefundedAt))
                    .col(string(X::RefundedBy))
                    .to_owned(),
            )
            .await?;

        for sql in INDEXES {
            exec(manager, sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "contribution_refunds",
            "contribution_soft_credits",
            "contribution_memberships",
            "contributions",
            "recurring_gifts",
            "campaigns",
            "financial_types",
        ] {
            exec(manager, &format!("DROP TABLE {t}")).await?;
        }
        Ok(())
    }
}
