//! The render context of a message (the shape the templates in `email-templates/` use).

use serde_json::{Value, json};

use crate::config::Settings;
use crate::domain::contact::{Contact, ContactKind};
use crate::domain::membership::{Membership, MembershipType};
use crate::domain::money::{Currency, format_minor};

/// A membership with what its templates show.
pub struct MembershipInfo<'a> {
    pub membership: &'a Membership,
    pub membership_type: &'a MembershipType,
    pub status_name: &'a str,
}

fn date(d: Option<chrono::NaiveDate>) -> Value {
    // `Display` of a date is `YYYY-MM-DD`.
    d.map_or(Value::Null, |d| json!(d.to_string()))
}

/// Builds the full context; `extra` fills `reminder`, `reset`, `invitation`, `verification`,
/// `contribution`, `statement`, `tribute`, `payment`, `signup` or `failure`.
pub fn build(
    settings: &Settings,
    c: &Contact,
    m: Option<&MembershipInfo<'_>>,
    extra: Value,
) -> Value {
    let base = settings.server.public_url.trim_end_matches('/');
    let language = c
        .preferred_language
        .clone()
        .unwrap_or_else(|| settings.organization.default_language.clone());
    let membership = m.map_or(Value::Null, |info| {
        let t = info.membership_type;
        let exponent = Currency::parse(&t.currency, "currency").map_or(2, |c| c.exponent());
        json!({
            "id": info.membership.id.to_string(),
            "typeName": t.name,
            "status": info.status_name,
            "joinDate": date(Some(info.membership.join_date)),
            "startDate": date(Some(info.membership.start_date)),
            "endDate": date(info.membership.end_date),
            "fee": { "amount": format_minor(t.minimum_fee_minor, exponent), "currency": t.currency },
        })
    });
    let path = settings.signup.renewal_path.trim_matches('/');
    let renewal = match m {
        Some(info) => format!("{base}/{path}?membership={}", info.membership.id),
        None => format!("{base}/{path}"),
    };
    let mut ctx = json!({
        "contact": {
            "id": c.id.to_string(),
            "displayName": c.display_name,
            "firstName": c.first_name,
            "lastName": c.last_name,
            "email": c.email,
            "language": language,
        },
        "membership": membership,
        "organization": {
            "name": settings.organization.name,
            "address": settings.organization.address,
            "email": settings.organization.email,
            "website": settings.organization.website,
        },
        "links": { "renewal": renewal, "portal": format!("{base}/") },
        // The message will be printed and posted (see `outbox::enqueue`): text parts can say
        // "write to us" instead of "reply to this email".
        "asLetter": settings.mail.letters && c.no_email_reason().is_some() && c.can_post(),
        "reminder": null,
        "reset": null,
        "invitation": null,
        "verification": null,
        "contribution": null,
        "statement": null,
        "tribute": null,
        "payment": null,
        "signup": null,
        "failure": null,
        "event": null,
        "registration": null,
    });
    if let (Value::Object(target), Value::Object(extra)) = (&mut ctx, extra) {
        for (k, v) in extra {
            target.insert(k, v);
        }
    }
    ctx
}

/// The context of an account message to a login that may have no contact record.
pub fn for_login(settings: &Settings, email: &str, c: Option<&Contact>, extra: Value) -> Value {
    // Account messages always go to the login's own address, never by post.
    let mut ctx = match c {
        Some(c) => build(settings, c, None, extra),
        None => {
            let stand_in = Contact {
                id: 0,
                kind: ContactKind::Individual,
                first_name: None,
                last_name: None,
                organization_name: None,
                display_name: email.into(),
                sort_name: email.into(),
                email: Some(email.into()),
                phone: None,
                street: None,
                city: None,
                postal_code: None,
                region: None,
                country: None,
                birth_date: None,
                preferred_language: None,
                do_not_email: false,
                do_not_mail: false,
                is_deceased: false,
                notes: None,
                created_at: chrono::DateTime::UNIX_EPOCH,
                updated_at: chrono::DateTime::UNIX_EPOCH,
                deleted_at: None,
                erased_at: None,
                external_id: None,
            };
            build(settings, &stand_in, None, extra)
        }
    };
    ctx["asLetter"] = Value::Bool(false);
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_renewal_link_goes_to_the_configured_page() {
        let mut settings = Settings::default();
        settings.server.public_url = "https://example.org/".parse().unwrap();
        let ctx = for_login(&settings, "a@example.org", None, json!({}));
        assert_eq!(ctx["links"]["renewal"], "https://example.org/renew");
        settings.signup.renewal_path = "/members/renew-now/".into();
        let ctx = for_login(&settings, "a@example.org", None, json!({}));
        assert_eq!(
            ctx["links"]["renewal"],
            "https://example.org/members/renew-now"
        );
        assert_eq!(ctx["signup"], Value::Null);
    }
}
