//! Per-request DataLoaders: nested fields (a membership's contact, a login's contact) load in one
//! query per batch instead of one per row.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};

use crate::db::entities::contact;
use crate::state::AppState;

pub struct ContactLoader(AppState);

impl Loader<i64> for ContactLoader {
    type Value = contact::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = crate::services::contacts::load_many(&self.0, keys).await?;
        Ok(rows.into_iter().map(|c| (c.id, c)).collect())
    }
}

/// The loaders of one request.
pub struct Loaders {
    contacts: DataLoader<ContactLoader>,
}

impl Loaders {
    pub fn new(state: &AppState) -> Self {
        Self {
            contacts: DataLoader::new(ContactLoader(state.clone()), tokio::spawn),
        }
    }

    pub async fn contact(&self, id: i64) -> async_graphql::Result<Option<contact::Model>> {
        self.contacts.load_one(id).await
    }
}
