//! Per-request DataLoaders: nested fields (a membership's contact, type and status; a contact's
//! memberships, a membership's history) load in one query per batch instead of one per row.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};

use crate::domain::contact::Contact;
use crate::domain::membership::{HistoryEntry, Membership, MembershipType};
use crate::domain::status::MembershipStatus;
use crate::state::AppState;

pub struct ContactLoader(AppState);

impl Loader<i64> for ContactLoader {
    type Value = Contact;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = crate::services::contacts::load_many(&self.0, keys).await?;
        Ok(rows.into_iter().map(|c| (c.id, c)).collect())
    }
}

pub struct TypeLoader(AppState);

impl Loader<i64> for TypeLoader {
    type Value = MembershipType;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let types = self.0.reference.types(&self.0.db).await?;
        Ok(types
            .iter()
            .filter(|t| keys.contains(&t.id))
            .map(|t| (t.id, t.clone()))
            .collect())
    }
}

pub struct StatusLoader(AppState);

impl Loader<i64> for StatusLoader {
    type Value = MembershipStatus;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let statuses = self.0.reference.statuses(&self.0.db).await?;
        Ok(statuses
            .iter()
            .filter(|s| keys.contains(&s.id))
            .map(|s| (s.id, s.clone()))
            .collect())
    }
}

/// Memberships keyed by contact id.
pub struct ContactMembershipsLoader(AppState);

impl Loader<i64> for ContactMembershipsLoader {
    type Value = Vec<Membership>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = crate::services::memberships::for_contacts(&self.0, keys).await?;
        let mut out: HashMap<i64, Vec<Membership>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for m in rows {
            out.entry(m.contact_id).or_default().push(m);
        }
        Ok(out)
    }
}

/// History entries keyed by membership id, oldest first.
pub struct HistoryLoader(AppState);

impl Loader<i64> for HistoryLoader {
    type Value = Vec<HistoryEntry>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = crate::services::memberships::histories(&self.0, keys).await?;
        let mut out: HashMap<i64, Vec<HistoryEntry>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for h in rows {
            out.entry(h.membership_id).or_default().push(h);
        }
        Ok(out)
    }
}

/// The loaders of one request. Types and statuses come straight from the reference cache while it
/// is fresh: a loader batch waits a millisecond for its siblings, which reference data need not.
pub struct Loaders {
    state: AppState,
    /// Contacts a list loaded up front for its rows (`prime_contacts`).
    primed_contacts: std::sync::Mutex<HashMap<i64, Contact>>,
    /// Memberships by contact, loaded up front (`prime_memberships_of`).
    primed_memberships: std::sync::Mutex<HashMap<i64, Vec<Membership>>>,
    contacts: DataLoader<ContactLoader>,
    types: DataLoader<TypeLoader>,
    statuses: DataLoader<StatusLoader>,
    contact_memberships: DataLoader<ContactMembershipsLoader>,
    histories: DataLoader<HistoryLoader>,
    /// Contributions, campaigns, donor summaries.
    pub giving: super::giving_loaders::GivingLoaders,
}

impl Loaders {
    pub fn new(state: &AppState) -> Self {
        Self {
            state: state.clone(),
            primed_contacts: Default::default(),
            primed_memberships: Default::default(),
            contacts: DataLoader::new(ContactLoader(state.clone()), tokio::spawn),
            types: DataLoader::new(TypeLoader(state.clone()), tokio::spawn),
            statuses: DataLoader::new(StatusLoader(state.clone()), tokio::spawn),
            contact_memberships: DataLoader::new(
                ContactMembershipsLoader(state.clone()),
                tokio::spawn,
            ),
            histories: DataLoader::new(HistoryLoader(state.clone()), tokio::spawn),
            giving: super::giving_loaders::GivingLoaders::new(state),
        }
    }

    pub async fn contact(&self, id: i64) -> async_graphql::Result<Option<Contact>> {
        let primed = self
            .primed_contacts
            .lock()
            .ok()
            .and_then(|p| p.get(&id).cloned());
        match primed {
            Some(c) => Ok(Some(c)),
            None => self.contacts.load_one(id).await,
        }
    }

    /// Loads the contacts of a page's rows in one statement before the rows are resolved, when the
    /// query asks for them: each row then finds its contact at once instead of going through a
    /// loader batch (a spawned task, a timer and a channel per row).
    pub async fn prime_contacts(
        &self,
        ids: impl IntoIterator<Item = i64>,
    ) -> async_graphql::Result<()> {
        let mut ids: Vec<i64> = ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(());
        }
        let rows = crate::services::contacts::load_many(&self.state, &ids).await?;
        if let Ok(mut primed) = self.primed_contacts.lock() {
            primed.extend(rows.into_iter().map(|c| (c.id, c)));
        }
        Ok(())
    }

    pub async fn membership_type(&self, id: i64) -> async_graphql::Result<Option<MembershipType>> {
        if let Some(types) = self.state.reference.fresh_types() {
            return Ok(types.iter().find(|t| t.id == id).cloned());
        }
        self.types.load_one(id).await
    }

    pub async fn status(&self, id: i64) -> async_graphql::Result<Option<MembershipStatus>> {
        if let Some(statuses) = self.state.reference.fresh_statuses() {
            return Ok(statuses.iter().find(|s| s.id == id).cloned());
        }
        self.statuses.load_one(id).await
    }

    /// Loads the memberships of these contacts in one statement, before the contacts are resolved
    /// (see `prime_contacts`).
    pub async fn prime_memberships_of(&self, contact_ids: &[i64]) -> async_graphql::Result<()> {
        if contact_ids.is_empty() {
            return Ok(());
        }
        let rows = crate::services::memberships::for_contacts(&self.state, contact_ids).await?;
        let mut by_contact: HashMap<i64, Vec<Membership>> =
            contact_ids.iter().map(|k| (*k, Vec::new())).collect();
        for m in rows {
            by_contact.entry(m.contact_id).or_default().push(m);
        }
        if let Ok(mut primed) = self.primed_memberships.lock() {
            primed.extend(by_contact);
        }
        Ok(())
    }

    pub async fn memberships_of(&self, contact_id: i64) -> async_graphql::Result<Vec<Membership>> {
        let primed = self
            .primed_memberships
            .lock()
            .ok()
            .and_then(|p| p.get(&contact_id).cloned());
        if let Some(list) = primed {
            return Ok(list);
        }
        Ok(self
            .contact_memberships
            .load_one(contact_id)
            .await?
            .unwrap_or_default())
    }

    pub async fn history_of(&self, membership_id: i64) -> async_graphql::Result<Vec<HistoryEntry>> {
        Ok(self
            .histories
            .load_one(membership_id)
            .await?
            .unwrap_or_default())
    }
}
