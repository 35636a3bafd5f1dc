//! What every request, job and CLI command shares.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::config::Settings;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub clock: Clock,
}

impl AppState {
    pub fn new(db: DatabaseConnection, settings: Settings, clock: Clock) -> Self {
        Self {
            db,
            settings: Arc::new(settings),
            clock,
        }
    }
}
