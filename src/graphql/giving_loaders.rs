//! DataLoaders for giving: a contact's contributions and donor summary, a contribution's campaign,
//! paid memberships, soft credits and refunds — each one statement per batch.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use futures::future::BoxFuture;

use crate::domain::contribution::{
    Campaign, Contribution, DonorSummary, PaidMembership, RecurringGift, Refund, SoftCredit,
};
use crate::domain::membership::Membership;
use crate::error::AppResult;
use crate::services::contributions::{self, campaigns, group_by};
use crate::services::custom_values::{self, CustomValue, Owner};
use crate::state::AppState;

/// Most contributions `Contact.contributions` shows.
pub const MAX_CONTACT_CONTRIBUTIONS: u64 = 100;

type BatchFn<T> = fn(AppState, Vec<i64>) -> BoxFuture<'static, AppResult<HashMap<i64, T>>>;

/// A loader whose batch is a plain function of the keys.
pub struct FnLoader<T> {
    state: AppState,
    batch: BatchFn<T>,
}

impl<T: Clone + Send + Sync + 'static> Loader<i64> for FnLoader<T> {
    type Value = T;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, T>, Self::Error> {
        Ok((self.batch)(self.state.clone(), keys.to_vec()).await?)
    }
}

/// At most `MAX_PER_CONTACT` rows per key (a batch reads up to that many per key in all).
fn capped<T>(mut grouped: HashMap<i64, Vec<T>>) -> HashMap<i64, Vec<T>> {
    for rows in grouped.values_mut() {
        rows.truncate(contributions::MAX_PER_CONTACT);
    }
    grouped
}

fn loader<T: Clone + Send + Sync + 'static>(
    state: &AppState,
    batch: BatchFn<T>,
) -> DataLoader<FnLoader<T>> {
    DataLoader::new(
        FnLoader {
            state: state.clone(),
            batch,
        },
        tokio::spawn,
    )
}

pub struct GivingLoaders {
    pub contributions_of: DataLoader<FnLoader<Vec<Contribution>>>,
    pub summaries: DataLoader<FnLoader<Vec<DonorSummary>>>,
    pub campaigns: DataLoader<FnLoader<Campaign>>,
    pub paid: DataLoader<FnLoader<Vec<PaidMembership>>>,
    pub soft_credits: DataLoader<FnLoader<Vec<SoftCredit>>>,
    pub refunds: DataLoader<FnLoader<Vec<Refund>>>,
    pub memberships: DataLoader<FnLoader<Membership>>,
    pub recurring_of: DataLoader<FnLoader<Vec<RecurringGift>>>,
    pub soft_credits_to: DataLoader<FnLoader<Vec<(SoftCredit, Contribution)>>>,
    pub tributes_to: DataLoader<FnLoader<Vec<Contribution>>>,
    /// Custom-field answers kept on contacts and on memberships (signup forms).
    pub custom_of_contacts: DataLoader<FnLoader<Vec<CustomValue>>>,
    pub custom_of_memberships: DataLoader<FnLoader<Vec<CustomValue>>>,
    /// Memberships whose members opted in to automatic renewal.
    pub auto_renew: DataLoader<FnLoader<bool>>,
}

impl GivingLoaders {
    pub fn new(state: &AppState) -> Self {
        Self {
            auto_renew: loader(state, |s, keys| {
                Box::pin(async move {
                    let on = crate::services::payments::renewals::opted_in(&s.db, &keys).await?;
                    Ok(on.into_iter().map(|id| (id, true)).collect())
                })
            }),
            custom_of_contacts: loader(state, |s, keys| {
                Box::pin(async move { custom_values::load(&s.db, Owner::Contact, &keys).await })
            }),
            custom_of_memberships: loader(state, |s, keys| {
                Box::pin(async move { custom_values::load(&s.db, Owner::Membership, &keys).await })
            }),
            contributions_of: loader(state, |s, keys| {
                Box::pin(async move {
                    let rows =
                        contributions::for_contacts(&s, &keys, MAX_CONTACT_CONTRIBUTIONS).await?;
                    Ok(group_by(&keys, rows, |c| c.contact_id))
                })
            }),
            summaries: loader(state, |s, keys| {
                Box::pin(async move {
                    let today = s.clock.today();
                    let rows = contributions::donor_summaries(&s, &keys, today).await?;
                    let grouped = group_by(&keys, rows, |(c, _)| *c);
                    Ok(grouped
                        .into_iter()
                        .map(|(k, v)| (k, v.into_iter().map(|(_, d)| d).collect()))
                        .collect())
                })
            }),
            campaigns: loader(state, |s, keys| {
                Box::pin(async move {
                    let rows = campaigns::load_many(&s, &keys).await?;
                    Ok(rows.into_iter().map(|c| (c.id, c)).collect())
                })
            }),
            paid: loader(state, |s, keys| {
                Box::pin(async move {
                    let rows = contributions::paid_memberships(&s, &keys).await?;
                    Ok(group_by(&keys, rows, |p| p.contribution_id))
                })
            }),
            soft_credits: loader(state, |s, keys| {
                Box::pin(async move {
                    let rows = contributions::soft_credits_of(&s, &keys).await?;
                    Ok(group_by(&keys, rows, |p| p.contribution_id))
                })
            }),
            refunds: loader(state, |s, keys| {
                Box::pin(async move {
                    let rows = contributions::refunds_of(&s, &keys).await?;
                    Ok(group_by(&keys, rows, |p| p.contribution_id))
                })
            }),
            recurring_of: loader(state, |s, keys| {
                Box::pin(async move {
                    let rows = contributions::recurring::for_contacts(&s, &keys).await?;
                    Ok(group_by(&keys, rows, |g| g.contact_id))
                })
            }),
            soft_credits_to: loader(state, |s, keys| {
                Box::pin(async move {
                    let rows = contributions::soft_credits_to_contacts(&s, &keys).await?;
                    Ok(capped(group_by(&keys, rows, |(c, _)| c.contact_id)))
                })
            }),
            tributes_to: loader(state, |s, keys| {
                Box::pin(async move {
                    let rows = contributions::tributes_to_contacts(&s, &keys).await?;
                    let grouped = group_by(&keys, rows, |c| {
                        c.tribute.as_ref().and_then(|t| t.contact_id).unwrap_or(0)
                    });
                    Ok(capped(grouped))
                })
            }),
            memberships: loader(state, |s, keys| {
                Box::pin(async move {
                    let rows = crate::services::memberships::load_many(&s, &keys).await?;
                    Ok(rows.into_iter().map(|m| (m.id, m)).collect())
                })
            }),
        }
    }
}
