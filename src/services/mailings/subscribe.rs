//! Double opt-in for anonymous newsletter sign-ups: `subscribe(email, interestIds)` only mails a
//! confirmation link (it answers the same whether or not the address is known, and writes nothing
//! else); opening the link subscribes the address — a new contact when it is unknown — with a
//! consent record (source SUBSCRIBE_FORM). Requests count against the client address's hourly
//! sign-up limit, and one address gets at most one confirmation message per ten minutes.

use chrono::Duration;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::db::begin_write;
use crate::db::columns::JsonText;
use crate::db::entities::contact;
use crate::db::entities::segments::subscription_request as request;
use crate::domain::contact::ContactFields;
use crate::domain::email::EmailAddress;
use crate::domain::segment::ConsentSource;
use crate::error::{AppError, AppResult};
use crate::mail::context;
use crate::mail::outbox::{self, OneTimeLink, Renderer};
use crate::services::auth::tokens::{new_token, token_digest};
use crate::services::segments::consent::{self, Change, Provenance};
use crate::services::segments::interests;
use crate::services::{Actor, contacts};
use crate::state::AppState;

pub const TEMPLATE: &str = "subscribe-confirm";
const PATH: &str = "mail/subscribe/confirm";

/// Asks for a confirmation link to be mailed to `email` for the chosen public interests.
#[tracing::instrument(skip(state, email, interest_ids))]
pub async fn request(
    state: &AppState,
    client_ip: &str,
    email: &str,
    interest_ids: &[i64],
) -> AppResult<()> {
    let email = EmailAddress::parse(email, "email")?;
    let email = email.as_str().to_lowercase();
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let ids = interests::check_ids(&txn, interest_ids, "interestIds", true).await?;
    if ids.is_empty() {
        return Err(AppError::bad_input(
            "interestIds",
            "choose at least one interest",
        ));
    }
    crate::services::signup::count_attempt(state, &txn, client_ip).await?;
    crate::db::lock_subject(&txn, "subscribe", &email).await?;
    let recent = request::Entity::find()
        .filter(request::Column::Email.eq(email.clone()))
        .filter(request::Column::CreatedAt.gt(now - Duration::minutes(10)))
        .count(&txn)
        .await?;
    if recent > 0 {
        // Said the same way: the address already has a fresh link.
        txn.commit().await?;
        return Ok(());
    }
    let token = new_token();
    let hours = state.settings.mailings.subscribe_link_hours;
    let created = request::ActiveModel {
        email: Set(email.clone()),
        interest_ids: Set(JsonText(ids)),
        token_sha256: Set(token_digest(&token)),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(hours)),
        confirmed_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let link = OneTimeLink::new(&state.settings.server.public_url, PATH, token);
    let extra = serde_json::json!({
        "verification": { "url": link.url(), "expiresInDays": ((hours + 23) / 24).max(1) }
    });
    let ctx = context::for_login(&state.settings, &email, None, extra);
    let rendered = Renderer::load(&state.templates, &txn, &[TEMPLATE])
        .await?
        .render(TEMPLATE, &ctx)?;
    let key = format!("subscribe.r{}", created.id);
    outbox::enqueue_account_message(&txn, key, TEMPLATE, &email, None, rendered, link, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Confirms a sign-up from its link; returns the contact subscribed.
#[tracing::instrument(skip(state, token))]
pub async fn confirm(state: &AppState, token: &str) -> AppResult<i64> {
    let now = state.clock.now();
    let bad = || AppError::bad_input("token", "this link is not valid or has expired");
    let txn = begin_write(&state.db).await?;
    let r = request::Entity::find()
        .filter(request::Column::TokenSha256.eq(token_digest(token.trim())))
        .one(&txn)
        .await?
        .ok_or_else(bad)?;
    if r.confirmed_at.is_some() || r.expires_at <= now {
        return Err(bad());
    }
    // Two confirmations at once (the link opened twice, or two sign-ups of one address): one
    // finds or creates the contact while the other waits, and a link is used once — claimed by a
    // conditional update, so the second sees it used instead of failing on the new contact.
    crate::db::lock_subject(&txn, "signup-email", &r.email).await?;
    let claimed = request::Entity::update_many()
        .col_expr(
            request::Column::ConfirmedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .filter(request::Column::Id.eq(r.id))
        .filter(request::Column::ConfirmedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(bad());
    }
    let existing = contact::Entity::find()
        .filter(contact::Column::Email.eq(r.email.clone()))
        .filter(contact::Column::DeletedAt.is_null())
        .one(&txn)
        .await?;
    let contact_id = match existing {
        Some(c) => c.id,
        None => {
            let local = r
                .email
                .split('@')
                .next()
                .unwrap_or("subscriber")
                .to_string();
            let fields = ContactFields {
                last_name: Some(local),
                email: Some(r.email.clone()),
                ..Default::default()
            };
            let draft = crate::domain::contact::ContactDraft::parse(fields, state.clock.today())?;
            contacts::insert_draft(&txn, draft, now).await?.id
        }
    };
    // Interests that stopped being offered since are left out.
    let public = interests::public_ids(&txn).await?;
    let mut wanted = consent::interests_of(&txn, contact_id).await?;
    wanted.extend(r.interest_ids.0.iter().filter(|i| public.contains(i)));
    let p = Provenance {
        source: ConsentSource::SubscribeForm,
        wording_version: state.settings.mailings.consent_wording_version.clone(),
        actor: Actor::Anonymous,
        mailing_id: None,
        at: now,
    };
    let change = Change {
        scope: &public,
        interests: Some(&wanted),
        opt_out_all: Some(false),
    };
    consent::apply(&txn, contact_id, change, &p).await?;
    txn.commit().await?;
    Ok(contact_id)
}
