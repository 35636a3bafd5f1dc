//! Cron expressions as the scheduler understands them (six fields, seconds first).

use chrono::{DateTime, Timelike, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds};

/// Checks a cron expression with the scheduler's own parser.
pub fn validate_cron(expr: &str) -> Result<(), String> {
    if expr.split_whitespace().count() != 6 {
        return Err(format!(
            "`{expr}` is not a cron expression with seconds (six fields: sec min hour day month weekday)"
        ));
    }
    tokio_cron_scheduler::Job::new_async(expr, |_, _| Box::pin(async {}))
        .map(|_| ())
        .map_err(|e| format!("`{expr}` is not a valid cron expression ({e:?})"))
}

/// Parses a schedule as tokio-cron-scheduler does, so the tick we compute is the one it fired for.
pub fn parse_schedule(expr: &str) -> Result<Cron, croner::errors::CronError> {
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(expr)
}

/// The scheduled instant a firing at `now` belongs to: the latest occurrence not after `now`. Every
/// replica computes the same instant for the same tick, whatever its delay in firing, and that
/// instant is what the lease compares.
pub fn tick_for(schedule: &Cron, now: DateTime<Utc>) -> DateTime<Utc> {
    let whole = now.with_nanosecond(0).unwrap_or(now);
    schedule
        .find_previous_occurrence(&whole, true)
        .unwrap_or(whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_late_firing_belongs_to_the_tick_it_fired_for() {
        let every_ten = parse_schedule("*/10 * * * * *").unwrap();
        let cases = [
            ("on time", "2026-03-01T10:00:10Z", "2026-03-01T10:00:10Z"),
            (
                "a moment late",
                "2026-03-01T10:00:10.4Z",
                "2026-03-01T10:00:10Z",
            ),
            (
                "seconds late",
                "2026-03-01T10:00:17.9Z",
                "2026-03-01T10:00:10Z",
            ),
            (
                "across midnight",
                "2026-03-02T00:00:03Z",
                "2026-03-02T00:00:00Z",
            ),
        ];
        for (why, now, tick) in cases {
            assert_eq!(tick_for(&every_ten, at(now)), at(tick), "{why}");
        }
        let daily = parse_schedule("0 15 1 * * *").unwrap();
        assert_eq!(
            tick_for(&daily, at("2026-03-02T01:15:00.2Z")),
            at("2026-03-02T01:15:00Z")
        );
    }

    #[test]
    fn accepts_six_field_expressions() {
        for ok in [
            "0 15 1 * * *",
            "*/10 * * * * *",
            "0 0 * * * *",
            "0 0 9 * * Mon-Fri",
        ] {
            assert!(validate_cron(ok).is_ok(), "{ok}");
        }
        for bad in ["", "* * * * *", "61 * * * * *", "every day", "0 0 25 * * *"] {
            assert!(validate_cron(bad).is_err(), "{bad}");
        }
    }
}
