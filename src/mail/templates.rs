//! Email templates: loading, rendering and checking admin overrides.
//!
//! Layout of a template folder (`email-templates/` at the repository root):
//! - `<key>/subject.hbs`, `<key>/body.txt.hbs`, `<key>/body.html.hbs` for every message key;
//! - `partials/<name>.html.hbs` (HTML only), `partials/<name>.txt.hbs` (text only) and
//!   `partials/<name>.hbs` (both), used as `{{> name}}` or `{{#> name}}…{{/name}}`.
//!
//! Two registries are kept because handlebars escaping is per registry: the HTML bodies are
//! HTML-escaped as usual, while subjects and text bodies use `no_escape` (a text part or a
//! mail header showing `O&#x27;Brien &amp; Sons` would be wrong). Each registry gets every
//! partial so an admin override can use any of them; when a name exists as both `.html.hbs` and
//! `.txt.hbs`, each registry gets its own variant.
//!
//! Strict mode in handlebars-rust 6.4, as found by experiment (see the tests):
//! - `{{a.b}}` where `b` is absent fails; where `b` is present and null it renders "".
//! - `{{a.b}}` where `a` is null fails too (the path does not resolve), so templates must guard
//!   optional objects with `{{#if a}}` before reaching into them (with our strict `if` below,
//!   `{{#if a.b}}` on a null `a` fails as well: test the object, not the field).
//! - The built-in `{{#if x}}`/`{{#unless x}}` do NOT check strictness: a misspelled `x` is
//!   silently false. We therefore replace `if`/`unless` with strict versions (see
//!   `helpers.rs`): an absent name fails, a null or empty value is simply false.
//! - `{{#with}}`, `{{#each}}`, `lookup` and the comparison helpers (`eq`, …) already fail on an
//!   absent name. Custom helpers see an absent parameter as null unless they check
//!   `is_value_missing()`, which ours do.
//! - Hash values of a partial call (`{{> p value=x.y}}`) are NOT checked: a misspelled `x.y`
//!   renders as "", and every such call copies the whole context. The shipped templates therefore
//!   use the `detail` and `button` helpers (`blocks.rs`), whose parameters are checked.
//! - A partial block naming a partial that does not exist (`{{#> layuot}}`) silently renders its
//!   body without the layout, while `{{> missing}}` fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use handlebars::Handlebars;
use serde_json::{Value, json};

use super::helpers;

mod sources;
#[cfg(test)]
mod tests;

use sources::Sources;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read email template {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("email template folder {} has no message {key:?} (expected {key}/subject.hbs, body.txt.hbs, body.html.hbs)", dir.display())]
    MissingMessage { dir: PathBuf, key: String },
    #[error("email template {name} does not compile: {source}")]
    Compile {
        name: String,
        source: handlebars::TemplateError,
    },
    #[error("email template {name} failed to render: {source}")]
    Render {
        name: String,
        source: handlebars::RenderError,
    },
    #[error("no email template for message {0:?}")]
    UnknownMessage(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Clone, Debug)]
pub struct Templates {
    /// HTML bodies, HTML-escaped.
    html: Handlebars<'static>,
    /// Subjects and text bodies, not escaped.
    text: Handlebars<'static>,
    keys: Vec<String>,
    /// Message key → [subject, text body, HTML body] sources, for admins to read and copy.
    sources: BTreeMap<String, [String; 3]>,
}

impl Templates {
    /// Loads templates from `dir` when it is given and exists, else the embedded copies.
    /// A folder must provide every shipped message key; it may add more.
    pub fn load(dir: Option<&Path>) -> Result<Templates, TemplateError> {
        let sources = match dir {
            Some(dir) if dir.is_dir() => {
                tracing::info!(dir = %dir.display(), "loading email templates");
                sources::from_dir(dir)?
            }
            other => {
                if let Some(dir) = other {
                    tracing::info!(dir = %dir.display(), "email template folder not found; using the built-in templates");
                }
                sources::embedded()
            }
        };
        Self::compile(sources)
    }

