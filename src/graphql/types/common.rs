use async_graphql::{Enum, MaybeUndefined};

use crate::domain::patch::Patch;

/// Sort direction of a list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Enum)]
pub enum SortDirection {
    /// Smallest first (A to Z, oldest first).
    #[default]
    Asc,
    /// Largest first (Z to A, newest first).
    Desc,
}

/// Turns a GraphQL optional input (absent, null or a value) into a patch (keep, clear or set).
pub fn patch<T, U>(value: MaybeUndefined<T>, convert: impl FnOnce(T) -> U) -> Patch<U> {
    match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(v) => Patch::Set(convert(v)),
    }
}

/// For fields that cannot be cleared: absent or null keeps the value.
pub fn patch_required<T>(value: Option<T>) -> Patch<T> {
    value.map_or(Patch::Keep, Patch::Set)
}
