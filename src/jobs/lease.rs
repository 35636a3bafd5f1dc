//! Job leases: one row per job in `job_leases`, so that of several replicas sharing a database only one
//! runs a job at a time, and each scheduled tick runs once.
//!
//! Every change is a single compare-and-set `UPDATE … WHERE <expected state>` whose affected-row count
//! says whether it won. That is atomic on both databases without explicit locks: PostgreSQL re-checks
//! the `WHERE` of a row another transaction just changed (so the loser of a race matches nothing), and
//! SQLite serialises writers. A holder that dies keeps the lease only until `expires_at`; a live holder
//! pushes `expires_at` forward while its job runs (see `scheduler`).
//!
//! Times are passed in rather than read here, so tests can step past an expiry without sleeping.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;

use crate::db::sql::Sql;
use crate::error::AppResult;

/// A name for this process's claims: host, pid and a random part. The random part keeps two
/// schedulers apart when they share a host and pid (tests, or a container restart reusing pid 1).
pub fn holder_id() -> String {
    let host = hostname::get()
        .ok()
        .and_then(|h| h.into_string().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into());
    format!(
        "{host}:{}:{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// One holder's handle on the lease of one job.
#[derive(Clone, Debug)]
pub struct Lease {
    pub name: String,
    pub holder: String,
    /// How long a claim lasts without renewal (`scheduler.lease_secs`).
    pub ttl: Duration,
}

impl Lease {
    pub fn new(name: &str, holder: &str, ttl: Duration) -> Self {
        Self {
            name: name.into(),
            holder: holder.into(),
            ttl,
        }
    }

    /// Creates the job's row if it is missing; a no-op (not an error) when another replica won.
    pub async fn ensure<C: ConnectionTrait>(&self, db: &C) -> AppResult<()> {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push("INSERT INTO job_leases (name, holder, expires_at, last_tick) VALUES (")
            .bind(self.name.as_str())
            .push(", NULL, ")
            .bind(DateTime::<Utc>::UNIX_EPOCH)
            .push(", NULL) ON CONFLICT (name) DO NOTHING");
        db.execute_raw(sql.statement()).await?;
        Ok(())
    }

    /// Claims the lease to run the scheduled `tick`. Succeeds only when nobody holds it (free or
    /// expired) and no holder has claimed this tick or a later one: two replicas firing for the same
    /// tick run it once, and a replica whose clock fired late cannot rerun a tick already done.
    pub async fn try_acquire<C: ConnectionTrait>(
        &self,
        db: &C,
        tick: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> AppResult<bool> {
        self.ensure(db).await?;
        let mut sql = Sql::new(db.get_database_backend());
        sql.push("UPDATE job_leases SET holder = ")
            .bind(self.holder.as_str())
            .push(", expires_at = ")
            .bind(now + self.ttl)
            .push(", last_tick = ")
            .bind(tick)
            .push(" WHERE name = ")
            .bind(self.name.as_str())
            .push(" AND (holder IS NULL OR expires_at < ")
            .bind(now)
            .push(") AND (last_tick IS NULL OR last_tick < ")
            .bind(tick)
            .push(")");
        Ok(db.execute_raw(sql.statement()).await?.rows_affected() == 1)
    }

    /// Extends a lease this holder still has. `false` means it was lost (it expired and another
    /// replica took it over), so the caller knows two runs may now overlap.
    pub async fn renew<C: ConnectionTrait>(&self, db: &C, now: DateTime<Utc>) -> AppResult<bool> {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push("UPDATE job_leases SET expires_at = ")
            .bind(now + self.ttl)
            .push(" WHERE name = ")
            .bind(self.name.as_str())
            .push(" AND holder = ")
            .bind(self.holder.as_str());
        Ok(db.execute_raw(sql.statement()).await?.rows_affected() == 1)
    }

    /// Gives the lease back so the next tick need not wait for the expiry. Only the holder can: a
    /// replica that lost its lease must not free the one its successor holds.
    pub async fn release<C: ConnectionTrait>(&self, db: &C, now: DateTime<Utc>) -> AppResult<bool> {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push("UPDATE job_leases SET holder = NULL, expires_at = ")
            .bind(now)
            .push(" WHERE name = ")
            .bind(self.name.as_str())
            .push(" AND holder = ")
            .bind(self.holder.as_str());
        Ok(db.execute_raw(sql.statement()).await?.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holder_ids_differ_within_one_process() {
        let (a, b) = (holder_id(), holder_id());
        assert_ne!(a, b);
        assert!(a.contains(&format!(":{}:", std::process::id())), "{a}");
    }
}
