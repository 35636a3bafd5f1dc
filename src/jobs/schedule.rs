//! Which scheduled instant a cron firing belongs to. The expressions themselves are parsed with the
//! configuration (`config::cron`).

use chrono::{DateTime, Timelike, Utc};
use croner::Cron;

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
    use crate::config::cron::parse_cron;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_late_firing_belongs_to_the_tick_it_fired_for() {
        let every_ten = parse_cron("*/10 * * * * *").unwrap();
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
        let daily = parse_cron("0 15 1 * * *").unwrap();
        assert_eq!(
            tick_for(&daily, at("2026-03-02T01:15:00.2Z")),
            at("2026-03-02T01:15:00Z")
        );
    }
}
