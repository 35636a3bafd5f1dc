//! Settings mutations (admins): membership types and status rules.

use async_graphql::{Context, ID, Object, Result};

use crate::domain::patch::Patch;
use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::parse_id;
use crate::graphql::types::common::patch;
use crate::graphql::types::membership::{MembershipStatus, MembershipType};
use crate::graphql::types::membership_inputs::{
    CreateMembershipStatusInput, CreateMembershipTypeInput, UpdateMembershipStatusInput,
    UpdateMembershipTypeInput, boundary,
};
use crate::services::membership_types::{self, PriceFields, TypeFields};
use crate::services::statuses::{self, StatusFields};

#[derive(Default)]
pub struct SettingsMutation;

#[Object]
impl SettingsMutation {
    /// Creates a membership type (admins).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_membership_type(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new type.")] input: CreateMembershipTypeInput,
    ) -> Result<MembershipType> {
        let state = guards::state(ctx)?;
        let f = TypeFields {
            name: input.name,
            description: input.description,
            minimum_fee: input.minimum_fee.map_or_else(|| "0".into(), |d| d.0),
            currency: input
                .currency
                .unwrap_or_else(|| state.settings.organization.default_currency.code().into()),
            duration_unit: input.duration_unit.into(),
            duration_interval: i64::from(input.duration_interval.unwrap_or(1)),
            period_type: input
                .period_type
                .map_or(crate::domain::membership::PeriodType::Rolling, Into::into),
            fixed_period_start_day: input.fixed_period_start_day,
            fixed_period_rollover_day: input.fixed_period_rollover_day,
            auto_renew: input
                .auto_renew
                .map_or(crate::domain::membership::AutoRenew::No, Into::into),
            visibility: input
                .visibility
                .map_or(crate::domain::membership::Visibility::Public, Into::into),
            is_active: input.is_active.unwrap_or(true),
            grants: input.grants.unwrap_or_default(),
            weight: input.weight.unwrap_or(0),
            send_welcome: input.send_welcome.unwrap_or(true),
            welcome_template_key: input.welcome_template_key,
            prices: PriceFields {
                joining_fee: input.joining_fee.map(|d| d.0),
                renewal_fee: input.renewal_fee.map(|d| d.0),
                prorate: input.prorate.unwrap_or(false),
                rounding: input.proration_rounding.map(Into::into),
                options: price_options(input.price_options.unwrap_or_default()),
                renewal_opens_days_before: input.renewal_opens_days_before,
                renewal_closes_days_after: input.renewal_closes_days_after,
            },
            inherit_via: crate::graphql::parse_ids(
                &input.inherit_via.unwrap_or_default(),
                "inheritVia",
            )?,
            max_related: input.max_related,
        };
        Ok(MembershipType(membership_types::create(state, f).await?))
    }

    /// Changes a membership type (admins). Existing memberships keep their dates.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_membership_type(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Type to change.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateMembershipTypeInput,
    ) -> Result<MembershipType> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let inherit_via = input
            .inherit_via
            .map(|v| crate::graphql::parse_ids(&v, "inheritVia"))
            .transpose()?;
        let updated = membership_types::update(state, id, |mut f| {
            let keep = |p: Patch<String>, cur: Option<String>| p.apply(cur);
            if let Some(v) = input.name {
                f.name = v;
            }
            f.description = keep(patch(input.description, |s| s), f.description);
            if let Some(v) = input.minimum_fee {
                f.minimum_fee = v.0;
            }
            if let Some(v) = input.currency {
                f.currency = v;
            }
            if let Some(v) = input.duration_unit {
                f.duration_unit = v.into();
            }
            if let Some(v) = input.duration_interval {
                f.duration_interval = i64::from(v);
            }
            if let Some(v) = input.period_type {
                f.period_type = v.into();
            }
            f.fixed_period_start_day = keep(
                patch(input.fixed_period_start_day, |s| s),
                f.fixed_period_start_day,
            );
            f.fixed_period_rollover_day = keep(
                patch(input.fixed_period_rollover_day, |s| s),
                f.fixed_period_rollover_day,
            );
            if let Some(v) = input.auto_renew {
                f.auto_renew = v.into();
            }
            if let Some(v) = input.visibility {
                f.visibility = v.into();
            }
            if let Some(v) = input.is_active {
                f.is_active = v;
            }
            if let Some(v) = input.grants {
                f.grants = v;
            }
            if let Some(v) = input.weight {
                f.weight = v;
            }
            if let Some(v) = input.send_welcome {
                f.send_welcome = v;
            }
            f.welcome_template_key = keep(
                patch(input.welcome_template_key, |s| s),
                f.welcome_template_key,
            );
            if let Some(v) = input.joining_fee {
                f.prices.joining_fee = Some(v.0);
            }
            f.prices.renewal_fee = keep(patch(input.renewal_fee, |d| d.0), f.prices.renewal_fee);
            if let Some(v) = input.prorate {
                f.prices.prorate = v;
            }
            if let Some(v) = input.proration_rounding {
                f.prices.rounding = Some(v.into());
            }
            if let Some(v) = input.price_options {
                f.prices.options = price_options(v);
            }
            if let Some(v) = input.renewal_opens_days_before {
                f.prices.renewal_opens_days_before = Some(v);
            }
            if let Some(v) = input.renewal_closes_days_after {
                f.prices.renewal_closes_days_after = Some(v);
            }
            if let Some(v) = inherit_via {
                f.inherit_via = v;
            }
            f.max_related = match input.max_related {
                async_graphql::MaybeUndefined::Value(v) => Some(v),
                async_graphql::MaybeUndefined::Null => None,
                async_graphql::MaybeUndefined::Undefined => f.max_related,
            };
            f
        })
        .await?;
        Ok(MembershipType(updated))
    }

    /// Adds a status rule (admins). Run `update-statuses` to apply it to existing memberships.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_membership_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new status.")] input: CreateMembershipStatusInput,
    ) -> Result<MembershipStatus> {
        let state = guards::state(ctx)?;
        let f = StatusFields {
            name: input.name,
            start: boundary(input.start_event, input.start_offset),
            end: boundary(input.end_event, input.end_offset),
            is_current_member: input.is_current_member.unwrap_or(false),
            is_admin: input.is_admin.unwrap_or(false),
            is_active: input.is_active.unwrap_or(true),
            weight: input.weight.unwrap_or(0),
        };
        Ok(MembershipStatus(statuses::create(state, f).await?))
    }

    /// Changes a status rule (admins). The next `update-statuses` run applies it to every membership that
    /// is not held, Expired ones included.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_membership_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Status to change.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateMembershipStatusInput,
    ) -> Result<MembershipStatus> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let updated = statuses::update(state, id, |current| StatusFields {
            start: merge_boundary(
                current.start,
                patch(input.start_event, |e| e),
                input.start_offset,
            ),
            end: merge_boundary(current.end, patch(input.end_event, |e| e), input.end_offset),
            name: input.name.unwrap_or(current.name),
            is_current_member: input.is_current_member.unwrap_or(current.is_current_member),
            is_admin: input.is_admin.unwrap_or(current.is_admin),
            is_active: input.is_active.unwrap_or(current.is_active),
            weight: input.weight.unwrap_or(current.weight),
        })
        .await?;
        Ok(MembershipStatus(updated))
    }
}

fn merge_boundary(
    current: Option<crate::domain::status::Boundary>,
    event: Patch<crate::graphql::types::membership::StatusEvent>,
    offset: Option<crate::graphql::types::membership_inputs::OffsetInput>,
) -> Option<crate::domain::status::Boundary> {
    let event = match event {
        Patch::Keep => current.map(|b| b.event),
        Patch::Clear => None,
        Patch::Set(e) => Some(e.into()),
    };
    let offset = match offset {
        Some(o) => crate::domain::dates::Offset::new(i64::from(o.amount), o.unit.into()),
        None => current.map_or(crate::domain::dates::Offset::ZERO, |b| b.offset),
    };
    event.map(|event| crate::domain::status::Boundary { event, offset })
}

fn price_options(
    options: Vec<crate::graphql::types::membership_inputs::PriceOptionInput>,
) -> Vec<(i64, String)> {
    options
        .into_iter()
        .map(|o| (i64::from(o.terms), o.price.0))
        .collect()
}
