//! Delivery of rendered messages: SMTP (pooled, see `smtp_pool`), `.eml` files, or the log.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::TlsParameters;

use smtp_pool::{Security, SmtpPool};

mod smtp_pool;
#[cfg(test)]
mod tests;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Smtp,
    File,
    Log,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tls {
    /// Plain SMTP.
    None,
    /// STARTTLS, required (no silent downgrade).
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
}

#[derive(Clone)]
pub struct TransportConfig {
    pub kind: Kind,
    /// `smtp://[user:pass@]host[:port]`; user and password may be percent-encoded.
    pub smtp_url: String,
    pub tls: Tls,
    /// Overrides the user name in `smtp_url` when not empty.
    pub username: String,
    /// Overrides the password in `smtp_url` when not empty.
    pub password: String,
    /// Bounds connecting, and (times `SEND_TIMEOUT_FACTOR`) a whole SMTP transaction.
    pub timeout_secs: u64,
    pub file_dir: PathBuf,
}

impl std::fmt::Debug for TransportConfig {
    // Hand-written so the password never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportConfig")
            .field("kind", &self.kind)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("timeout_secs", &self.timeout_secs)
            .field("file_dir", &self.file_dir)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMail {
    /// Without angle brackets, e.g. `welcome.m5@tessera`.
    pub message_id: String,
    /// `Name <a@b>` or `a@b`.
    pub from: String,
    /// `None` or a blank string: no Reply-To header.
    pub reply_to: Option<String>,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Bulk mail only: the RFC 8058 one-click unsubscribe URL, sent as `List-Unsubscribe` with
    /// `List-Unsubscribe-Post: List-Unsubscribe=One-Click`. None for transactional mail.
    pub list_unsubscribe: Option<String>,
}

/// `List-Unsubscribe: <url>` (RFC 2369).
#[derive(Clone)]
struct ListUnsubscribe(String);

impl lettre::message::header::Header for ListUnsubscribe {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_string()))
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Clone)]
struct ListUnsubscribePost;

impl lettre::message::header::Header for ListUnsubscribePost {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(
            Self::name(),
            "List-Unsubscribe=One-Click".to_string(),
        )
    }
}

/// A failed delivery. `permanent` means retrying cannot help (bad address, 5xx reply).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

impl SendError {
    fn permanent(message: impl Into<String>) -> Self {
        Self {
            permanent: true,
            message: message.into(),
        }
    }

    fn transient(message: impl Into<String>) -> Self {
        Self {
            permanent: false,
            message: message.into(),
        }
    }
}

/// Builds the RFC 5322 message: multipart/alternative, text part first (clients show the last
/// part they understand, so HTML goes last), with our Message-ID and a Date header.
pub fn build_message(m: &OutgoingMail) -> Result<Message, SendError> {
    let id = m.message_id.as_str();
    if id.is_empty()
        || !id.contains('@')
        || id.contains(|c: char| c.is_whitespace() || "<>".contains(c))
    {
        return Err(SendError::permanent(format!("invalid message id {id:?}")));
    }
    let mailbox = |value: &str, field: &str| {
        value
            .trim()
            .parse::<Mailbox>()
            .map_err(|e| SendError::permanent(format!("invalid {field} address {value:?}: {e}")))
    };
    let mut builder = Message::builder()
        .message_id(Some(format!("<{id}>")))
        .date_now()
        .from(mailbox(&m.from, "from")?)
        .to(mailbox(&m.to, "to")?)
        // Templates already give one line; this guards other callers against header breaks.
        .subject(m.subject.split_whitespace().collect::<Vec<_>>().join(" "));
    if let Some(reply_to) = m.reply_to.as_deref().filter(|r| !r.trim().is_empty()) {
        builder = builder.reply_to(mailbox(reply_to, "reply-to")?);
    }
    if let Some(url) = m.list_unsubscribe.as_deref() {
        if url.contains(['<', '>', '\r', '\n', ' ']) {
            return Err(SendError::permanent("invalid List-Unsubscribe URL"));
        }
        builder = builder
            .header(ListUnsubscribe(url.to_string()))
            .header(ListUnsubscribePost);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            m.text.clone(),
            m.html.clone(),
        ))
        .map_err(|e| SendError::permanent(format!("cannot build message: {e}")))
}

