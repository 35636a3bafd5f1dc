//! Our own small pool of lettre SMTP connections.
//!
//! Why not lettre's pool: lettre 0.11 (up to 0.11.23) sends a message's body and the closing
//! `.` line in two writes on a socket with Nagle's algorithm on, so the five-byte second write
//! waits for the server's delayed ACK (40 ms on Linux) on every message: about 22 messages a
//! second per connection, measured with `benches/mail.rs` (upstream fixed it after 0.11.23 by
//! setting TCP_NODELAY). Here each SMTP step is one write followed by the reply, so nothing ever
//! waits on an ACK, with plain SMTP, STARTTLS and TLS alike. Connecting, TLS and AUTH stay
//! lettre's.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use lettre::Address;
use lettre::transport::smtp::Error;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};

/// Idle connections kept for reuse (deliver-mail sends at most 8 at once).
const MAX_IDLE: usize = 16;
/// An idle connection older than this is checked with NOOP before use…
const CHECK_AFTER: Duration = Duration::from_secs(5);
/// …and one older than this is closed rather than reused (servers drop idle clients).
const DROP_AFTER: Duration = Duration::from_secs(60);

/// How the connection is secured.
pub enum Security {
    Plain,
    StartTls(TlsParameters),
    Tls(TlsParameters),
}

pub struct SmtpPool {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub credentials: Option<Credentials>,
    pub connect_timeout: Duration,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

/// The message after DATA with dot-stuffing (RFC 5321 4.5.2) and the closing line, so it goes out
/// in one write.
struct Body(String);

impl std::fmt::Display for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn body(message: &[u8]) -> Option<Body> {
    let text = std::str::from_utf8(message).ok()?;
    let mut out = String::with_capacity(text.len() + 16);
    if text.starts_with('.') {
        out.push('.');
    }
    out.push_str(&text.replace("\n.", "\n.."));
    out.push_str("\r\n.\r\n");
    Some(Body(out))
}

impl SmtpPool {
    pub fn new(
        host: String,
        port: u16,
        security: Security,
        credentials: Option<Credentials>,
        connect_timeout: Duration,
    ) -> Self {
        Self {
            host,
            port,
            security,
            credentials,
            connect_timeout,
            idle: Mutex::new(Vec::new()),
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, Error> {
        let hello = ClientId::default();
        let implicit = match &self.security {
            Security::Tls(p) => Some(p.clone()),
            _ => None,
        };
        let server = (self.host.as_str(), self.port);
        let mut conn = AsyncSmtpConnection::connect_tokio1(
            server,
            Some(self.connect_timeout),
            &hello,
            implicit,
            None,
        )
        .await?;
        if let Security::StartTls(p) = &self.security {
            conn.starttls(p.clone(), &hello).await?;
        }
        if let Some(c) = &self.credentials {
            conn.auth(DEFAULT_MECHANISMS, c).await?;
        }
        Ok(conn)
    }

    /// A pooled connection that still answers, or a new one.
    async fn take(&self) -> Result<AsyncSmtpConnection, Error> {
        loop {
            let next = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            let Some((mut conn, since)) = next else {
                return self.connect().await;
            };
            let idle = since.elapsed();
            if idle < CHECK_AFTER || (idle < DROP_AFTER && conn.test_connected().await) {
                return Ok(conn);
            }
            conn.abort().await;
        }
    }

    /// Sends one message (the envelope's sender and recipients, the formatted bytes). A
    /// connection goes back to the pool only after a successful send: lettre closes it on error.
    pub async fn send(
        &self,
        from: Option<Address>,
        to: &[Address],
        message: &[u8],
    ) -> Result<(), Error> {
        let mut conn = self.take().await?;
        let mut params = Vec::new();
        if !message.is_ascii() {
            params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        if from
            .iter()
            .chain(to)
            .any(|a: &Address| !AsRef::<str>::as_ref(a).is_ascii())
        {
            params.push(MailParameter::SmtpUtfEight);
        }
        conn.command(Mail::new(from, params)).await?;
        for rcpt in to {
            conn.command(Rcpt::new(rcpt.clone(), vec![])).await?;
        }
        conn.command(Data).await?;
        match body(message) {
            Some(b) => conn.command(b).await?,
            None => conn.message(message).await?,
        };
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE && !conn.has_broken() {
            idle.push((conn, Instant::now()));
        }
        Ok(())
    }

    /// Closes the idle connections (a timed-out send leaves nothing behind: its connection is
    /// dropped with the cancelled future).
    pub fn clear(&self) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_dot_stuffed_and_closed_in_one_piece() {
        let b = body(b".top\r\nline\r\n.dot\r\n..two").unwrap();
        assert_eq!(b.0, "..top\r\nline\r\n..dot\r\n...two\r\n.\r\n");
        assert!(
            body(&[0xff, 0xfe]).is_none(),
            "not UTF-8: lettre's own writer"
        );
    }
}
