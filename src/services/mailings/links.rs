//! Signed links in bulk messages: `<contact>.<mailing>.<expiry>.<HMAC-SHA256>` (base64url MAC) for
//! the unsubscribe / preferences page and the RFC 8058 one-click POST. The key is
//! `mailings.link_secret`, or a random one the server makes once and keeps in `signing_keys`
//! (shared by every replica on the database). Verification is constant-time (`hmac`).
//!
//! Stored message bodies carry [`PLACEHOLDER`] instead of a token; delivery signs a fresh one for
//! the recipient (so the API and backups never hold a working link).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use sha2::Sha256;

use crate::db::entities::segments::signing_key;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Stands in for the signed token in a stored bulk message.
pub const PLACEHOLDER: &str = "hidden-unsubscribe-token";
const KEY_NAME: &str = "mail-links";

/// Who a link is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkSubject {
    pub contact_id: i64,
    pub mailing_id: i64,
}

/// Why a link is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("this link is not valid")]
    Invalid,
    #[error("this link has expired")]
    Expired,
}

/// The HMAC key of mail links.
pub async fn key(state: &AppState) -> AppResult<Vec<u8>> {
    let configured = &state.settings.mailings.link_secret;
    if !configured.is_empty() {
        return Ok(configured.as_bytes().to_vec());
    }
    let db = &state.db;
    if let Some(k) = signing_key::Entity::find_by_id(KEY_NAME).one(db).await? {
        return Ok(k.secret.into_bytes());
    }
    let bytes: [u8; 32] = rand::random();
    let row = signing_key::ActiveModel {
        name: Set(KEY_NAME.into()),
        secret: Set(hex::encode(bytes)),
        created_at: Set(state.clock.now()),
    };
    // Two replicas may race to make it: the first one wins, both read it back.
    let result = signing_key::Entity::insert(row)
        .on_conflict(
            OnConflict::column(signing_key::Column::Name)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await;
    match result {
        Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => {}
        Err(e) => return Err(e.into()),
    }
    read(db).await
}

async fn read<C: ConnectionTrait>(db: &C) -> AppResult<Vec<u8>> {
    signing_key::Entity::find_by_id(KEY_NAME)
        .one(db)
        .await?
        .map(|k| k.secret.into_bytes())
        .ok_or_else(|| AppError::internal("the mail-link key was not stored"))
}

fn mac(key: &[u8], payload: &str) -> Hmac<Sha256> {
    // HMAC takes a key of any length; this cannot fail.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    m.update(b"tessera-mail-link:");
    m.update(payload.as_bytes());
    m
}

/// A token for `subject`, valid until `expires`.
pub fn sign(key: &[u8], subject: LinkSubject, expires: DateTime<Utc>) -> String {
    let payload = format!(
        "{}.{}.{}",
        subject.contact_id,
        subject.mailing_id,
        expires.timestamp()
    );
    let sig = mac(key, &payload).finalize().into_bytes();
    format!("{payload}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// The subject of a token signed with `key` that has not expired at `now`.
pub fn verify(key: &[u8], token: &str, now: DateTime<Utc>) -> Result<LinkSubject, LinkError> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    let [c, m, e, sig] = parts.as_slice() else {
        return Err(LinkError::Invalid);
    };
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| LinkError::Invalid)?;
    let payload = format!("{c}.{m}.{e}");
    mac(key, &payload)
        .verify_slice(&sig)
        .map_err(|_| LinkError::Invalid)?;
    let num = |s: &str| s.parse::<i64>().map_err(|_| LinkError::Invalid);
    let (contact_id, mailing_id, expires) = (num(c)?, num(m)?, num(e)?);
    if expires <= now.timestamp() {
        return Err(LinkError::Expired);
    }
    Ok(LinkSubject {
        contact_id,
        mailing_id,
    })
}

/// The link a message shows, with the placeholder for its token.
pub fn shown_url(state: &AppState) -> String {
    page_url(state, PLACEHOLDER)
}

/// The preferences page's URL for `token`.
pub fn page_url(state: &AppState, token: &str) -> String {
    format!(
        "{}/mail/preferences?token={token}",
        state.settings.server.public_url.trim_end_matches('/')
    )
}

/// The RFC 8058 one-click URL for `token` (the `List-Unsubscribe` header).
pub fn one_click_url(state: &AppState, token: &str) -> String {
    format!(
        "{}/mail/unsubscribe?token={token}",
        state.settings.server.public_url.trim_end_matches('/')
    )
}

/// A fresh token for a recipient of a mailing, valid `mailings.unsubscribe_link_days`.
pub fn token_for(state: &AppState, key: &[u8], subject: LinkSubject) -> String {
    let days = state.settings.mailings.unsubscribe_link_days;
    sign(key, subject, state.clock.now() + Duration::days(days))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_and_refuse_tampering_and_expiry() {
        let key = b"0123456789abcdef0123456789abcdef";
        let now = Utc::now();
        let s = LinkSubject {
            contact_id: 7,
            mailing_id: 3,
        };
        let t = sign(key, s, now + Duration::days(1));
        assert_eq!(verify(key, &t, now), Ok(s));
        assert_eq!(
            verify(key, &t, now + Duration::days(2)),
            Err(LinkError::Expired)
        );
        assert_eq!(verify(b"another key", &t, now), Err(LinkError::Invalid));
        let other = t.replacen("7.", "8.", 1);
        assert_eq!(verify(key, &other, now), Err(LinkError::Invalid));
        assert_eq!(verify(key, "7.3.99", now), Err(LinkError::Invalid));
        assert_eq!(verify(key, "", now), Err(LinkError::Invalid));
    }
}
