//! Cron expressions as the scheduler understands them (six fields, seconds first).

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

#[cfg(test)]
mod tests {
    use super::*;

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
