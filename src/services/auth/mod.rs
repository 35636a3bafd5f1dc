//! Authentication: who a request comes from. Sessions and API keys resolve a bearer token to the
//! same [`Viewer`]; both store only token digests (`tokens`); passwords are argon2id (`passwords`);
//! failed sign-ins are throttled (`throttle`). What a viewer may do is decided in
//! `services::access`.

pub mod api_keys;
pub mod cache;
pub mod passwords;
pub mod sessions;
pub mod throttle;
pub mod tokens;
mod viewer;

pub use passwords::{hash_password, verify_password};
pub use sessions::{LoginResult, authenticate, login, logout, revoke_sessions};
pub use tokens::{new_token, token_digest};
pub use viewer::{AuthUser, PermissionCache, Viewer};
