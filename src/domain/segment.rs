//! Segments and mailings (issue 19): the codes stored for tags, groups, consent, mailings and their
//! recipients, and the pure checks on what staff type in (tag colours, mailing templates).

use chrono::{DateTime, Utc};

use super::FieldError;

coded_enum! {
    /// Where a mailing is in its life.
    pub enum MailingStatus as "mailing status" {
        /// Being written; nothing is sent.
        Draft = "DRAFT",
        /// Waiting for its scheduled time.
        Scheduled = "SCHEDULED",
        /// Its audience is resolved and its messages are being queued.
        Sending = "SENDING",
        /// Every recipient's message is queued (the `deliver-mail` job sends them).
        Sent = "SENT",
        /// Stopped: recipients not queued yet get nothing.
        Cancelled = "CANCELLED",
    }
}

coded_enum! {
    /// One contact in a mailing's audience snapshot.
    pub enum RecipientStatus as "mailing recipient status" {
        /// In the snapshot, message not queued yet.
        Pending = "PENDING",
        /// Its message is in the outbox.
        Queued = "QUEUED",
        /// Left out when the snapshot was taken (the reason is kept).
        Skipped = "SKIPPED",
        /// The mailing was cancelled before its message was queued.
        Cancelled = "CANCELLED",
        /// The message could not be rendered for this contact (the reason is kept).
        Failed = "FAILED",
    }
}

coded_enum! {
    /// A consent event.
    pub enum ConsentAction as "consent action" {
        OptIn = "OPT_IN",
        OptOut = "OPT_OUT",
    }
}

coded_enum! {
    /// Where a consent event came from.
    pub enum ConsentSource as "consent source" {
        /// Staff recorded it (`setContactInterests`), e.g. from a paper form or a phone call.
        Staff = "STAFF",
        /// The member chose it in the portal (`updateMyPreferences`).
        MemberPortal = "MEMBER_PORTAL",
        /// The public preferences page reached from a mailing's link.
        PreferencesPage = "PREFERENCES_PAGE",
        /// A mailbox provider's one-click unsubscribe (RFC 8058).
        OneClick = "ONE_CLICK",
        /// An anonymous sign-up confirmed by its email link (double opt-in).
        SubscribeForm = "SUBSCRIBE_FORM",
        /// A spam complaint reported by the email provider.
        Complaint = "COMPLAINT",
    }
}

coded_enum! {
    /// Why an address gets no bulk mail.
    pub enum SuppressionReason as "suppression reason" {
        /// A permanent delivery failure (5xx) or a provider's hard-bounce report.
        Bounce = "BOUNCE",
        /// The recipient marked a message as spam.
        Complaint = "COMPLAINT",
    }
}

coded_enum! {
    /// A change of group membership.
    pub enum GroupChange as "group change" {
        Added = "ADDED",
        Removed = "REMOVED",
    }
}

/// Most ids one bulk call (`tagContacts`, `addToGroup`, …) takes.
pub const MAX_BULK_IDS: usize = 10_000;
/// Largest subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 300;
/// Largest template body (text or HTML), in bytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A tag colour: `#rrggbb`, stored lower-case.
pub fn parse_color(raw: &str, field: &str) -> Result<String, FieldError> {
    let c = raw.trim().to_ascii_lowercase();
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
    if ok {
        Ok(c)
    } else {
        Err(FieldError::new(
            field,
            "a colour is written #rrggbb, e.g. #1f77b4",
        ))
    }
}

