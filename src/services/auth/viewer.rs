//! Who is calling: nobody, someone whose token does not work, or a signed-in user (a session or an
//! API key). Built once per request; the permissions a user holds are loaded at most once per
//! request (`services::access::permissions`).

use std::sync::Arc;

use tokio::sync::OnceCell;

use crate::domain::role::Role;

/// A signed-in user, as resolved from a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthUser {
    pub user_id: i64,
    pub email: String,
    pub role: Role,
    pub contact_id: Option<i64>,
    pub session_id: i64,
    /// Set when the caller used an API key (then `user_id` is the admin who created it and `role` is
    /// the key's role).
    pub api_key_id: Option<i64>,
    /// The permissions the user's contact holds, once someone asked.
    pub permissions: PermissionCache,
}

/// Who is calling: nobody, someone with a token that does not work (and why), or a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Viewer {
    Anonymous,
    Invalid(&'static str),
    User(AuthUser),
}

impl Viewer {
    /// The signed-in user, if there is one.
    pub fn user(&self) -> Option<&AuthUser> {
        match self {
            Viewer::User(u) => Some(u),
            _ => None,
        }
    }
}

/// Permissions loaded at most once per viewer (clones share it). Two caches always compare equal:
/// it is a memo, not part of who the viewer is.
#[derive(Clone, Default)]
pub struct PermissionCache(Arc<OnceCell<Vec<String>>>);

impl PermissionCache {
    /// The cached permissions, loading them with `load` the first time.
    pub async fn get_or_load<F, Fut, E>(&self, load: F) -> Result<&[String], E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<String>, E>>,
    {
        self.0.get_or_try_init(load).await.map(Vec::as_slice)
    }
}

impl PartialEq for PermissionCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for PermissionCache {}

impl std::fmt::Debug for PermissionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.get() {
            Some(p) => write!(f, "PermissionCache({p:?})"),
            None => f.write_str("PermissionCache(not loaded)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn permissions_load_once_per_viewer_and_its_clones() {
        let cache = PermissionCache::default();
        let shared = cache.clone();
        let loads = AtomicUsize::new(0);
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(vec!["members-area".to_string()])
        };
        assert_eq!(cache.get_or_load(load).await.unwrap(), ["members-area"]);
        assert_eq!(shared.get_or_load(load).await.unwrap(), ["members-area"]);
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        assert_eq!(cache, PermissionCache::default(), "a memo, not identity");
    }
}
