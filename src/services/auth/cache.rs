//! Resolved bearer tokens, remembered for `auth.token_cache_secs` so a request usually costs no
//! authentication statement. Signing out, revoking sessions or an API key, and changing a login
//! forget the login's entries on this server at once; other replicas forget them when the entry
//! expires — the documented bound on how long a revoked token may still work elsewhere.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::viewer::{AuthUser, PermissionCache};

/// Entries kept at most; past that, expired ones go, then everything (a flood of distinct tokens
/// must not grow memory).
const MAX_ENTRIES: usize = 10_000;

struct Entry {
    user: AuthUser,
    at: Instant,
    /// When the session ends (the application clock), if it does.
    expires_at: Option<DateTime<Utc>>,
}

pub struct TokenCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

impl TokenCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The user a token digest resolved to, if remembered and fresh — with permissions of its own,
    /// loaded again for this request.
    pub fn get(&self, digest: &str, now: DateTime<Utc>) -> Option<AuthUser> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let e = entries.get(digest)?;
        let fresh = e.at.elapsed() < self.ttl && e.expires_at.is_none_or(|t| now < t);
        fresh.then(|| AuthUser {
            permissions: PermissionCache::default(),
            ..e.user.clone()
        })
    }

    pub fn put(&self, digest: String, user: &AuthUser, expires_at: Option<DateTime<Utc>>) {
        if self.ttl.is_zero() {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= MAX_ENTRIES {
            let ttl = self.ttl;
            entries.retain(|_, e| e.at.elapsed() < ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        let user = AuthUser {
            permissions: PermissionCache::default(),
            ..user.clone()
        };
        entries.insert(
            digest,
            Entry {
                user,
                at: Instant::now(),
                expires_at,
            },
        );
    }

    /// Forgets every token of a login (its sessions, and keys it created).
    pub fn forget_user(&self, user_id: i64) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, e| e.user.user_id != user_id);
        }
    }

    /// Forgets an API key.
    pub fn forget_key(&self, key_id: i64) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, e| e.user.api_key_id != Some(key_id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::role::Role;

    fn user(id: i64, key: Option<i64>) -> AuthUser {
        AuthUser {
            user_id: id,
            email: format!("u{id}@example.org"),
            role: Role::Staff,
            contact_id: None,
            session_id: id,
            api_key_id: key,
            permissions: PermissionCache::default(),
        }
    }

    #[test]
    fn remembers_forgets_and_expires() {
        let now = Utc::now();
        let cache = TokenCache::new(Duration::from_secs(60));
        cache.put("a".into(), &user(1, None), None);
        cache.put("b".into(), &user(2, Some(9)), None);
        assert_eq!(cache.get("a", now).map(|u| u.user_id), Some(1));
        cache.forget_user(1);
        assert!(cache.get("a", now).is_none());
        cache.forget_key(9);
        assert!(cache.get("b", now).is_none());
        let short = TokenCache::new(Duration::from_millis(1));
        short.put("c".into(), &user(3, None), None);
        std::thread::sleep(Duration::from_millis(5));
        assert!(short.get("c", now).is_none(), "expired");
        let off = TokenCache::new(Duration::ZERO);
        off.put("d".into(), &user(4, None), None);
        assert!(off.get("d", now).is_none(), "0 turns the cache off");
        cache.put(
            "e".into(),
            &user(5, None),
            Some(now + chrono::Duration::hours(1)),
        );
        assert!(cache.get("e", now).is_some());
        assert!(
            cache.get("e", now + chrono::Duration::hours(2)).is_none(),
            "session ended"
        );
    }
}
