//! Background jobs: plain async functions that tests and the CLI call directly with a date; the
//! scheduler only maps cron expressions to them.

pub mod schedule;