pub struct Transport {
    inner: Inner,
}

impl std::fmt::Debug for Transport {
    // Only the kind: lettre's own Debug output would include the credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.inner {
            Inner::Smtp(_) => Kind::Smtp,
            Inner::File(_) => Kind::File,
            Inner::Log => Kind::Log,
        };
        f.debug_struct("Transport").field("kind", &kind).finish()
    }
}

enum Inner {
    // Boxed: the pool is large and there is one Transport per process.
    Smtp(Box<Smtp>),
    File(PathBuf),
    Log,
}

/// A whole SMTP transaction may take this many times `timeout_secs`: connect, EHLO, possibly
/// STARTTLS and AUTH, MAIL, RCPT, DATA and the message, each normally a quick round trip.
pub const SEND_TIMEOUT_FACTOR: u32 = 3;

/// lettre 0.11's async client only bounds the TCP connect; a server that accepts and then goes
/// quiet would hang a send forever. So we bound the whole transaction ourselves; a cancelled send
/// drops its connection with it, so nothing half-used goes back to the pool.
struct Smtp {
    pool: SmtpPool,
    limit: Duration,
}

impl Smtp {
    async fn send(&self, message: Message) -> Result<(), SendError> {
        let envelope = message.envelope();
        let (from, to) = (envelope.from().cloned(), envelope.to().to_vec());
        let bytes = message.formatted();
        match tokio::time::timeout(self.limit, self.pool.send(from, &to, &bytes)).await {
            // 5xx: the server refused for good. 4xx, refused connections, TLS and protocol
            // trouble may all clear up, so they are retried.
            Ok(result) => result.map_err(|e| SendError {
                permanent: e.is_permanent(),
                message: format!("SMTP: {e}"),
            }),
            Err(_) => {
                // The server may be wedged: start over with fresh connections.
                self.pool.clear();
                Err(SendError::transient(format!(
                    "SMTP: no reply within {} seconds",
                    self.limit.as_secs()
                )))
            }
        }
    }
}

impl Transport {
    /// Builds the transport. The SMTP variant starts lettre's pool task, so this must run inside
    /// the tokio runtime (checked: an error, not a panic). Errors name the bad setting.
    pub fn new(cfg: &TransportConfig) -> Result<Transport, String> {
        let inner = match cfg.kind {
            Kind::Smtp => Inner::Smtp(Box::new(smtp(cfg)?)),
            Kind::File => Inner::File(cfg.file_dir.clone()),
            Kind::Log => Inner::Log,
        };
        Ok(Transport { inner })
    }

    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let message = build_message(mail)?;
        match &self.inner {
            Inner::Smtp(smtp) => smtp.send(message).await,
            Inner::File(dir) => write_eml(dir, &mail.message_id, &message.formatted()).await,
            Inner::Log => {
                tracing::info!(to = %mail.to, subject = %mail.subject, message_id = %mail.message_id,
                    "mail not sent (log transport)");
                Ok(())
            }
        }
    }
}

