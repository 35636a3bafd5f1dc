use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn rolling(unit: DurationUnit, interval: i64) -> PeriodRules {
    PeriodRules::parse(unit, interval, PeriodType::Rolling, None, None).unwrap()
}

fn calendar_year(rollover: Option<&str>) -> PeriodRules {
    PeriodRules::parse(
        DurationUnit::Year,
        1,
        PeriodType::Fixed,
        Some("01-01"),
        rollover,
    )
    .unwrap()
}

#[test]
fn rolling_periods() {
    for (name, rules, join, end) in [
        (
            "yearly from mar 15 ends mar 14",
            rolling(DurationUnit::Year, 1),
            "2024-03-15",
            "2025-03-14",
        ),
        (
            "monthly from jan 31 ends feb 28 (leap year)",
            rolling(DurationUnit::Month, 1),
            "2024-01-31",
            "2024-02-28",
        ),
        (
            "monthly from jan 31 ends feb 27 otherwise",
            rolling(DurationUnit::Month, 1),
            "2025-01-31",
            "2025-02-27",
        ),
        (
            "two-yearly from feb 29 ends feb 27",
            rolling(DurationUnit::Year, 2),
            "2024-02-29",
            "2026-02-27",
        ),
        (
            "30 days",
            rolling(DurationUnit::Day, 30),
            "2024-01-01",
            "2024-01-30",
        ),
        (
            "quarterly",
            rolling(DurationUnit::Month, 3),
            "2024-11-30",
            "2025-02-27",
        ),
    ] {
        let p = rules.initial_period(d(join), None, None, 1).unwrap();
        assert_eq!((p.start, p.end), (d(join), Some(d(end))), "{name}");
    }
}

#[test]
fn renewing_a_current_membership_never_drifts() {
    let monthly = rolling(DurationUnit::Month, 1);
    let mut p = monthly
        .initial_period(d("2024-01-31"), None, None, 1)
        .unwrap();
    let mut ends = vec![];
    for _ in 0..3 {
        ends.push(p.end.unwrap());
        p = monthly.renew(p, p.end.unwrap(), true, 1).unwrap();
    }
    assert_eq!(
        ends,
        vec![d("2024-02-28"), d("2024-03-30"), d("2024-04-29")]
    );
    assert_eq!(p.start, d("2024-01-31"), "start kept");
    let yearly = rolling(DurationUnit::Year, 1);
    let p = yearly
        .initial_period(d("2024-03-15"), None, None, 1)
        .unwrap();
    let renewed = yearly.renew(p, d("2025-02-01"), true, 2).unwrap();
    assert_eq!(renewed.end, Some(d("2027-03-14")), "two more terms");
    // A hand-entered end date between anniversaries extends to the next full anniversary first.
    let odd = Period {
        start: d("2024-03-15"),
        end: Some(d("2024-10-01")),
    };
    assert_eq!(
        yearly.renew(odd, d("2024-09-01"), true, 1).unwrap().end,
        Some(d("2026-03-14"))
    );
}

#[test]
fn renewing_a_lapsed_membership_starts_afresh() {
    let yearly = rolling(DurationUnit::Year, 1);
    let p = Period {
        start: d("2022-03-15"),
        end: Some(d("2023-03-14")),
    };
    let renewed = yearly.renew(p, d("2024-06-10"), false, 1).unwrap();
    assert_eq!(
        (renewed.start, renewed.end),
        (d("2024-06-10"), Some(d("2025-06-09")))
    );
}

