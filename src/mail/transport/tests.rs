use super::*;

#[test]
fn parses_smtp_urls() {
    let u = parse_smtp_url("smtp://mail.example.org:2525").expect("ok");
    assert_eq!((u.host.as_str(), u.port), ("mail.example.org", Some(2525)));
    assert!(u.username.is_empty() && u.password.is_empty());
    let u = parse_smtp_url("smtp://me%40x.org:p%3Ass@host/").expect("ok");
    assert_eq!(
        (u.username.as_str(), u.password.as_str()),
        ("me@x.org", "p:ss")
    );
    assert_eq!((u.host.as_str(), u.port), ("host", None));
    let u = parse_smtp_url("smtp://[::1]:25").expect("ok");
    assert_eq!((u.host.as_str(), u.port), ("::1", Some(25)));
    for bad in [
        "http://host:25",
        "smtp://",
        "smtp://host:notaport",
        "smtp://host:25?tls=required",
        "smtp://u:%zz@host",
    ] {
        assert!(parse_smtp_url(bad).is_err(), "{bad}");
    }
}

fn mail() -> OutgoingMail {
    OutgoingMail {
        message_id: "welcome.m5@tessera".into(),
        from: "Friends of the Park <members@example.org>".into(),
        reply_to: Some(String::new()),
        to: "jane@example.org".into(),
        subject: "Welcome\r\nBcc: evil@example.org".into(),
        text: "Hello".into(),
        html: "<p>Hello</p>".into(),
        list_unsubscribe: None,
    }
}

#[test]
fn builds_multipart_alternative_with_id_and_date() {
    let raw = String::from_utf8(build_message(&mail()).expect("build").formatted()).expect("utf8");
    assert!(
        raw.contains("Message-ID: <welcome.m5@tessera>\r\n"),
        "{raw}"
    );
    assert!(raw.contains("\r\nDate: "));
    assert!(raw.contains("Subject: Welcome Bcc: evil@example.org\r\n"));
    assert!(!raw.contains("Reply-To"));
    assert!(raw.contains("multipart/alternative"));
    let text = raw.find("text/plain").expect("text part");
    let html = raw.find("text/html").expect("html part");
    assert!(text < html, "text part must come first");
}

#[test]
fn bad_addresses_and_ids_are_permanent_errors() {
    let mut bad_to = mail();
    bad_to.to = "not an address".into();
    let mut bad_reply = mail();
    bad_reply.reply_to = Some("nope".into());
    let mut bad_id = mail();
    bad_id.message_id = "<x@y>".into();
    for m in [bad_to, bad_reply, bad_id] {
        assert!(build_message(&m).expect_err("invalid").permanent);
    }
}

#[test]
fn settings_errors_name_the_setting() {
    let cfg = |url: &str, user: &str, pass: &str, timeout| TransportConfig {
        kind: Kind::Smtp,
        smtp_url: url.into(),
        tls: Tls::None,
        username: user.into(),
        password: pass.into(),
        timeout_secs: timeout,
        file_dir: PathBuf::new(),
    };
    let err = |c| Transport::new(&c).expect_err("error");
    assert!(err(cfg("smtp:/x", "", "", 5)).starts_with("mail.smtp_url:"));
    assert!(err(cfg("smtp://x:1", "", "", 0)).starts_with("mail.smtp_timeout_secs:"));
    assert!(err(cfg("smtp://x:1", "", "pw", 5)).starts_with("mail.smtp_username:"));
    // Outside a runtime the SMTP transport cannot start its pool task.
    assert!(err(cfg("smtp://x:1", "", "", 5)).contains("tokio runtime"));
    let log = TransportConfig {
        kind: Kind::Log,
        ..cfg("", "", "", 0)
    };
    assert!(Transport::new(&log).is_ok());
}

#[tokio::test]
async fn builds_every_smtp_variant_inside_the_runtime() {
    for (tls, url) in [
        (Tls::None, "smtp://127.0.0.1:2525"),
        (Tls::Starttls, "smtp://user:pw@mail.example.org"),
        (Tls::Tls, "smtp://mail.example.org:465"),
    ] {
        let cfg = TransportConfig {
            kind: Kind::Smtp,
            smtp_url: url.into(),
            tls,
            username: String::new(),
            password: String::new(),
            timeout_secs: 5,
            file_dir: PathBuf::new(),
        };
        assert!(Transport::new(&cfg).is_ok(), "{tls:?} {url}");
        // The password stays out of Debug output.
        assert!(!format!("{cfg:?}").contains("pw"));
    }
}