/// Checks a list of ids for a bulk call: not empty, at most [`MAX_BULK_IDS`]; returns them sorted
/// without repeats.
pub fn bulk_ids(ids: &[i64], field: &str) -> Result<Vec<i64>, FieldError> {
    if ids.is_empty() {
        return Err(FieldError::new(field, "give at least one id"));
    }
    if ids.len() > MAX_BULK_IDS {
        return Err(FieldError::new(
            field,
            format!("at most {MAX_BULK_IDS} ids at once; split the list"),
        ));
    }
    let mut out = ids.to_vec();
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// The subject and bodies of a mailing as typed: bounded, subject on one line.
/// Whether a handlebars source includes other templates (`{{> x}}`, `{{#> x}}`) or defines or
/// decorates (`{{#*inline}}`, `{{* x}}`): a mailing renders its fixed context alone, and templates
/// including each other could recurse until the stack overflows.
pub fn includes_templates(src: &str) -> bool {
    src.match_indices("{{").any(|(i, _)| {
        let rest =
            src[i + 2..].trim_start_matches(|c: char| c == '{' || c == '~' || c.is_whitespace());
        let rest = rest.strip_prefix('#').unwrap_or(rest).trim_start();
        rest.starts_with('>') || rest.starts_with('*')
    })
}

pub fn check_content(subject: &str, text: &str, html: &str) -> Result<(), FieldError> {
    if subject.trim().is_empty() {
        return Err(FieldError::new("subject", "must not be empty"));
    }
    if subject.chars().count() > MAX_SUBJECT_CHARS {
        return Err(FieldError::new(
            "subject",
            format!("at most {MAX_SUBJECT_CHARS} characters"),
        ));
    }
    if subject.contains(['\r', '\n']) {
        return Err(FieldError::new("subject", "must be one line"));
    }
    for (src, field) in [(subject, "subject"), (text, "textBody"), (html, "htmlBody")] {
        if includes_templates(src) {
            return Err(FieldError::new(
                field,
                "partials, inline partials and decorators are not allowed in a mailing",
            ));
        }
    }
    for (body, field) in [(text, "textBody"), (html, "htmlBody")] {
        if body.trim().is_empty() {
            return Err(FieldError::new(field, "must not be empty"));
        }
        if body.len() > MAX_BODY_BYTES {
            return Err(FieldError::new(
                field,
                format!("at most {} KiB", MAX_BODY_BYTES / 1024),
            ));
        }
    }
    Ok(())
}

/// When a scheduled mailing may be scheduled: in the future, within a year.
pub fn check_schedule(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), FieldError> {
    if at <= now {
        return Err(FieldError::new("scheduledAt", "must be in the future"));
    }
    if at > now + chrono::Duration::days(366) {
        return Err(FieldError::new("scheduledAt", "must be within a year"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailings_cannot_include_other_templates() {
        for src in [
            "{{> layout}}",
            "{{~> mailing-0/subject}}",
            "{{#> layout}}x{{/layout}}",
            "a {{ #>  x}}",
            "{{#*inline \"p\"}}{{> p}}{{/inline}}",
            "{{*decorator}}",
            "{{{> raw}}}",
        ] {
            assert!(includes_templates(src), "{src}");
            assert_eq!(
                check_content("Hi", src, "<p>x</p>").unwrap_err().field,
                "textBody",
                "{src}"
            );
        }
        for src in [
            "Dear {{contact.firstName}}",
            "{{#if x}}a > b{{/if}}",
            "a {{!-- > --}}",
        ] {
            assert!(!includes_templates(src), "{src}");
        }
    }

    #[test]
    fn colours_ids_and_content() {
        for (name, raw, ok) in [
            ("hex", "#1F77b4", Some("#1f77b4")),
            ("no hash", "1f77b4", None),
            ("short", "#fff", None),
            ("not hex", "#12345g", None),
        ] {
            assert_eq!(parse_color(raw, "color").ok().as_deref(), ok, "{name}");
        }
        assert_eq!(bulk_ids(&[3, 1, 3], "ids").unwrap(), vec![1, 3]);
        assert!(bulk_ids(&[], "ids").is_err());
        assert!(bulk_ids(&vec![1; MAX_BULK_IDS + 1], "ids").is_err());
        assert!(check_content("Hi", "t", "h").is_ok());
        assert_eq!(
            check_content("a\nb", "t", "h").unwrap_err().field,
            "subject"
        );
        let big = "x".repeat(MAX_BODY_BYTES + 1);
        assert_eq!(check_content("s", "t", &big).unwrap_err().field, "htmlBody");
        let now = Utc::now();
        assert!(check_schedule(now, now).is_err());
        assert!(check_schedule(now + chrono::Duration::hours(1), now).is_ok());
    }
}
