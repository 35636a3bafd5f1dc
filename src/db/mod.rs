//! Database access: connecting, migrating, entities, and the helpers every service uses.

pub mod columns;
pub mod entities;
mod giving;
mod nodelay;
mod records;
pub mod sql;
pub mod status_sql;

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::config::DatabaseSettings;

/// Opens the pool. SQLite gets WAL, foreign keys, a busy timeout and `synchronous = NORMAL`
/// (durable with WAL except on power loss of the last commits, the usual trade-off for a server),
/// and a page cache of up to 16 MiB per connection instead of 2 MiB (bulk jobs insert faster: the
/// reminder benchmark went from ~18,000 to ~20,000 messages/s; at most 128 MiB with 8 connections).
pub async fn connect(settings: &DatabaseSettings) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(settings.url.clone());
    opts.max_connections(settings.max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(settings.acquire_timeout_secs))
        // A ping on every checkout doubled the round trips of a request; only connections idle
        // long enough to have been dropped by the server or a firewall are checked.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(settings.log_statements)
        .sqlx_logging_level(log::LevelFilter::Debug)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .pragma("cache_size", "-16384")
        });
    if let Some(port) = postgres_tcp_port(&settings.url) {
        opts.map_sqlx_postgres_pool_opts(move |o| {
            o.after_connect(move |_conn, _meta| {
                Box::pin(async move {
                    nodelay::enable_on_sockets_to(port);
                    Ok(())
                })
            })
        });
    }
    Database::connect(opts).await
}

/// The server port of a PostgreSQL URL that connects over TCP (not a Unix socket).
fn postgres_tcp_port(url: &str) -> Option<u16> {
    use std::str::FromStr;
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return None;
    }
    let options = sea_orm::sqlx::postgres::PgConnectOptions::from_str(url).ok()?;
    options.get_socket().is_none().then(|| options.get_port())
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Starts a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`, so two writers queue on
/// the busy timeout instead of failing when a read lock would have to be upgraded.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    db.begin_with_options(options).await
}

/// Whether the connection talks to PostgreSQL.
pub fn is_postgres<C: ConnectionTrait>(db: &C) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

/// Serialises transactions about one subject (`kind`, `value`): on PostgreSQL a transaction-scoped
/// advisory lock on a 64-bit digest of both; on SQLite nothing, since a write transaction
/// ([`begin_write`]) already holds the database's one write lock. Take several in a fixed order.
pub async fn lock_subject<C: ConnectionTrait>(
    txn: &C,
    kind: &str,
    value: &str,
) -> Result<(), DbErr> {
    if !is_postgres(txn) {
        return Ok(());
    }
    let mut sql = sql::Sql::new(DbBackend::Postgres);
    sql.push("SELECT pg_advisory_xact_lock(")
        .bind(subject_key(kind, value))
        .push(")");
    txn.execute_raw(sql.statement()).await?;
    Ok(())
}

/// The 64-bit advisory-lock key of a subject.
pub fn subject_key(kind: &str, value: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("tessera-login-throttle:{kind}:{value}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// Open and idle connections of the pool.
pub fn pool_use(db: &DatabaseConnection) -> (u32, usize) {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
    }
}

/// Checks that the database answers (`/readyz`).
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}

/// Checks at start-up, before migrating, that the database accepts writes: creates a table in a
/// transaction that is rolled back. Fails on a read-only SQLite file or connection, and on a
/// PostgreSQL server in recovery or with read-only transactions.
pub async fn check_writable(db: &DatabaseConnection) -> Result<(), DbErr> {
    let txn = begin_write(db).await?;
    txn.execute_unprepared("CREATE TABLE tessera_write_probe (id INTEGER)")
        .await?;
    txn.rollback().await
}

/// The readiness form of [`check_writable`], on a migrated database: a delete that matches nothing,
/// rolled back (no catalog churn on every probe).
pub async fn check_writes_accepted(db: &DatabaseConnection) -> Result<(), DbErr> {
    let txn = begin_write(db).await?;
    txn.execute_unprepared("DELETE FROM login_attempts WHERE id < 0")
        .await?;
    txn.rollback().await
}

/// Before the process exits: on SQLite, moves the write-ahead log into the database file (so
/// `tessera.db` alone holds every committed change), then closes the pool.
pub async fn close(db: DatabaseConnection) {
    if db.get_database_backend() == DbBackend::Sqlite
        && let Err(e) = db
            .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
    {
        tracing::warn!(error = %e, "could not checkpoint the SQLite write-ahead log");
    }
    if let Err(e) = db.close().await {
        tracing::warn!(error = %e, "closing the database pool failed");
    }
}

/// Writes a consistent copy of a live SQLite database to `target` (`VACUUM INTO`: one read
/// transaction, so writers may go on meanwhile). PostgreSQL has `pg_dump` for this.
pub async fn backup(db: &DatabaseConnection, target: &std::path::Path) -> Result<(), String> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err(
            "`tessera backup` copies SQLite databases; for PostgreSQL use pg_dump \
             (e.g. `pg_dump --format=custom --file=tessera.dump \"$TESSERA_DATABASE__URL\"`)"
                .into(),
        );
    }
    if target.exists() {
        return Err(format!(
            "{} exists already; choose a new file",
            target.display()
        ));
    }
    let path = target
        .to_str()
        .ok_or_else(|| format!("{} is not a UTF-8 path", target.display()))?;
    let quoted = path.replace('\'', "''");
    db.execute_unprepared(&format!("VACUUM INTO '{quoted}'"))
        .await
        .map_err(|e| format!("backup to {path} failed: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::postgres_tcp_port;

    #[test]
    fn only_postgres_over_tcp_gets_a_port() {
        assert_eq!(postgres_tcp_port("sqlite://tessera.db?mode=rwc"), None);
        assert_eq!(postgres_tcp_port("sqlite::memory:"), None);
        assert_eq!(
            postgres_tcp_port("postgres://u:p@db.example.org:5433/tessera"),
            Some(5433)
        );
        assert_eq!(
            postgres_tcp_port("postgresql://u@127.0.0.1/tessera"),
            Some(5432)
        );
        assert_eq!(
            postgres_tcp_port("postgres://u@%2Fvar%2Frun%2Fpostgresql/tessera"),
            None
        );
    }
}
