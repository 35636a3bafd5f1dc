//! Reference data every request reads and admins change a few times a year — membership statuses
//! and types, financial types — kept in memory for `database.reference_cache_secs`. A change through this server
//! refreshes it at once; a change through another replica within that bound. Writes and the jobs
//! read the database itself, inside their transactions.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

use crate::db::entities::{financial_type, membership_type as mtype};
use crate::domain::contribution::FinancialType;
use crate::domain::membership::MembershipType;
use crate::domain::status::MembershipStatus;
use crate::error::AppResult;

type Slot<T> = RwLock<Option<(Instant, Arc<Vec<T>>)>>;

pub struct ReferenceCache {
    ttl: Duration,
    statuses: Slot<MembershipStatus>,
    types: Slot<MembershipType>,
    financial_types: Slot<FinancialType>,
}

fn fresh<T>(slot: &Slot<T>, ttl: Duration) -> Option<Arc<Vec<T>>> {
    let guard = slot.read().ok()?;
    let (at, items) = guard.as_ref()?;
    (at.elapsed() < ttl).then(|| items.clone())
}

fn store<T>(slot: &Slot<T>, items: Vec<T>) -> Arc<Vec<T>> {
    let items = Arc::new(items);
    if let Ok(mut guard) = slot.write() {
        *guard = Some((Instant::now(), items.clone()));
    }
    items
}

impl ReferenceCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            statuses: RwLock::new(None),
            types: RwLock::new(None),
            financial_types: RwLock::new(None),
        }
    }

    /// Every status, in the order rules are tried.
    pub async fn statuses<C: ConnectionTrait>(
        &self,
        db: &C,
    ) -> AppResult<Arc<Vec<MembershipStatus>>> {
        if let Some(items) = fresh(&self.statuses, self.ttl) {
            return Ok(items);
        }
        let items = crate::services::statuses::list(db).await?;
        Ok(store(&self.statuses, items))
    }

    /// Every membership type, in display order.
    pub async fn types<C: ConnectionTrait>(&self, db: &C) -> AppResult<Arc<Vec<MembershipType>>> {
        if let Some(items) = fresh(&self.types, self.ttl) {
            return Ok(items);
        }
        let items = mtype::Entity::find()
            .order_by_asc(mtype::Column::Weight)
            .order_by_asc(mtype::Column::Name)
            .order_by_asc(mtype::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(MembershipType::from)
            .collect();
        Ok(store(&self.types, items))
    }

    /// Every financial type, by key.
    pub async fn financial_types<C: ConnectionTrait>(
        &self,
        db: &C,
    ) -> AppResult<Arc<Vec<FinancialType>>> {
        if let Some(items) = fresh(&self.financial_types, self.ttl) {
            return Ok(items);
        }
        let items = financial_type::Entity::find()
            .order_by_asc(financial_type::Column::Key)
            .all(db)
            .await?
            .into_iter()
            .map(FinancialType::from)
            .collect();
        Ok(store(&self.financial_types, items))
    }

    /// The statuses when the copy in memory is fresh (no statement; `None` when it must be loaded).
    pub fn fresh_statuses(&self) -> Option<Arc<Vec<MembershipStatus>>> {
        fresh(&self.statuses, self.ttl)
    }

    /// The types when the copy in memory is fresh (no statement; `None` when it must be loaded).
    pub fn fresh_types(&self) -> Option<Arc<Vec<MembershipType>>> {
        fresh(&self.types, self.ttl)
    }

    /// Drops both lists: the next read loads them again (after a change on this server).
    pub fn invalidate(&self) {
        if let Ok(mut g) = self.statuses.write() {
            *g = None;
        }
        if let Ok(mut g) = self.types.write() {
            *g = None;
        }
        if let Ok(mut g) = self.financial_types.write() {
            *g = None;
        }
    }
}
