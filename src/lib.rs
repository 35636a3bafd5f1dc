//! Tessera: membership management for nonprofits. See README.md and the design notes in each module.

pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod payments;
pub mod services;
pub mod state;
pub mod telemetry;

use std::time::Duration;

use anyhow::Context as _;
use poem::Server;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::Settings;
use crate::state::AppState;

/// The running server: built (database migrated, port bound) by [`Application::build`], then served by
/// [`Application::run_until_stopped`].
pub struct Application {
    acceptor: TcpAcceptor,
    /// The operators' listener that serves only `/metrics` (`metrics.listen`), when configured.
    metrics_acceptor: Option<TcpAcceptor>,
    routes: poem::endpoint::BoxEndpoint<'static>,
    port: u16,
    state: AppState,
    shutdown: watch::Sender<bool>,
}

/// Stops a running [`Application`] gracefully (tests use it; signals do the same in production).
#[derive(Clone)]
pub struct ShutdownHandle(watch::Sender<bool>);

impl ShutdownHandle {
    pub fn shutdown(&self) {
        let _ = self.0.send(true);
    }
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Clock::system()).await
    }

    /// Connects, migrates and binds the listening socket.
    pub async fn build_with_clock(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        let state = connect_state(settings, clock).await?;
        let routes = http::routes(state.clone()).map_err(|e| anyhow::anyhow!(e))?;
        let listen = state.settings.server.listen;
        let acceptor = TcpListener::bind(listen)
            .into_acceptor()
            .await
            .with_context(|| format!("cannot listen on {listen} (server.listen)"))?;
        let port = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().map(|s| s.port()))
            .context("listener has no socket address")?;
        let metrics_acceptor = match state.settings.metrics.listen.as_str() {
            "" => None,
            addr => Some(
                TcpListener::bind(addr.to_string())
                    .into_acceptor()
                    .await
                    .with_context(|| format!("cannot listen on {addr} (metrics.listen)"))?,
            ),
        };
        let (shutdown, _) = watch::channel(false);
        Ok(Self {
            acceptor,
            metrics_acceptor,
            routes,
            port,
            state,
            shutdown,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(self.shutdown.clone())
    }

    /// Serves (and runs the scheduler when `scheduler.enabled`) until SIGINT, SIGTERM or the shutdown
    /// handle: stops accepting and stops taking job ticks, lets in-flight requests and a running job
    /// finish (each within `server.shutdown_timeout_secs`), then returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let timeout = Duration::from_secs(self.state.settings.server.shutdown_timeout_secs);
        let scheduler = if self.state.settings.scheduler.enabled {
            let started = jobs::scheduler::Scheduler::start(self.state.clone()).await;
            Some(started.map_err(std::io::Error::other)?)
        } else {
            None
        };
        let stop_jobs = scheduler.as_ref().map(|s| s.stop_handle());
        let mut stop = self.shutdown.subscribe();
        let signal = async move {
            tokio::select! {
                _ = os_signal() => tracing::info!("shutdown signal received"),
                _ = stop.wait_for(|s| *s) => tracing::info!("shutdown requested"),
            }
            // Jobs wind down while requests drain, not after.
            if let Some(jobs) = stop_jobs {
                jobs.stop();
            }
        };
        tracing::info!(port = self.port, "listening");
        let metrics = self.metrics_acceptor.map(|acceptor| {
            let mut stop = self.shutdown.subscribe();
            let routes = http::metrics_routes(self.state.clone());
            tokio::spawn(async move {
                let signal = async move {
                    let _ = stop.wait_for(|s| *s).await;
                };
                Server::new_with_acceptor(acceptor)
                    .run_with_graceful_shutdown(routes, signal, Some(Duration::from_secs(1)))
                    .await
            })
        });
        let served = Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(self.routes, signal, Some(timeout))
            .await;
        if let Some(m) = metrics {
            // The signal above may have come from the OS rather than the handle.
            let _ = self.shutdown.send(true);
            let _ = m.await;
        }
        if let Some(scheduler) = scheduler {
            scheduler.shutdown(timeout).await;
        }
        db::close(self.state.db.clone()).await;
        served?;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Checks the job tables of the configuration against the job registry, connects to the database and
/// applies pending migrations.
pub async fn connect_state(settings: Settings, clock: Clock) -> anyhow::Result<AppState> {
    jobs::registry::validate(&settings)?;
    let db = db::connect(&settings.database).await.with_context(|| {
        format!(
            "cannot open the database {} (database.url)",
            config::redact_url(&settings.database.url)
        )
    })?;
    db::check_writable(&db).await.map_err(|e| {
        anyhow::anyhow!(
            "the database {} does not accept writes ({e}); Tessera needs a writable database \
             (check the file's permissions, the disk, or that database.url names the primary server)",
            config::redact_url(&settings.database.url)
        )
    })?;
    db::migrate(&db)
        .await
        .context("database migration failed")?;
    // Contacts from before search keys existed (once, after the migration that added them).
    let indexed = services::contacts::index_search(&db)
        .await
        .map_err(|e| anyhow::anyhow!(e.detail()))
        .context("writing contact search keys failed")?;
    if indexed > 0 {
        tracing::info!(contacts = indexed, "wrote contact search keys");
    }
    AppState::new(db, settings, clock).map_err(|e| anyhow::anyhow!("{e}"))
}

async fn os_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