    fn compile(sources: Sources) -> Result<Templates, TemplateError> {
        let mut html = new_registry(handlebars::html_escape);
        let mut text = new_registry(handlebars::no_escape);

        // name -> [html-only, text-only, shared] sources.
        let mut partials: BTreeMap<&str, [Option<&str>; 3]> = BTreeMap::new();
        for (file, src) in &sources.partials {
            let stem = file.trim_end_matches(".hbs");
            let (name, slot) = if let Some(n) = stem.strip_suffix(".html") {
                (n, 0)
            } else if let Some(n) = stem.strip_suffix(".txt") {
                (n, 1)
            } else {
                (stem, 2)
            };
            partials.entry(name).or_default()[slot] = Some(src);
        }
        for (name, [h, t, both]) in partials {
            if let Some(src) = h.or(both).or(t) {
                register(&mut html, name, src, true)?;
            }
            if let Some(src) = t.or(both).or(h) {
                register(&mut text, name, src, true)?;
            }
        }

        for (key, [subject, body_txt, body_html]) in &sources.messages {
            register(&mut text, &format!("{key}/subject"), subject, false)?;
            register(&mut text, &format!("{key}/body.txt"), body_txt, false)?;
            register(&mut html, &format!("{key}/body.html"), body_html, false)?;
        }
        Ok(Templates {
            html,
            text,
            keys: sources.messages.keys().cloned().collect(),
            sources: sources.messages,
        })
    }

    /// The sources of message `key`: [subject, text body, HTML body].
    pub fn source(&self, key: &str) -> Option<&[String; 3]> {
        self.sources.get(key)
    }

    /// A copy in which the given messages (key, [subject, text, html]) replace or add to the loaded
    /// ones: admins' overrides, compiled once for a batch of messages.
    pub fn with_overrides<'a>(
        &self,
        overrides: impl IntoIterator<Item = (&'a str, [&'a str; 3])>,
    ) -> Result<Templates, TemplateError> {
        let mut out = self.clone();
        for (key, [subject, text, html]) in overrides {
            register(&mut out.text, &format!("{key}/subject"), subject, false)?;
            register(&mut out.text, &format!("{key}/body.txt"), text, false)?;
            register(&mut out.html, &format!("{key}/body.html"), html, false)?;
            if !out.keys.iter().any(|k| k == key) {
                out.keys.push(key.to_string());
                out.keys.sort();
            }
            out.sources.insert(
                key.to_string(),
                [subject.to_string(), text.to_string(), html.to_string()],
            );
        }
        Ok(out)
    }

    /// Message keys available, sorted.
    pub fn keys(&self) -> Vec<String> {
        self.keys.clone()
    }

    /// Renders the three parts of message `key`.
    pub fn render(&self, key: &str, ctx: &Value) -> Result<Rendered, TemplateError> {
        self.render_owned(key, ctx.clone())
    }

    /// Renders the three parts of message `key` from a context it may keep (no copy: bulk
    /// rendering builds a context per message anyway).
    pub fn render_owned(&self, key: &str, ctx: Value) -> Result<Rendered, TemplateError> {
        if !self.keys.iter().any(|k| k == key) {
            return Err(TemplateError::UnknownMessage(key.to_string()));
        }
        // One context for the three parts: `Handlebars::render` would copy the whole JSON context
        // into a fresh one for each part, which showed up as a large share of bulk rendering.
        let context = handlebars::Context::from(ctx);
        let render = |reg: &Handlebars<'static>, part: &str| {
            let name = format!("{key}/{part}");
            reg.render_with_context(&name, &context)
                .map_err(|source| TemplateError::Render { name, source })
        };
        Ok(Rendered {
            subject: one_line(&render(&self.text, "subject")?),
            text: tidy_text(&render(&self.text, "body.txt")?),
            html: render(&self.html, "body.html")?,
        })
    }

    /// Renders ad-hoc sources (admin overrides) with the same helpers, partials and strictness.
    pub fn render_source(
        &self,
        subject: &str,
        text: &str,
        html: &str,
        ctx: &Value,
    ) -> Result<Rendered, TemplateError> {
        let render = |reg: &Handlebars<'static>, name: &str, src: &str| {
            reg.render_template(src, ctx)
                .map_err(|source| TemplateError::Render {
                    name: name.to_string(),
                    source,
                })
        };
        Ok(Rendered {
            subject: one_line(&render(&self.text, "override/subject", subject)?),
            text: tidy_text(&render(&self.text, "override/body.txt", text)?),
            html: render(&self.html, "override/body.html", html)?,
        })
    }

    /// Checks an admin override before it is stored: it must compile, and it must render against
    /// `sample_context()` (where every key is non-null), which also rejects misspelled variable
    /// names and unknown helpers or partials. Returns handlebars' error message.
    pub fn check_source(&self, src: &str) -> Result<(), String> {
        handlebars::Template::compile(src).map_err(|e| e.to_string())?;
        self.html
            .render_template(src, &sample_context())
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

fn new_registry(escape: fn(&str) -> String) -> Handlebars<'static> {
    let mut reg = Handlebars::new();
    reg.set_strict_mode(true);
    reg.register_escape_fn(escape);
    helpers::register(&mut reg);
    reg
}

