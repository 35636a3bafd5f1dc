//! Partial updates. Every update applies a patch to the stored values inside the service's write
//! transaction (read, patch, check the whole result, write), so the rules see a complete record and a
//! concurrent update is never lost.

/// A change to one optional field: leave it, clear it, or set it.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T> Patch<T> {
    pub fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Patch::Keep => current,
            Patch::Clear => None,
            Patch::Set(v) => Some(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Patch;

    #[test]
    fn keep_clear_and_set() {
        assert_eq!(Patch::Keep.apply(Some(1)), Some(1));
        assert_eq!(Patch::<i32>::Clear.apply(Some(1)), None);
        assert_eq!(Patch::Set(2).apply(None), Some(2));
    }
}
