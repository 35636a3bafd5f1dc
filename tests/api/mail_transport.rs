//! The mail transports against the in-process SMTP sink and the file system.

use std::path::PathBuf;
use std::time::Duration;

use tessera::mail::transport::{Kind, OutgoingMail, Tls, Transport, TransportConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::smtp::{Received, SinkMode, SmtpSink};

const WAIT: Duration = Duration::from_secs(5);

fn config(kind: Kind, smtp_url: String) -> TransportConfig {
    TransportConfig {
        kind,
        smtp_url,
        tls: Tls::None,
        username: String::new(),
        password: String::new(),
        timeout_secs: 5,
        file_dir: PathBuf::new(),
    }
}

fn mail(n: u32) -> OutgoingMail {
    OutgoingMail {
        message_id: format!("welcome.m{n}@tessera"),
        from: "Friends of the Park <members@example.org>".into(),
        reply_to: Some("office@example.org".into()),
        to: format!("Zoë Martin <member{n}@example.org>"),
        subject: format!("Bienvenue, Zoë ({n})"),
        // A leading dot exercises dot-stuffing; the accents force a transfer encoding.
        text: "Dear Zoë,\n.hidden line\nWelcome to O'Brien & Sons!\n".into(),
        html: "<p>Dear Zoë,</p><p>Welcome to O&#x27;Brien &amp; Sons!</p>".into(),
        list_unsubscribe: None,
    }
}

#[tokio::test]
async fn plain_smtp_delivers_multipart_alternative() {
    let sink = SmtpSink::start().await;
    let transport = Transport::new(&config(Kind::Smtp, sink.url())).expect("transport");
    // Several messages so the pooled connection is reused (RSET between messages).
    for n in 1..=3 {
        transport.send(&mail(n)).await.expect("sent");
    }
    let got = sink.wait_for(3, WAIT).await;
    assert_eq!(got.len(), 3);
    let m = &got[0];
    assert_eq!(m.from, "members@example.org");
    assert_eq!(m.to, ["member1@example.org"]);
    assert_eq!(m.header("Subject").as_deref(), Some("Bienvenue, Zoë (1)"));
    assert_eq!(
        m.header("message-id").as_deref(),
        Some("<welcome.m1@tessera>")
    );
    assert_eq!(m.header("Reply-To").as_deref(), Some("office@example.org"));
    assert!(m.header("Date").is_some());
    assert!(
        m.header("Content-Type")
            .expect("type")
            .starts_with("multipart/alternative")
    );
    assert_eq!(m.text_part(), mail(1).text);
    assert!(m.html_part().contains("<p>Dear Zoë,</p>"));
    let (text, html) = (m.data.find("text/plain"), m.data.find("text/html"));
    assert!(text.expect("text part") < html.expect("html part"));
    assert_eq!(got[2].to, ["member3@example.org"]);
}

#[tokio::test]
async fn rejections_are_transient_or_permanent() {
    let sink = SmtpSink::start().await;
    let transport = Transport::new(&config(Kind::Smtp, sink.url())).expect("transport");
    sink.set_mode(SinkMode::RejectTemporary);
    let err = transport.send(&mail(1)).await.expect_err("451");
    assert!(!err.permanent && err.message.contains("451"), "{err:?}");
    sink.set_mode(SinkMode::RejectPermanent);
    let err = transport.send(&mail(2)).await.expect_err("550");
    assert!(err.permanent && err.message.contains("550"), "{err:?}");
    sink.set_mode(SinkMode::Accept);
    transport.send(&mail(3)).await.expect("accepted again");
    assert_eq!(sink.wait_for(1, WAIT).await.len(), 1);
}

#[tokio::test]
async fn closed_port_is_transient_and_recovers_on_restart() {
    let sink = SmtpSink::start().await;
    let port = sink.port();
    let transport = Transport::new(&config(Kind::Smtp, sink.url())).expect("transport");
    transport.send(&mail(1)).await.expect("sent");
    sink.stop().await;
    // The pooled connection is dead and new connections are refused.
    let err = transport.send(&mail(2)).await.expect_err("refused");
    assert!(!err.permanent, "{err:?}");
    let sink = SmtpSink::start_on(port).await;
    transport.send(&mail(3)).await.expect("sent after restart");
    assert_eq!(sink.wait_for(1, WAIT).await[0].to, ["member3@example.org"]);
}

#[tokio::test]
async fn silent_server_times_out_as_transient_and_transport_recovers() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    // Accept and then say nothing, like a hung server.
    let hold = tokio::spawn(async move {
        let conn = listener.accept().await;
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(conn);
    });
    let transport = Transport::new(&TransportConfig {
        timeout_secs: 1,
        ..config(Kind::Smtp, format!("smtp://127.0.0.1:{port}"))
    })
    .expect("transport");
    let started = std::time::Instant::now();
    let err = transport.send(&mail(1)).await.expect_err("timeout");
    assert!(
        !err.permanent && err.message.contains("no reply"),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    // A working server on the same port: the same transport delivers again.
    hold.abort();
    let _ = hold.await;
    let sink = SmtpSink::start_on(port).await;
    transport.send(&mail(2)).await.expect("sent after timeout");
    assert_eq!(sink.wait_for(1, WAIT).await.len(), 1);
}

#[tokio::test]
async fn file_transport_writes_a_parseable_eml() {
    let dir = std::env::temp_dir().join(format!("tessera-mail-out-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cfg = TransportConfig {
        file_dir: dir.join("nested"),
        ..config(Kind::File, String::new())
    };
    let transport = Transport::new(&cfg).expect("transport");
    let mut m = mail(7);
    // Mostly non-ASCII text makes lettre pick base64 for this part.
    m.text = "Ευχαριστούμε για τη συνδρομή σας!\n".into();
    transport.send(&m).await.expect("written");
    let path = dir.join("nested/welcome.m7@tessera.eml");
    let raw = std::fs::read_to_string(&path).expect("eml file");
    let parsed = Received {
        from: String::new(),
        to: Vec::new(),
        data: raw,
    };
    assert_eq!(
        parsed.header("Message-ID").as_deref(),
        Some("<welcome.m7@tessera>")
    );
    assert_eq!(
        parsed.header("Subject").as_deref(),
        Some("Bienvenue, Zoë (7)")
    );
    assert!(
        parsed
            .header("To")
            .expect("to")
            .contains("member7@example.org")
    );
    assert!(parsed.data.contains("Content-Transfer-Encoding: base64"));
    assert_eq!(parsed.text_part(), m.text);
    assert!(parsed.html_part().contains("O&#x27;Brien"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn log_transport_accepts_everything() {
    let transport = Transport::new(&config(Kind::Log, String::new())).expect("transport");
    transport.send(&mail(1)).await.expect("logged");
    let mut bad = mail(2);
    bad.to = "nobody".into();
    assert!(
        transport
            .send(&bad)
            .await
            .expect_err("bad address")
            .permanent
    );
}

#[tokio::test]
async fn sink_answers_basic_smtp() {
    let sink = SmtpSink::start().await;
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", sink.port()))
        .await
        .expect("connect");
    conn.write_all(b"HELO me\r\nVRFY x\r\nNOOP\r\nQUIT\r\n")
        .await
        .expect("write");
    let mut replies = String::new();
    conn.read_to_string(&mut replies).await.expect("read");
    let codes: Vec<&str> = replies.lines().map(|l| &l[..3]).collect();
    assert_eq!(codes, ["220", "250", "502", "250", "221"]);
    let port = sink.port();
    sink.stop().await;
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
    );
}
