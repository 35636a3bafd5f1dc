//! An in-process SMTP server for tests. It speaks just enough ESMTP for lettre (no STARTTLS, no
//! AUTH), records every message it accepts, and can be told to reject mail.
// Each test uses a different subset of these helpers.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SinkMode {
    Accept,
    /// `451` to MAIL FROM.
    RejectTemporary,
    /// `550` to RCPT TO.
    RejectPermanent,
}

#[derive(Clone, Debug)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message as sent after DATA, dot-unstuffed, CRLF line ends.
    pub data: String,
}

struct Shared {
    messages: Mutex<Vec<Received>>,
    mode: Mutex<SinkMode>,
    /// Messages accepted, kept or not.
    accepted: std::sync::atomic::AtomicUsize,
    /// Whether accepted messages are kept (a benchmark only counts them).
    keep: std::sync::atomic::AtomicBool,
}

pub struct SmtpSink {
    port: u16,
    shared: Arc<Shared>,
    // Dropping the sender (with the sink) also stops the server.
    stop: oneshot::Sender<()>,
    server: JoinHandle<()>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        Self::start_on(0).await
    }

    /// Listens on `port` (0 = any free port), e.g. to come back on the same port after `stop`.
    pub async fn start_on(port: u16) -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind SMTP sink");
        let port = listener.local_addr().expect("sink address").port();
        let shared = Arc::new(Shared {
            messages: Mutex::new(Vec::new()),
            mode: Mutex::new(SinkMode::Accept),
            accepted: Default::default(),
            keep: std::sync::atomic::AtomicBool::new(true),
        });
        let (stop, stopped) = oneshot::channel();
        let server = tokio::spawn(serve(listener, shared.clone(), stopped));
        SmtpSink {
            port,
            shared,
            stop,
            server,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<Received> {
        self.shared.messages.lock().expect("sink lock").clone()
    }

    /// Waits until at least `n` messages arrived or `timeout` passed; returns what arrived.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n || tokio::time::Instant::now() >= deadline {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// How many messages were accepted (also those not kept).
    pub fn accepted(&self) -> usize {
        self.shared
            .accepted
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Stops keeping messages (they are still counted), so a long run does not hold them all.
    pub fn discard_messages(&self) {
        self.shared
            .keep
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn set_mode(&self, mode: SinkMode) {
        *self.shared.mode.lock().expect("sink lock") = mode;
    }

    /// Closes the listener and every open connection; returns once they are closed.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.server.await;
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stopped: oneshot::Receiver<()>) {
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    sessions.spawn(session(stream, shared.clone()));
                }
            }
        }
        while sessions.try_join_next().is_some() {}
    }
    drop(listener);
    sessions.shutdown().await;
}

async fn read_line(reader: &mut BufReader<OwnedReadHalf>) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    if reader.read_until(b'\n', &mut buf).await? == 0 {
        return Ok(None);
    }
    let line = String::from_utf8_lossy(&buf);
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_string()))
}

/// The address in `MAIL FROM:<a@b> BODY=8BITMIME` or `RCPT TO:<a@b>`.
fn address(line: &str) -> String {
    let after = line.split_once(':').map_or("", |(_, a)| a);
    match (after.find('<'), after.find('>')) {
        (Some(s), Some(e)) if s < e => after[s + 1..e].to_string(),
        _ => after.trim().to_string(),
    }
}

async fn session(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write.write_all(b"220 127.0.0.1 test SMTP sink\r\n").await?;
    let (mut from, mut to) = (None::<String>, Vec::<String>::new());
    while let Some(line) = read_line(&mut reader).await? {
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let mode = *shared.mode.lock().expect("sink lock");
        let reply = match verb.as_str() {
            "EHLO" => "250-127.0.0.1\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n",
            "HELO" => "250 127.0.0.1\r\n",
            "MAIL" if mode == SinkMode::RejectTemporary => "451 4.3.0 try again later\r\n",
            "MAIL" => {
                (from, to) = (Some(address(&line)), Vec::new());
                "250 2.1.0 OK\r\n"
            }
            "RCPT" if from.is_none() => "503 5.5.1 MAIL first\r\n",
            "RCPT" if mode == SinkMode::RejectPermanent => "550 5.1.1 no such user\r\n",
            "RCPT" => {
                to.push(address(&line));
                "250 2.1.5 OK\r\n"
            }
            "DATA" if to.is_empty() => "503 5.5.1 RCPT first\r\n",
            "DATA" => {
                write
                    .write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = String::new();
                loop {
                    let Some(line) = read_line(&mut reader).await? else {
                        return Ok(()); // client went away mid-message: nothing delivered
                    };
                    if line == "." {
                        break;
                    }
                    // Dot-unstuffing (RFC 5321 4.5.2): the client doubled every leading dot.
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                    data.push_str("\r\n");
                }
                let received = Received {
                    from: from.take().unwrap_or_default(),
                    to: std::mem::take(&mut to),
                    data,
                };
                if shared.keep.load(std::sync::atomic::Ordering::SeqCst) {
                    shared.messages.lock().expect("sink lock").push(received);
                }
                shared
                    .accepted
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                "250 2.0.0 OK queued\r\n"
            }
            "RSET" => {
                (from, to) = (None, Vec::new());
                "250 2.0.0 OK\r\n"
            }
            "NOOP" => "250 2.0.0 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            _ => "502 5.5.2 command not implemented\r\n",
        };
        write.write_all(reply.as_bytes()).await?;
    }
    Ok(())
}

