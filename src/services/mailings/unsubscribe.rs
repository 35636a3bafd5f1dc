//! What a signed link in a bulk message lets its holder do, without signing in: see and change the
//! contact's public interests, unsubscribe from all bulk mail (the preferences page), or
//! unsubscribe in one click (RFC 8058). Each change is a consent record naming the mailing.

use super::links::{self, LinkError, LinkSubject};
use crate::db::begin_write;
use crate::domain::segment::ConsentSource;
use crate::error::{AppError, AppResult};
use crate::services::segments::consent::{self, Change, Provenance};
use crate::services::segments::interests::{self, Interest};
use crate::services::{Actor, contacts};
use crate::state::AppState;

/// The preferences page's content.
pub struct Preferences {
    pub display_name: String,
    /// Public interests, each with whether the contact has chosen it.
    pub interests: Vec<(Interest, bool)>,
    pub unsubscribed_from_all: bool,
}

/// The subject of a link, or BAD_USER_INPUT on `token` (tampered, unknown or expired).
pub async fn check(state: &AppState, token: &str) -> AppResult<LinkSubject> {
    let key = links::key(state).await?;
    links::verify(&key, token, state.clock.now()).map_err(|e| match e {
        LinkError::Invalid => AppError::bad_input("token", "this link is not valid"),
        LinkError::Expired => AppError::bad_input(
            "token",
            "this link has expired; use the link in a more recent message",
        ),
    })
}

fn provenance(state: &AppState, source: ConsentSource, s: LinkSubject) -> Provenance {
    Provenance {
        source,
        wording_version: state.settings.mailings.consent_wording_version.clone(),
        actor: Actor::Anonymous,
        mailing_id: Some(s.mailing_id),
        at: state.clock.now(),
    }
}

/// What the page shows for a link.
pub async fn preferences(state: &AppState, token: &str) -> AppResult<Preferences> {
    let s = check(state, token).await?;
    let c = contacts::get_live_in(&state.db, s.contact_id, "token").await?;
    let chosen = consent::interests_of(&state.db, s.contact_id).await?;
    let public = interests::public_ids(&state.db).await?;
    let list = interests::load_many(&state.db, &public).await?;
    Ok(Preferences {
        display_name: c.display_name,
        interests: list
            .into_iter()
            .map(|i| {
                let on = chosen.contains(&i.id);
                (i, on)
            })
            .collect(),
        unsubscribed_from_all: consent::opted_out(&state.db, s.contact_id).await?,
    })
}

/// Saves the page: the chosen public interests (others stay) and the "no bulk mail" choice.
pub async fn save(
    state: &AppState,
    token: &str,
    interest_ids: &[i64],
    unsubscribe_all: bool,
) -> AppResult<()> {
    let s = check(state, token).await?;
    let txn = begin_write(&state.db).await?;
    contacts::get_live_in(&txn, s.contact_id, "token").await?;
    let scope = interests::public_ids(&txn).await?;
    let wanted: Vec<i64> = interest_ids
        .iter()
        .copied()
        .filter(|i| scope.contains(i))
        .collect();
    let change = Change {
        scope: &scope,
        interests: Some(&wanted),
        opt_out_all: Some(unsubscribe_all),
    };
    let p = provenance(state, ConsentSource::PreferencesPage, s);
    consent::apply(&txn, s.contact_id, change, &p).await?;
    txn.commit().await?;
    Ok(())
}

/// RFC 8058 one-click: no bulk mail any more (transactional mail still goes).
pub async fn one_click(state: &AppState, token: &str) -> AppResult<()> {
    let s = check(state, token).await?;
    let txn = begin_write(&state.db).await?;
    contacts::get_live_in(&txn, s.contact_id, "token").await?;
    let change = Change {
        scope: &[],
        interests: None,
        opt_out_all: Some(true),
    };
    let p = provenance(state, ConsentSource::OneClick, s);
    consent::apply(&txn, s.contact_id, change, &p).await?;
    txn.commit().await?;
    Ok(())
}
