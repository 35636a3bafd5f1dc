//! Custom scalars with the names and formats of the contract: `Date`, `DateTime`.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime as ChronoDateTime, NaiveDate, SecondsFormat, Utc};

use crate::domain::dates;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar date without time or zone, written `YYYY-MM-DD` (ISO 8601), e.g. `2026-03-15`. Dates
/// from 1800-01-01 to 2999-12-31 are accepted and produced; others are refused with BAD_USER_INPUT.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => {
                let d = parse_iso_date(s).ok_or_else(|| {
                    InputValueError::custom(format!("`{s}` is not a date in the form YYYY-MM-DD"))
                })?;
                if !dates::in_range(d) {
                    return Err(InputValueError::custom(out_of_range(s)));
                }
                Ok(Date(d))
            }
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// `YYYY-MM-DD` with exactly four digits of year (chrono alone also takes `+10000-01-01` or `99-1-1`).
fn parse_iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn out_of_range(s: &str) -> String {
    format!(
        "`{s}` is outside the supported dates {} to {}",
        dates::EARLIEST,
        dates::LATEST
    )
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Date(d)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime(pub ChronoDateTime<Utc>);

/// An instant in UTC, written in RFC 3339, e.g. `2026-03-15T09:30:00Z`. Inputs may carry any offset;
/// their dates must lie from 1800-01-01 to 2999-12-31.
#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => {
                let d = ChronoDateTime::parse_from_rfc3339(s)
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|_| {
                        InputValueError::custom(format!("`{s}` is not an RFC 3339 date-time"))
                    })?;
                if !dates::in_range(d.date_naive()) {
                    return Err(InputValueError::custom(out_of_range(s)));
                }
                Ok(DateTime(d))
            }
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl From<ChronoDateTime<Utc>> for DateTime {
    fn from(d: ChronoDateTime<Utc>) -> Self {
        DateTime(d)
    }
}

/// A money amount as a decimal string, e.g. `"50.00"`, always next to a `currency` (ISO 4217) that
/// says how many decimals it has. Inputs may be strings or integers; amounts are never floats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decimal(pub String);

/// A money amount as a decimal string, e.g. `"50.00"`, always next to a `currency` (ISO 4217) that
/// says how many decimals it has. Inputs may be strings or integers; amounts are never floats.
#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => Ok(Decimal(s.clone())),
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(Decimal(n.to_string())),
            Value::Number(n) => Err(InputValueError::custom(format!(
                "write amounts as strings such as \"{n}\" so no precision is lost"
            ))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}
