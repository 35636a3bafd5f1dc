//! Cron expressions as the scheduler understands them: six fields, seconds first, on UTC. Parsed when
//! the configuration is read (so a bad `jobs.<job>.schedule` stops start-up naming its key), and
//! here rather than in `jobs` so configuration and scheduler share one parser without a cycle.

use std::fmt;
use std::str::FromStr;

use croner::Cron;
use croner::parser::{CronParser, Seconds};
use serde::de::{Deserialize, Deserializer, Error as _};

/// A checked cron expression with its parsed schedule.
#[derive(Clone, PartialEq)]
pub struct CronExpr {
    text: String,
    schedule: Cron,
}

impl CronExpr {
    /// The expression as configured (what tokio-cron-scheduler is given).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The parsed schedule, as tokio-cron-scheduler parses it.
    pub fn schedule(&self) -> &Cron {
        &self.schedule
    }
}

/// Parses a schedule as tokio-cron-scheduler does, so the tick we compute is the one it fired for.
pub fn parse_cron(expr: &str) -> Result<Cron, croner::errors::CronError> {
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(expr)
}

impl FromStr for CronExpr {
    type Err = String;

    fn from_str(expr: &str) -> Result<Self, String> {
        if expr.split_whitespace().count() != 6 {
            return Err(format!(
                "`{expr}` is not a cron expression with seconds (six fields: sec min hour day month weekday)"
            ));
        }
        let invalid =
            |e: &dyn fmt::Debug| format!("`{expr}` is not a valid cron expression ({e:?})");
        let schedule = parse_cron(expr).map_err(|e| invalid(&e))?;
        // The scheduler's own check as well, so whatever passes here it accepts at start-up.
        tokio_cron_scheduler::Job::new_async(expr, |_, _| Box::pin(async {}))
            .map_err(|e| invalid(&e))?;
        Ok(Self {
            text: expr.to_string(),
            schedule,
        })
    }
}

impl<'de> Deserialize<'de> for CronExpr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(D::Error::custom)
    }
}

impl fmt::Display for CronExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for CronExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.text, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_six_field_expressions_only() {
        for ok in [
            "0 15 1 * * *",
            "*/10 * * * * *",
            "0 0 * * * *",
            "0 0 9 * * Mon-Fri",
        ] {
            assert_eq!(ok.parse::<CronExpr>().expect(ok).as_str(), ok);
        }
        for bad in ["", "* * * * *", "61 * * * * *", "every day", "0 0 25 * * *"] {
            assert!(bad.parse::<CronExpr>().is_err(), "{bad}");
        }
    }
}