/// Registers a message part (`welcome/subject`) or a partial (`layout`, reported as
/// `partials/layout`).
fn register(
    reg: &mut Handlebars<'static>,
    name: &str,
    src: &str,
    partial: bool,
) -> Result<(), TemplateError> {
    let result = if partial {
        reg.register_partial(name, src)
    } else {
        reg.register_template_string(name, src)
    };
    result.map_err(|source| TemplateError::Compile {
        name: if partial {
            format!("partials/{name}")
        } else {
            name.to_string()
        },
        source,
    })
}

/// Mail headers are a single line: trim and collapse every run of whitespace, newlines included.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text bodies: no leading blank lines, exactly one trailing newline.
fn tidy_text(s: &str) -> String {
    let mut out = s.trim_start_matches(['\r', '\n']).trim_end().to_string();
    out.push('\n');
    out
}

/// A context with every key non-null, for tests and template previews.
pub fn sample_context() -> Value {
    json!({
        "contact": {
            "id": "12", "displayName": "Jane Doe", "firstName": "Jane", "lastName": "Doe",
            "email": "jane@example.org", "language": "en"
        },
        "membership": {
            "id": "5", "typeName": "Individual", "status": "Current", "joinDate": "2024-03-15",
            "startDate": "2024-03-15", "endDate": "2025-03-14",
            "fee": { "amount": "50.00", "currency": "USD" }
        },
        "organization": {
            "name": "Friends of the Park", "address": "1 Park Lane, Springfield",
            "email": "office@example.org", "website": "https://park.example.org"
        },
        "links": {
            "renewal": "https://members.example.org/renew?membership=5",
            "portal": "https://members.example.org/"
        },
        "asLetter": false,
        "reminder": { "name": "Renewal 30 days before", "daysUntilEnd": 30 },
        "reset": {
            "url": "https://members.example.org/reset-password?token=abc123",
            "expiresInMinutes": 60
        },
        "invitation": {
            "url": "https://members.example.org/accept-invitation?token=def456",
            "expiresInDays": 7
        },
        "verification": {
            "url": "https://members.example.org/verify-email?token=ghi789",
            "expiresInDays": 7
        },
        "contribution": {
            "id": "9", "receiptNumber": "2026-000009", "amount": "25.00", "currency": "EUR",
            "receivedDate": "2026-01-10", "financialType": "Donation", "isDeductible": true,
            "deductibleStatement": "No goods or services were provided in exchange for this gift.",
            "paymentInstrument": "CARD", "transactionId": "txn_1", "campaign": "Spring appeal",
            "tribute": { "kind": "IN_MEMORY_OF", "name": "John Doe" }
        },
        "tribute": { "kind": "IN_MEMORY_OF", "name": "John Doe", "donorName": "Mary Major" },
        "signup": { "hasLogin": true, "invitationSent": false },
        "event": {
            "id": "3", "title": "Spring picnic", "description": "Bring a blanket.",
            "startsAt": "2026-05-02 11:00 UTC", "endsAt": "2026-05-02 15:00 UTC",
            "timezone": "Europe/Paris", "location": "Park pavilion, 1 Park Lane",
            "onlineUrl": "https://meet.example.org/picnic", "isCancelled": false,
            "cancelReason": "Storm warning"
        },
        "registration": {
            "id": "12", "status": "REGISTERED", "ticket": "Member", "guests": 1,
            "amount": "20.00", "currency": "USD", "reference": "2026-000077",
            "payBy": "2026-04-30 11:00 UTC", "instructions": "Pay by bank transfer, quoting the reference.",
            "checkInCode": "k3y-c0de", "calendarUrl": "https://members.example.org/events/registration/12.ics?token=t0k",
            "isWaitlisted": false, "isAwaitingApproval": false, "isPendingPayment": false,
            "isRegistered": true, "eventCancelled": false, "reason": "Moved abroad"
        },
        "failure": {
            "reason": "Your card was declined. (card_declined)", "attempt": 1, "isFinal": false,
            "nextAttempt": "2026-12-04", "updateUrl": "https://members.example.org/"
        },
        "payment": {
            "isSignup": true, "dues": "40.00",
            "donation": { "amount": "10.00", "currency": "USD", "reference": "2026-000043" },
            "separateDonation": false,
            "amount": "50.00", "currency": "USD", "reference": "2026-000042",
            "instructions": "Pay by bank transfer to IBAN XX00 0000, quoting the reference."
        },
        "statement": {
            "year": 2025,
            "gifts": [{
                "receivedDate": "2025-03-01", "amount": "25.00", "currency": "EUR",
                "financialType": "Donation", "isDeductible": true, "receiptNumber": "2025-000009"
            }],
            "totals": [{ "currency": "EUR", "amount": "25.00", "deductible": "25.00" }],
            "deductibleStatement": "No goods or services were provided in exchange for these gifts."
        }
    })
}
