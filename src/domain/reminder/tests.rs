use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn schedule(
    anchor: Anchor,
    offset: i64,
    unit: Unit,
    direction: Direction,
    repeat: Option<(i64, i64)>,
) -> Schedule {
    Schedule::parse(
        anchor,
        offset,
        unit,
        direction,
        repeat.map(|r| r.0),
        repeat.map(|r| r.1),
    )
    .unwrap()
}

fn window(as_of: &str, catch_up: i64) -> Window {
    Window::catching_up(d(as_of), catch_up)
}

#[test]
fn invalid_timings_name_the_field() {
    use Direction::*;
    for (name, offset, unit, direction, every, until, field) in [
        (
            "years are not a reminder unit",
            1,
            Unit::Year,
            After,
            None,
            None,
            "unit",
        ),
        (
            "negative offset",
            -1,
            Unit::Day,
            After,
            None,
            None,
            "offset",
        ),
        (
            "offset too large",
            1001,
            Unit::Day,
            After,
            None,
            None,
            "offset",
        ),
        (
            "every without until",
            3,
            Unit::Day,
            After,
            Some(1),
            None,
            "repeatUntil",
        ),
        (
            "until without every",
            3,
            Unit::Day,
            After,
            None,
            Some(9),
            "repeatEvery",
        ),
        (
            "every zero",
            3,
            Unit::Day,
            After,
            Some(0),
            Some(9),
            "repeatEvery",
        ),
        (
            "until before the first (after)",
            3,
            Unit::Day,
            After,
            Some(1),
            Some(3),
            "repeatUntil",
        ),
        (
            "until before the first (before)",
            30,
            Unit::Day,
            Before,
            Some(7),
            Some(30),
            "repeatUntil",
        ),
        (
            "until negative",
            30,
            Unit::Day,
            Before,
            Some(7),
            Some(-1),
            "repeatUntil",
        ),
    ] {
        let err = Schedule::parse(Anchor::EndDate, offset, unit, direction, every, until)
            .expect_err(name);
        assert_eq!(err.field, field, "{name}");
    }
}

#[test]
fn steps_count_from_the_anchor() {
    use Direction::*;
    for (name, offset, direction, repeat, expected) in [
        ("after", 7, After, None, vec![7]),
        ("before", 30, Before, None, vec![-30]),
        ("on the day", 0, Before, None, vec![0]),
        (
            "weekly until the end date",
            30,
            Before,
            Some((7, 0)),
            vec![-30, -23, -16, -9, -2],
        ),
        (
            "after, until included",
            7,
            After,
            Some((7, 28)),
            vec![7, 14, 21, 28],
        ),
    ] {
        let s = schedule(Anchor::EndDate, offset, Unit::Day, direction, repeat);
        assert_eq!(s.steps(), expected, "{name}");
    }
}

#[test]
fn due_occurrences() {
    use Anchor::*;
    use Direction::*;
    let once = |a, o, u, dir| schedule(a, o, u, dir, None);
    for (name, s, stored, as_of, catch_up, expected) in [
        (
            "30 days before the end, on the day",
            once(EndDate, 30, Unit::Day, Before),
            "2026-03-31",
            "2026-03-01",
            7,
            vec![("2026-03-31", "2026-03-01", 0)],
        ),
        (
            "sent late within the catch-up window",
            once(EndDate, 30, Unit::Day, Before),
            "2026-03-31",
            "2026-03-04",
            7,
            vec![("2026-03-31", "2026-03-01", 0)],
        ),
        (
            "not yet due",
            once(EndDate, 30, Unit::Day, Before),
            "2026-03-31",
            "2026-02-28",
            7,
            vec![],
        ),
        (
            "too late",
            once(EndDate, 30, Unit::Day, Before),
            "2026-03-31",
            "2026-03-09",
            7,
            vec![],
        ),
        (
            "months clamp from the anchor",
            once(JoinDate, 1, Unit::Month, After),
            "2025-01-31",
            "2025-02-28",
            0,
            vec![("2025-01-31", "2025-02-28", 0)],
        ),
        (
            "weeks",
            once(StartDate, 2, Unit::Week, After),
            "2025-01-01",
            "2025-01-15",
            0,
            vec![("2025-01-01", "2025-01-15", 0)],
        ),
        (
            "birthday in a common year falls on feb 28",
            once(BirthDate, 0, Unit::Day, After),
            "2000-02-29",
            "2025-02-28",
            0,
            vec![("2025-02-28", "2025-02-28", 0)],
        ),
        (
            "birthday in a leap year on feb 29",
            once(BirthDate, 0, Unit::Day, After),
            "2000-02-29",
            "2028-02-29",
            0,
            vec![("2028-02-29", "2028-02-29", 0)],
        ),
        (
            "no birthday on mar 1",
            once(BirthDate, 0, Unit::Day, After),
            "2000-02-29",
            "2025-03-01",
            0,
            vec![],
        ),
        (
            "birthday greeting a week ahead, across new year",
            once(BirthDate, 7, Unit::Day, Before),
            "1990-01-03",
            "2025-12-27",
            0,
            vec![("2026-01-03", "2025-12-27", 0)],
        ),
        (
            "no anniversary in the join year",
            once(JoinAnniversary, 0, Unit::Day, After),
            "2025-06-01",
            "2025-06-01",
            3,
            vec![],
        ),
        (
            "first anniversary",
            once(JoinAnniversary, 0, Unit::Day, After),
            "2024-02-29",
            "2025-02-28",
            0,
            vec![("2025-02-28", "2025-02-28", 0)],
        ),
    ] {
        let ranges = s.anchor_ranges(window(as_of, catch_up));
        let got: Vec<(String, String, u32)> = s
            .due(d(stored), &ranges)
            .into_iter()
            .map(|x| (x.anchor.to_string(), x.trigger.to_string(), x.occurrence))
            .collect();
        let expected: Vec<(String, String, u32)> = expected
            .into_iter()
            .map(|(a, t, k)| (a.to_string(), t.to_string(), k))
            .collect();
        assert_eq!(got, expected, "{name}");
    }
}

