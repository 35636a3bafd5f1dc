//! Setting values that are parsed while the configuration is read, so a bad one stops start-up with
//! a message naming its key (figment adds the key to the error), not later at first use.

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use lettre::message::Mailbox;
use serde::de::{Deserialize, Deserializer, Error as _};
use tracing_subscriber::EnvFilter;

use crate::domain::money::Currency;

/// Deserializes any `FromStr` value from a string, keeping its parse error as the message.
fn parse_text<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    String::deserialize(d)?.parse().map_err(D::Error::custom)
}

/// Implements `Deserialize` (from a string, through `FromStr`) for a value type of this module.
macro_rules! deserialize_from_str {
    ($($ty:ty),*) => {$(
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                parse_text(d)
            }
        }
    )*};
}
deserialize_from_str!(PublicUrl, SmtpUrl, LogFilter);

/// `server.public_url`: an absolute `http://` or `https://` URL, the base of links in emails.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicUrl {
    text: String,
    host: String,
}

impl PublicUrl {
    /// The host name or address (an IPv6 one in brackets), e.g. for Message-IDs.
    pub fn host(&self) -> &str {
        &self.host
    }
}

impl FromStr for PublicUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let expected = || {
            format!("`{s}` is not an http:// or https:// URL such as https://members.example.org")
        };
        let url = url::Url::parse(s.trim()).map_err(|e| format!("{} ({e})", expected()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(expected());
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "`{s}` must not have a ?query or #fragment: links are appended to it"
            ));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(expected)?;
        Ok(Self {
            host: host.to_string(),
            text: s.trim().to_string(),
        })
    }
}

/// The URL as configured (links are built by appending a path to it).
impl Deref for PublicUrl {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.text, f)
    }
}

/// `mail.smtp_url`: `smtp://[user[:password]@]host[:port][/]`. It may hold a password, so it has no
/// `Display` and its `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl(String);

impl SmtpUrl {
    /// The URL, credentials included: for the mail transport only, never for a log line.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for SmtpUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        // The message shows the URL with its password hidden: it ends up in a terminal or a log.
        let shown = redact_url(s);
        let expected = || {
            format!(
                "`{shown}` is not an SMTP URL such as smtp://user:password@mail.example.org:587"
            )
        };
        let url = url::Url::parse(s.trim()).map_err(|e| format!("{} ({e})", expected()))?;
        if url.scheme() != "smtp" || url.host_str().is_none_or(str::is_empty) {
            return Err(expected());
        }
        if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "`{shown}`: nothing may follow host:port (TLS is set by mail.smtp_tls)"
            ));
        }
        Ok(Self(s.trim().to_string()))
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&redact_url(&self.0), f)
    }
}

/// `log.level`: a `tracing` filter such as `info` or `tessera=debug,info`, checked when read (an
/// unparsable one used to fall back to `info` without a word).
#[derive(Clone, PartialEq, Eq)]
pub struct LogFilter(String);

impl LogFilter {
    /// The filter to install.
    pub fn to_filter(&self) -> EnvFilter {
        EnvFilter::try_new(&self.0).unwrap_or_else(|_| EnvFilter::new("info"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for LogFilter {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        EnvFilter::try_new(s).map_err(|e| {
            format!("`{s}` is not a tracing filter such as `info` or `tessera=debug,info` ({e})")
        })?;
        Ok(Self(s.to_string()))
    }
}

impl fmt::Debug for LogFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// Parses a mail address such as `Friends of the Park <members@example.org>`. The address must
/// also be writable back into a header, which is how it reaches the mail transport.
pub fn parse_mailbox(s: &str) -> Result<Mailbox, String> {
    let mailbox: Mailbox = s.trim().parse().map_err(|e| {
        format!("`{s}` is not a mail address such as `Tessera <members@example.org>` ({e})")
    })?;
    let mut header = String::new();
    fmt::Write::write_fmt(&mut header, format_args!("{mailbox}"))
        .map_err(|_| format!("`{s}` cannot be written in a mail header"))?;
    Ok(mailbox)
}

/// `mail.from`.
pub fn mailbox<'de, D: Deserializer<'de>>(d: D) -> Result<Mailbox, D::Error> {
    parse_mailbox(&String::deserialize(d)?).map_err(D::Error::custom)
}

/// `mail.reply_to`: empty for none.
pub fn optional_mailbox<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Mailbox>, D::Error> {
    let s = String::deserialize(d)?;
    match s.trim() {
        "" => Ok(None),
        _ => parse_mailbox(&s).map(Some).map_err(D::Error::custom),
    }
}

/// `organization.default_currency`: an ISO 4217 code.
pub fn currency<'de, D: Deserializer<'de>>(d: D) -> Result<Currency, D::Error> {
    let s = String::deserialize(d)?;
    Currency::parse(&s, "organization.default_currency").map_err(|e| D::Error::custom(e.message))
}

/// Replaces the password of a `scheme://user:password@host` URL with `***`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