impl Received {
    /// First header named `name` (case-insensitive), unfolded, with RFC 2047 words decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        header_of(split_head(&self.data).0, name).map(|v| decode_words(&v))
    }

    /// The decoded text/plain part, with `\n` line ends.
    pub fn text_part(&self) -> String {
        self.part("text/plain")
    }

    /// The decoded text/html part, with `\n` line ends.
    pub fn html_part(&self) -> String {
        self.part("text/html")
    }

    /// A one-level MIME walk, which is all our multipart/alternative messages need.
    fn part(&self, mime: &str) -> String {
        let (head, body) = split_head(&self.data);
        let content_type = header_of(head, "content-type").unwrap_or_default();
        let chunks: Vec<&str> = match content_type.split_once("boundary=") {
            Some((_, b)) => {
                let boundary = format!("--{}", b.trim_matches('"').split(';').next().unwrap_or(""));
                body.split(boundary.as_str()).collect()
            }
            None => vec![&self.data],
        };
        for chunk in chunks {
            let (head, body) = split_head(chunk.trim_start_matches("\r\n"));
            // The CRLF before a boundary belongs to the boundary, not to the content.
            let body = body.strip_suffix("\r\n").unwrap_or(body);
            let ctype = header_of(head, "content-type").unwrap_or_default();
            if ctype.to_ascii_lowercase().starts_with(mime) {
                let cte = header_of(head, "content-transfer-encoding").unwrap_or_default();
                let bytes = match cte.to_ascii_lowercase().as_str() {
                    "base64" => base64(body),
                    "quoted-printable" => quoted_printable(body, false),
                    _ => body.as_bytes().to_vec(),
                };
                return String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
            }
        }
        panic!("no {mime} part in message:\n{}", self.data)
    }
}

fn split_head(s: &str) -> (&str, &str) {
    s.split_once("\r\n\r\n").unwrap_or((s, ""))
}

fn header_of(head: &str, name: &str) -> Option<String> {
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded.split("\r\n").find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

/// Decodes `=?utf-8?b?…?=` and `=?utf-8?q?…?=` words, as lettre writes non-ASCII headers.
/// Space between two encoded words is dropped, as RFC 2047 says.
fn decode_words(value: &str) -> String {
    let (mut out, mut previous_encoded) = (Vec::new(), None);
    for word in value.split(' ') {
        let parts: Vec<&str> = word.split('?').collect();
        let decoded = match parts.as_slice() {
            ["=", _, enc, text, "="] if enc.eq_ignore_ascii_case("b") => Some(base64(text)),
            ["=", _, enc, text, "="] if enc.eq_ignore_ascii_case("q") => {
                Some(quoted_printable(text, true))
            }
            _ => None,
        };
        if previous_encoded.is_some_and(|p| !(p && decoded.is_some())) {
            out.push(b' ');
        }
        previous_encoded = Some(decoded.is_some());
        out.extend(decoded.unwrap_or_else(|| word.as_bytes().to_vec()));
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn base64(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        let v = ALPHABET.iter().position(|a| *a == c).expect("base64 digit") as u32;
        (acc, bits) = ((acc << 6) | v, bits + 6);
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// Quoted-printable body, or with `header` the RFC 2047 "Q" form where `_` is a space.
fn quoted_printable(s: &str, header: bool) -> Vec<u8> {
    let s = s.replace("=\r\n", "");
    let (bytes, mut out, mut i) = (s.as_bytes(), Vec::new(), 0);
    while i < bytes.len() {
        match bytes[i] {
            b'=' if s.get(i + 1..i + 3).is_some() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("QP escape"));
                i += 3;
                continue;
            }
            b'_' if header => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    out
}