#[test]
fn repeats_catch_up_each_missed_occurrence() {
    let s = schedule(
        Anchor::EndDate,
        14,
        Unit::Day,
        Direction::Before,
        Some((2, 0)),
    );
    let ranges = s.anchor_ranges(window("2026-03-25", 5));
    let due = s.due(d("2026-03-31"), &ranges);
    let triggers: Vec<(u32, String)> = due
        .iter()
        .map(|x| (x.occurrence, x.trigger.to_string()))
        .collect();
    assert_eq!(
        triggers,
        vec![
            (2, "2026-03-21".into()),
            (3, "2026-03-23".into()),
            (4, "2026-03-25".into())
        ]
    );
}

#[test]
fn month_days_for_sql() {
    for (name, lo, hi, expected) in [
        (
            "within a month",
            "2025-05-01",
            "2025-05-07",
            Some(("05-01", "05-07")),
        ),
        (
            "across new year wraps",
            "2025-12-28",
            "2026-01-03",
            Some(("12-28", "01-03")),
        ),
        (
            "common feb 28 takes feb 29",
            "2025-02-21",
            "2025-02-28",
            Some(("02-21", "02-29")),
        ),
        (
            "leap feb 28 does not",
            "2024-02-21",
            "2024-02-28",
            Some(("02-21", "02-28")),
        ),
        (
            "leap feb 29",
            "2024-02-29",
            "2024-03-02",
            Some(("02-29", "03-02")),
        ),
        (
            "a whole year is everything",
            "2025-01-01",
            "2026-01-01",
            None,
        ),
    ] {
        let got = month_days(d(lo), d(hi));
        let expected = expected.map(|(f, t)| MonthDays {
            from: f.into(),
            to: t.into(),
        });
        assert_eq!(got, expected, "{name}");
    }
}

/// The threshold ranges find exactly the occurrences a day-by-day search finds.
#[test]
fn due_agrees_with_brute_force() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let mut rng = StdRng::seed_from_u64(11);
    let anchors = [Anchor::EndDate, Anchor::BirthDate, Anchor::JoinAnniversary];
    let units = [Unit::Day, Unit::Week, Unit::Month];
    let mut found = 0;
    for _ in 0..20_000 {
        let anchor = anchors[rng.random_range(0..3)];
        let unit = units[rng.random_range(0..3)];
        let direction = if rng.random_bool(0.5) {
            Direction::Before
        } else {
            Direction::After
        };
        let offset = rng.random_range(0..14);
        let repeat = rng.random_bool(0.3).then(|| {
            let every = rng.random_range(1..4);
            match direction {
                Direction::After => (every, offset + rng.random_range(1..10)),
                Direction::Before => (every, rng.random_range(0..offset.max(1))),
            }
        });
        let Ok(s) = Schedule::parse(
            anchor,
            offset,
            unit,
            direction,
            repeat.map(|r| r.0),
            repeat.map(|r| r.1),
        ) else {
            continue;
        };
        let as_of = d("2024-01-01") + chrono::Duration::days(rng.random_range(0..1200));
        // Dates near the run for fixed anchors; any past year for yearly ones.
        let stored = if anchor.is_yearly() {
            d("1950-01-01") + chrono::Duration::days(rng.random_range(0..27000))
        } else {
            as_of + chrono::Duration::days(rng.random_range(-60..60))
        };
        let w = Window::catching_up(as_of, rng.random_range(0..10));
        let mut expected = Vec::new();
        let anchors_of: Vec<NaiveDate> = if anchor.is_yearly() {
            (1..=100).map(|n| add_months(stored, 12 * n)).collect()
        } else {
            vec![stored]
        };
        for (k, step) in s.steps().into_iter().enumerate() {
            for a in &anchors_of {
                let t = add(*a, step, unit);
                if w.contains(t) {
                    expected.push(Due {
                        occurrence: k as u32,
                        anchor: *a,
                        trigger: t,
                    });
                }
            }
        }
        expected.sort();
        found += expected.len();
        let ranges = s.anchor_ranges(w);
        assert_eq!(s.due(stored, &ranges), expected, "{s:?} {stored} {w:?}");
        if anchor.is_yearly() {
            let md = format!("{}", stored.format("%m-%d"));
            for x in &expected {
                let r = ranges
                    .iter()
                    .find(|r| r.occurrence == x.occurrence)
                    .unwrap();
                if let Some(m) = month_days(r.lo, r.hi) {
                    let inside = if m.wraps() {
                        md >= m.from || md <= m.to
                    } else {
                        md >= m.from && md <= m.to
                    };
                    assert!(inside, "{md} not in {m:?} for {x:?}");
                }
            }
        }
    }
    assert!(
        found > 100,
        "the random cases must hit some occurrences: {found}"
    );
}
