//! Mailing templates: handlebars, strict, compiled and rendered against a sample before they are
//! saved. A mailing sees a fixed context — the recipient's names and address, the organisation,
//! its own links — and nothing else: no notes, ids of records, tokens or settings can reach a body.

use serde_json::{Value, json};

use super::links;
use crate::domain::contact::Contact;
use crate::error::{AppError, AppResult};
use crate::mail::{Rendered, Templates};
use crate::state::AppState;

/// The key a mailing's templates are compiled under.
fn key(id: i64) -> String {
    format!("mailing-{id}")
}

/// A mailing's three templates, compiled once for a batch of recipients.
pub struct Compiled {
    templates: Templates,
    key: String,
}

/// Compiles the templates (errors name the field).
pub fn compile(
    state: &AppState,
    id: i64,
    subject: &str,
    text: &str,
    html: &str,
) -> AppResult<Compiled> {
    let key = key(id);
    for (src, field) in [(subject, "subject"), (text, "textBody"), (html, "htmlBody")] {
        handlebars::Template::compile(src)
            .map_err(|e| AppError::bad_input(field, format!("does not compile: {e}")))?;
    }
    let templates = state
        .templates
        .with_overrides([(key.as_str(), [subject, text, html])])
        .map_err(|e| AppError::bad_input("textBody", e.to_string()))?;
    Ok(Compiled { templates, key })
}

impl Compiled {
    pub fn render(&self, ctx: Value) -> AppResult<Rendered> {
        self.templates
            .render_owned(&self.key, ctx)
            .map_err(|e| AppError::internal(format!("mailing {}: {e}", self.key)))
    }
}

/// What a mailing body may use for one recipient.
pub fn context(state: &AppState, c: &Contact, subject: &str) -> Value {
    let o = &state.settings.organization;
    json!({
        "contact": {
            "displayName": c.display_name,
            "firstName": c.first_name,
            "lastName": c.last_name,
            "email": c.email,
        },
        "organization": {
            "name": o.name, "address": o.address, "email": o.email, "website": o.website,
        },
        "mailing": { "subject": subject },
        "links": { "unsubscribe": links::shown_url(state), "preferences": links::shown_url(state) },
    })
}

/// The context with every field filled, to check templates before they are saved.
fn sample(state: &AppState) -> Value {
    let o = &state.settings.organization;
    json!({
        "contact": { "displayName": "Jane Doe", "firstName": "Jane", "lastName": "Doe", "email": "jane@example.org" },
        "organization": { "name": o.name, "address": o.address, "email": o.email, "website": o.website },
        "mailing": { "subject": "Our news" },
        "links": { "unsubscribe": links::shown_url(state), "preferences": links::shown_url(state) },
    })
}

/// Compiles and renders the templates against the sample recipient: an unknown variable, helper
/// or partial is refused here, naming the field, rather than failing at send time.
pub fn check(state: &AppState, subject: &str, text: &str, html: &str) -> AppResult<()> {
    crate::domain::segment::check_content(subject, text, html)?;
    let compiled = compile(state, 0, subject, text, html)?;
    let ctx = sample(state);
    let parts = [
        (subject, "subject", false),
        (text, "textBody", false),
        (html, "htmlBody", true),
    ];
    for (src, field, is_html) in parts {
        let (s, t, h) = if is_html {
            ("x", "x", src)
        } else if field == "subject" {
            (src, "x", "x")
        } else {
            ("x", src, "x")
        };
        compiled
            .templates
            .render_source(s, t, h, &ctx)
            .map_err(|e| AppError::bad_input(field, e.to_string()))?;
    }
    Ok(())
}
