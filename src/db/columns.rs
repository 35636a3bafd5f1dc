//! Domain types as column types. A coded enum (see `domain::coded`) is stored as its code in a text
//! column; reading a code that names no variant fails the query with an error that is logged, never
//! a silent default. These are the impls sea-orm's `DeriveValueType` would generate, written here
//! because the domain layer does not depend on sea-orm.

use crate::domain::account::TokenPurpose;
use crate::domain::contact::ContactKind;
use crate::domain::contribution::{
    ContributionStatus, Frequency, PaymentInstrument, RecurringStatus, SoftCreditKind, TributeKind,
};
use crate::domain::dates::Unit;
use crate::domain::event::{EventStatus, EventVisibility, RegistrationStatus};
use crate::domain::job::JobStatus;
use crate::domain::membership::price::Rounding;
use crate::domain::membership::{AutoRenew, DurationUnit, PeriodType, Visibility};
use crate::domain::message::OutboxStatus;
use crate::domain::reminder::{Anchor, Direction};
use crate::domain::role::Role;
use crate::domain::segment::{
    ConsentAction, ConsentSource, GroupChange, MailingStatus, RecipientStatus, SuppressionReason,
};
use crate::domain::status::Event;

macro_rules! text_column {
    ($($ty:ty),+ $(,)?) => {$(
        impl From<$ty> for sea_orm::Value {
            fn from(v: $ty) -> Self {
                v.as_str().into()
            }
        }

        impl sea_orm::TryGetable for $ty {
            fn try_get_by<I: sea_orm::ColIdx>(
                res: &sea_orm::QueryResult,
                idx: I,
            ) -> Result<Self, sea_orm::TryGetError> {
                let code = String::try_get_by(res, idx)?;
                code.parse::<$ty>().map_err(|err| {
                    tracing::error!(error = %err, "a stored code names no known value");
                    sea_orm::TryGetError::DbErr(sea_orm::DbErr::TryIntoErr {
                        from: "String",
                        into: stringify!($ty),
                        source: std::sync::Arc::new(err),
                    })
                })
            }
        }

        impl sea_orm::sea_query::ValueType for $ty {
            fn try_from(v: sea_orm::Value) -> Result<Self, sea_orm::sea_query::ValueTypeErr> {
                let code = <String as sea_orm::sea_query::ValueType>::try_from(v)?;
                code.parse().map_err(|_| sea_orm::sea_query::ValueTypeErr)
            }

            fn type_name() -> String {
                stringify!($ty).to_owned()
            }

            fn array_type() -> sea_orm::sea_query::ArrayType {
                sea_orm::sea_query::ArrayType::String
            }

            fn column_type() -> sea_orm::sea_query::ColumnType {
                sea_orm::sea_query::ColumnType::String(sea_orm::sea_query::StringLen::None)
            }
        }

        impl sea_orm::sea_query::Nullable for $ty {
            fn null() -> sea_orm::Value {
                sea_orm::Value::String(None)
            }
        }

        impl sea_orm::IntoActiveValue<$ty> for $ty {
            fn into_active_value(self) -> sea_orm::ActiveValue<$ty> {
                sea_orm::ActiveValue::Set(self)
            }
        }
    )+};
}

text_column!(
    AutoRenew,
    Anchor,
    ContactKind,
    ContributionStatus,
    Direction,
    Frequency,
    PaymentInstrument,
    RecurringStatus,
    SoftCreditKind,
    TributeKind,
    DurationUnit,
    Event,
    EventStatus,
    EventVisibility,
    RegistrationStatus,
    JobStatus,
    OutboxStatus,
    PeriodType,
    Role,
    Rounding,
    TokenPurpose,
    Unit,
    Visibility,
    ConsentAction,
    ConsentSource,
    GroupChange,
    MailingStatus,
    RecipientStatus,
    SuppressionReason,
);

/// A value kept as JSON in a text column (lists of ids, permission names, audit snapshots): typed in
/// Rust, portable across SQLite and PostgreSQL. A stored text that does not parse is an error.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsonText<T>(pub T);

impl<T: serde::Serialize> From<JsonText<T>> for sea_orm::Value {
    fn from(v: JsonText<T>) -> Self {
        // Serialising plain data (lists, maps, strings, numbers) cannot fail.
        serde_json::to_string(&v.0)
            .unwrap_or_else(|_| "null".into())
            .into()
    }
}

impl<T: serde::de::DeserializeOwned> sea_orm::TryGetable for JsonText<T> {
    fn try_get_by<I: sea_orm::ColIdx>(
        res: &sea_orm::QueryResult,
        idx: I,
    ) -> Result<Self, sea_orm::TryGetError> {
        let text = String::try_get_by(res, idx)?;
        serde_json::from_str(&text).map(JsonText).map_err(|err| {
            tracing::error!(error = %err, "a stored JSON value does not parse");
            sea_orm::TryGetError::DbErr(sea_orm::DbErr::TryIntoErr {
                from: "String",
                into: std::any::type_name::<T>(),
                source: std::sync::Arc::new(err),
            })
        })
    }
}

impl<T: serde::de::DeserializeOwned> sea_orm::sea_query::ValueType for JsonText<T> {
    fn try_from(v: sea_orm::Value) -> Result<Self, sea_orm::sea_query::ValueTypeErr> {
        let text = <String as sea_orm::sea_query::ValueType>::try_from(v)?;
        serde_json::from_str(&text)
            .map(JsonText)
            .map_err(|_| sea_orm::sea_query::ValueTypeErr)
    }

    fn type_name() -> String {
        format!("JsonText<{}>", std::any::type_name::<T>())
    }

    fn array_type() -> sea_orm::sea_query::ArrayType {
        sea_orm::sea_query::ArrayType::String
    }

    fn column_type() -> sea_orm::sea_query::ColumnType {
        sea_orm::sea_query::ColumnType::Text
    }
}

impl<T> sea_orm::sea_query::Nullable for JsonText<T> {
    fn null() -> sea_orm::Value {
        sea_orm::Value::String(None)
    }
}

impl<T: serde::Serialize> sea_orm::IntoActiveValue<JsonText<T>> for JsonText<T> {
    fn into_active_value(self) -> sea_orm::ActiveValue<JsonText<T>> {
        sea_orm::ActiveValue::Set(self)
    }
}
