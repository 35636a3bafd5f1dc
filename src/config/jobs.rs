//! The `[jobs]` section: two plain keys, and one `[jobs.<config key>]` table per job.
//!
//! Which jobs exist is the job registry's business (`jobs::registry`), a layer above this module:
//! here any table is read (so its keys are checked and named in errors), and the registry refuses,
//! at start-up, a table that belongs to no job.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, Error as _, MapAccess, Visitor};

use super::cron::CronExpr;

/// `[jobs.<config key>]`, e.g. `[jobs.deliver_mail]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct JobSettings {
    /// Whether the scheduler runs this job.
    pub enabled: bool,
    /// Cron expression with seconds: `sec min hour day-of-month month day-of-week`.
    pub schedule: CronExpr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct JobsSettings {
    /// Days a missed reminder is still sent late.
    pub reminder_catch_up_days: i64,
    /// Hours scheduled runs that found nothing to do are kept in the run history (0: forever).
    pub idle_run_retention_hours: i64,
    /// One entry per `[jobs.<config key>]` table, keyed by the job's configuration key.
    pub per_job: BTreeMap<String, JobSettings>,
}

impl JobsSettings {
    /// The settings of the job with configuration key `key` (e.g. `deliver_mail`).
    pub fn job(&self, key: &str) -> Option<&JobSettings> {
        self.per_job.get(key)
    }

    /// For tests and tools that adjust one job's settings.
    pub fn job_mut(&mut self, key: &str) -> Option<&mut JobSettings> {
        self.per_job.get_mut(key)
    }
}

const CATCH_UP: &str = "reminder_catch_up_days";
const RETENTION: &str = "idle_run_retention_hours";

/// Hand-written because the job tables sit beside the plain keys (so `TESSERA_JOBS__DELIVER_MAIL__
/// SCHEDULE` keeps its name) and `#[serde(flatten)]` would lose the key path in errors.
impl<'de> Deserialize<'de> for JobsSettings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(JobsVisitor)
    }
}

struct JobsVisitor;

impl<'de> Visitor<'de> for JobsVisitor {
    type Value = JobsSettings;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the [jobs] table")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JobsSettings, A::Error> {
        let (mut catch_up, mut retention) = (None, None);
        let mut per_job = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                CATCH_UP => catch_up = Some(map.next_value()?),
                RETENTION => retention = Some(map.next_value()?),
                _ => {
                    per_job.insert(key, map.next_value()?);
                }
            }
        }
        Ok(JobsSettings {
            reminder_catch_up_days: catch_up.ok_or_else(|| A::Error::missing_field(CATCH_UP))?,
            idle_run_retention_hours: retention
                .ok_or_else(|| A::Error::missing_field(RETENTION))?,
            per_job,
        })
    }
}