#[test]
fn fixed_calendar_year_with_rollover() {
    let rules = calendar_year(Some("10-31"));
    for (name, join, start, end) in [
        (
            "before rollover: this year",
            "2024-03-15",
            "2024-01-01",
            "2024-12-31",
        ),
        (
            "after rollover: also next year",
            "2024-11-15",
            "2024-01-01",
            "2025-12-31",
        ),
        (
            "on the rollover day: next year too",
            "2024-10-31",
            "2024-01-01",
            "2025-12-31",
        ),
        ("on the start day", "2025-01-01", "2025-01-01", "2025-12-31"),
    ] {
        let p = rules.initial_period(d(join), None, None, 1).unwrap();
        assert_eq!((p.start, p.end), (d(start), Some(d(end))), "{name}");
    }
    let no_rollover = calendar_year(None);
    assert_eq!(
        no_rollover
            .initial_period(d("2024-11-15"), None, None, 1)
            .unwrap()
            .end,
        Some(d("2024-12-31"))
    );
    // A July-to-June year.
    let season = PeriodRules::parse(
        DurationUnit::Year,
        1,
        PeriodType::Fixed,
        Some("07-01"),
        Some("04-01"),
    )
    .unwrap();
    let p = season
        .initial_period(d("2025-02-10"), None, None, 1)
        .unwrap();
    assert_eq!((p.start, p.end), (d("2024-07-01"), Some(d("2025-06-30"))));
    let p = season
        .initial_period(d("2025-05-10"), None, None, 1)
        .unwrap();
    assert_eq!(p.end, Some(d("2026-06-30")));
    // Renewals: current extends by a year; lapsed starts the period holding the renewal date.
    let p = Period {
        start: d("2024-01-01"),
        end: Some(d("2024-12-31")),
    };
    assert_eq!(
        rules.renew(p, d("2024-12-01"), true, 1).unwrap().end,
        Some(d("2025-12-31"))
    );
    let lapsed = rules.renew(p, d("2026-03-01"), false, 1).unwrap();
    assert_eq!(
        (lapsed.start, lapsed.end),
        (d("2026-01-01"), Some(d("2026-12-31")))
    );
}

#[test]
fn lifetime() {
    let rules = rolling(DurationUnit::Lifetime, 1);
    let p = rules
        .initial_period(d("2024-05-05"), None, None, 1)
        .unwrap();
    assert_eq!((p.start, p.end), (d("2024-05-05"), None));
    assert_eq!(
        rules.renew(p, d("2025-01-01"), true, 1).unwrap_err().field,
        "id"
    );
    assert_eq!(
        rules
            .initial_period(d("2024-05-05"), None, Some(d("2030-01-01")), 1)
            .unwrap_err()
            .field,
        "endDate"
    );
}

#[test]
fn explicit_dates_win_and_are_checked() {
    let yearly = rolling(DurationUnit::Year, 1);
    let p = yearly
        .initial_period(d("2024-01-10"), Some(d("2024-02-01")), None, 1)
        .unwrap();
    assert_eq!((p.start, p.end), (d("2024-02-01"), Some(d("2025-01-31"))));
    let p = yearly
        .initial_period(d("2024-01-10"), None, Some(d("2024-06-30")), 1)
        .unwrap();
    assert_eq!(p.end, Some(d("2024-06-30")));
    let err = yearly.initial_period(
        d("2024-01-10"),
        Some(d("2024-03-01")),
        Some(d("2024-02-01")),
        1,
    );
    assert_eq!(err.unwrap_err().field, "endDate");
    assert_eq!(
        yearly
            .initial_period(d("2024-01-10"), Some(d("2024-01-01")), None, 1)
            .unwrap_err()
            .field,
        "startDate"
    );
    assert_eq!(
        yearly
            .initial_period(d("2024-01-10"), None, None, 0)
            .unwrap_err()
            .field,
        "terms"
    );
}

#[test]
fn invalid_combinations_name_the_field() {
    use DurationUnit::*;
    use PeriodType::*;
    for (field, unit, interval, ty, start, rollover) in [
        ("durationInterval", Year, 0, Rolling, None, None),
        ("durationUnit", Month, 1, Fixed, Some("01-01"), None),
        ("fixedPeriodStartDay", Year, 1, Fixed, None, None),
        ("fixedPeriodStartDay", Year, 1, Rolling, Some("01-01"), None),
        (
            "fixedPeriodRolloverDay",
            Year,
            1,
            Rolling,
            None,
            Some("10-31"),
        ),
        ("fixedPeriodStartDay", Year, 1, Fixed, Some("02-29"), None),
        (
            "fixedPeriodRolloverDay",
            Year,
            1,
            Fixed,
            Some("01-01"),
            Some("31-10"),
        ),
    ] {
        let err = PeriodRules::parse(unit, interval, ty, start, rollover).unwrap_err();
        assert_eq!(err.field, field);
    }
}
