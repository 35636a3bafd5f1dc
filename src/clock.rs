//! The only place that reads the wall clock. Production uses the system time; tests and `--as-of` runs
//! pin it. Domain code never calls `Utc::now()`: services read the time here and pass it down.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, NaiveDate, Utc};

#[derive(Clone, Debug, Default)]
pub struct Clock {
    fixed: Arc<RwLock<Option<DateTime<Utc>>>>,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self {
            fixed: Arc::new(RwLock::new(Some(at))),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.fixed
            .read()
            .ok()
            .and_then(|g| *g)
            .unwrap_or_else(Utc::now)
    }

    /// Today's date (UTC).
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Pins the clock (tests); every copy of this clock sees the change.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut g) = self.fixed.write() {
            *g = Some(at);
        }
    }

    /// Moves a pinned clock forward (or pins the system time plus `by`).
    pub fn advance(&self, by: Duration) {
        let next = self.now() + by;
        self.set(next);
    }
}