fn smtp(cfg: &TransportConfig) -> Result<Smtp, String> {
    let url = parse_smtp_url(&cfg.smtp_url).map_err(|e| format!("mail.smtp_url: {e}"))?;
    if cfg.timeout_secs == 0 {
        // lettre would read 0 as "fail at once"; no timeout at all could hang delivery forever.
        return Err("mail.smtp_timeout_secs: must be at least 1".into());
    }
    let pick = |config: &str, from_url: String| match config {
        "" => from_url,
        c => c.to_string(),
    };
    let username = pick(&cfg.username, url.username);
    let password = pick(&cfg.password, url.password);

    let tls =
        |host: &str| TlsParameters::new(host.into()).map_err(|e| format!("mail.smtp_tls: {e}"));
    let (security, default_port) = match cfg.tls {
        Tls::None => (Security::Plain, 25),
        Tls::Starttls => (Security::StartTls(tls(&url.host)?), 587),
        Tls::Tls => (Security::Tls(tls(&url.host)?), 465),
    };
    let credentials = if !username.is_empty() {
        Some(Credentials::new(username, password))
    } else if !password.is_empty() {
        return Err("mail.smtp_username: a password is set but no user name".into());
    } else {
        None
    };
    tokio::runtime::Handle::try_current()
        .map_err(|_| "mail: the SMTP transport must be created inside the tokio runtime")?;
    let timeout = Duration::from_secs(cfg.timeout_secs);
    Ok(Smtp {
        pool: SmtpPool::new(
            url.host,
            url.port.unwrap_or(default_port),
            security,
            credentials,
            timeout,
        ),
        limit: timeout * SEND_TIMEOUT_FACTOR,
    })
}

#[derive(Debug, PartialEq, Eq)]
struct SmtpUrl {
    host: String,
    port: Option<u16>,
    username: String,
    password: String,
}

/// Parses `smtp://[user[:pass]@]host[:port][/]`. Anything else after the host (a path or
/// `?tls=` as lettre's own URL format allows) is rejected rather than silently ignored.
fn parse_smtp_url(url: &str) -> Result<SmtpUrl, String> {
    let rest = url
        .strip_prefix("smtp://")
        .ok_or("expected smtp://[user:pass@]host:port")?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (userinfo, hostport) = match rest.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, rest),
    };
    if hostport.contains(['/', '?', '#']) {
        return Err("expected nothing after host:port".into());
    }
    let (host, port) = match hostport.strip_prefix('[') {
        // IPv6 literal: [::1]:25
        Some(v6) => {
            let (host, after) = v6.split_once(']').ok_or("unclosed [ in host")?;
            (host, after.strip_prefix(':'))
        }
        None => match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        },
    };
    if host.is_empty() {
        return Err("missing host".into());
    }
    let port = port
        .map(|p| p.parse::<u16>().map_err(|_| format!("invalid port {p:?}")))
        .transpose()?;
    let (username, password) = match userinfo.map(|u| u.split_once(':').unwrap_or((u, ""))) {
        Some((u, p)) => (percent_decode(u)?, percent_decode(p)?),
        None => (String::new(), String::new()),
    };
    Ok(SmtpUrl {
        host: host.to_string(),
        port,
        username,
        password,
    })
}

/// Decodes `%XX` escapes, so passwords with `@`, `:` or `/` can be written in the URL.
fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3).ok_or("bad %-escape in credentials")?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| "bad %-escape in credentials")?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "credentials are not UTF-8 after %-decoding".into())
}

/// Writes `<dir>/<id>.eml` via a temporary file and a rename, so a reader of the folder never
/// sees half a message. A retry of the same message overwrites its earlier file.
async fn write_eml(dir: &Path, message_id: &str, bytes: &[u8]) -> Result<(), SendError> {
    let io = |what: &str, path: &Path, e: std::io::Error| {
        SendError::transient(format!("{what} {}: {e}", path.display()))
    };
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| io("cannot create", dir, e))?;
    let name: String = message_id
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' | '@' => c,
            _ => '_',
        })
        .collect();
    let path = dir.join(format!("{name}.eml"));
    let tmp = dir.join(format!(".{name}.eml.tmp"));
    tokio::fs::write(&tmp, bytes)
        .await
        .map_err(|e| io("cannot write", &tmp, e))?;
    tokio::fs::rename(&tmp, &path)
        .await
        .map_err(|e| io("cannot write", &path, e))
}
