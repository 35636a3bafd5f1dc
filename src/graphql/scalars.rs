//! Custom scalars with the names and formats of the contract: `Date`, `DateTime`.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime as ChronoDateTime, NaiveDate, SecondsFormat, Utc};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar date without time or zone, written `YYYY-MM-DD` (ISO 8601), e.g. `2026-03-15`.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| {
                    InputValueError::custom(format!("`{s}` is not a date in the form YYYY-MM-DD"))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Date(d)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime(pub ChronoDateTime<Utc>);

/// An instant in UTC, written in RFC 3339, e.g. `2026-03-15T09:30:00Z`. Inputs may carry any offset.
#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => ChronoDateTime::parse_from_rfc3339(s)
                .map(|d| DateTime(d.with_timezone(&Utc)))
                .map_err(|_| {
                    InputValueError::custom(format!("`{s}` is not an RFC 3339 date-time"))
                }),
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
