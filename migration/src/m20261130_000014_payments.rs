//! Online payments: each checkout or charge attempt, the provider events already handled (so a
//! replayed event changes nothing), contacts' saved payment methods, and memberships whose members
//! opted in to automatic renewal.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::exec;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    ContributionId,
    Provider,
    Kind,
    Attempt,
    ExternalId,
    Url,
    Status,
    Error,
    NextRetryAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Id,
    Provider,
    EventId,
    EventType,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum PaymentMethods {
    Table,
    ContactId,
    Provider,
    CustomerId,
    PaymentMethodId,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MembershipAutoRenew {
    Table,
    MembershipId,
    EnabledAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Payments as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(big_pk_auto(P::Id))
                    .col(big_integer(P::ContributionId))
                    .col(string_len(P::Provider, 16))
                    .col(string_len(P::Kind, 16))
                    .col(integer(P::Attempt))
                    .col(string_len_null(P::ExternalId, 255))
                    .col(text_null(P::Url))
                    .col(string_len(P::Status, 16))
                    .col(text_null(P::Error))
                    .col(timestamp_with_time_zone_null(P::NextRetryAt))
                    .col(timestamp_with_time_zone(P::CreatedAt))
                    .col(timestamp_with_time_zone(P::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // One row per attempt: two replicas (or a re-run) cannot both make attempt n.
        exec(
            manager,
            "CREATE UNIQUE INDEX ux_payments_attempt ON payments (contribution_id, kind, attempt)",
        )
        .await?;
        exec(
            manager,
            "CREATE INDEX ix_payments_external ON payments (provider, external_id)",
        )
        .await?;
        exec(
            manager,
            "CREATE INDEX ix_payments_retry ON payments (status, next_retry_at)",
        )
        .await?;
        use WebhookEvents as W;
        manager
            .create_table(
                Table::create()
                    .table(W::Table)
                    .col(big_pk_auto(W::Id))
                    .col(string_len(W::Provider, 16))
                    .col(string_len(W::EventId, 255))
                    .col(string_len(W::EventType, 100))
                    .col(timestamp_with_time_zone(W::ReceivedAt))
                    .to_owned(),
            )
            .await?;
        exec(
            manager,
            "CREATE UNIQUE INDEX ux_webhook_events ON webhook_events (provider, event_id)",
        )
        .await?;
        use PaymentMethods as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(big_integer(M::ContactId).primary_key())
                    .col(string_len(M::Provider, 16))
                    .col(string_len(M::CustomerId, 255))
                    .col(string_len(M::PaymentMethodId, 255))
                    .col(timestamp_with_time_zone(M::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        use MembershipAutoRenew as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(big_integer(A::MembershipId).primary_key())
                    .col(timestamp_with_time_zone(A::EnabledAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "membership_auto_renew",
            "payment_methods",
            "webhook_events",
            "payments",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        Ok(())
    }
}
