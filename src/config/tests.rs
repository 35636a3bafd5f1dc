use super::*;

/// The built-in defaults with `overlay` (TOML) on top, as a user's config file would be.
fn with(overlay: &str) -> Result<Settings, ConfigError> {
    Settings::from_figment(Figment::from(Toml::string(DEFAULT_TOML)).merge(Toml::string(overlay)))
}

#[test]
fn the_built_in_file_parses_validates_and_is_the_default() {
    let parsed = Settings::from_figment(Figment::from(Toml::string(DEFAULT_TOML))).unwrap();
    assert_eq!(parsed, Settings::default());
    assert_eq!(MailSettings::default(), parsed.mail);
    assert_eq!(parsed.server.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(parsed.organization.default_currency.code(), "USD");
    assert_eq!(parsed.mail.reply_to, None);
    assert_eq!(
        parsed.jobs.job("deliver_mail").unwrap().schedule.as_str(),
        "*/10 * * * * *"
    );
}

#[test]
fn later_layers_win() {
    let s =
        with("[server]\nlisten = \"0.0.0.0:9000\"\n[jobs.deliver_mail]\nenabled = false").unwrap();
    assert_eq!(s.server.listen.port(), 9000);
    let job = s.jobs.job("deliver_mail").unwrap();
    assert!(!job.enabled);
    assert_eq!(
        job.schedule.as_str(),
        "*/10 * * * * *",
        "kept from the defaults"
    );
}

#[test]
fn each_typed_key_refuses_a_bad_value_naming_the_key() {
    let cases = [
        ("server.listen", "[server]\nlisten = \"nowhere\""),
        ("server.listen", "[server]\nlisten = 8080"),
        (
            "server.public_url",
            "[server]\npublic_url = \"ftp://example.org\"",
        ),
        (
            "server.public_url",
            "[server]\npublic_url = \"members.example.org\"",
        ),
        (
            "server.public_url",
            "[server]\npublic_url = \"https://x.org/?a=b\"",
        ),
        ("mail.from", "[mail]\nfrom = \"nobody\""),
        ("mail.from", "[mail]\nfrom = \"\""),
        ("mail.reply_to", "[mail]\nreply_to = \"Office <office>\""),
        (
            "mail.smtp_url",
            "[mail]\nsmtp_url = \"http://mail.example.org:25\"",
        ),
        (
            "mail.smtp_url",
            "[mail]\nsmtp_url = \"smtp://mail.example.org:25?tls=yes\"",
        ),
        ("mail.smtp_url", "[mail]\nsmtp_url = \"smtp://host:port\""),
        ("mail.smtp_url", "[mail]\nsmtp_url = \"\""),
        (
            "organization.default_currency",
            "[organization]\ndefault_currency = \"EURO\"",
        ),
        ("log.level", "[log]\nlevel = \"tessera=loud\""),
        ("log.level", "[log]\nlevel = \"info,[\""),
        (
            "jobs.deliver_mail.schedule",
            "[jobs.deliver_mail]\nschedule = \"every so often\"",
        ),
        (
            "jobs.deliver_mail.schedule",
            "[jobs.deliver_mail]\nschedule = \"* * * * *\"",
        ),
        (
            "jobs.reminder_catch_up_days",
            "[jobs]\nreminder_catch_up_days = \"week\"",
        ),
        ("database.url", "[database]\nurl = \"mysql://x\""),
        (
            "database.max_connections",
            "[database]\nmax_connections = 0",
        ),
        (
            "signup.renewal_path",
            "[signup]\nrenewal_path = \"renew?x=\\\"><script>\"",
        ),
        (
            "privacy.erase_trashed_after_days",
            "[privacy]\nerase_trashed_after_days = -1",
        ),
        (
            "privacy.erase_trashed_after_days",
            "[privacy]\nerase_trashed_after_days = \"soon\"",
        ),
        // Batches bind their ids in one statement: SQLite takes at most 32,766.
        ("mailings.batch_size", "[mailings]\nbatch_size = 40000"),
        ("mailings.batch_size", "[mailings]\nbatch_size = 0"),
        ("mail.batch_size", "[mail]\nbatch_size = 50000"),
    ];
    for (key, overlay) in cases {
        let err = with(overlay).expect_err(overlay).to_string();
        assert!(
            err.starts_with(&format!("configuration key `{key}`: ")),
            "{overlay}: {err}"
        );
    }
}

#[test]
fn typed_keys_accept_good_values() {
    let s = with(
        "[server]\npublic_url = \"https://members.example.org/\"\n\
         [mail]\nfrom = \"\\\"Friends, of the Park\\\" <members@example.org>\"\n\
         reply_to = \"office@example.org\"\nsmtp_url = \"smtp://me%40x.org:p%3Ass@[::1]:2525/\"\n\
         [organization]\ndefault_currency = \"eur\"\n[log]\nlevel = \"tessera=debug,info\"",
    )
    .unwrap();
    assert_eq!(s.server.public_url.host(), "members.example.org");
    assert_eq!(&*s.server.public_url, "https://members.example.org/");
    assert_eq!(s.organization.default_currency.code(), "EUR");
    assert_eq!(
        s.mail.reply_to.unwrap().email.to_string(),
        "office@example.org"
    );
    // The sender reaches the transport as text: it must read back as the same mailbox.
    let from = s.mail.from.to_string();
    assert_eq!(parse_mailbox(&from).unwrap(), s.mail.from, "{from}");
    for sender in [
        "Förderverein Park e.V. <post@example.org>",
        "members@example.org",
    ] {
        let mailbox = parse_mailbox(sender).unwrap();
        assert_eq!(
            parse_mailbox(&mailbox.to_string()).unwrap(),
            mailbox,
            "{sender}"
        );
    }
    assert_eq!(s.log.level.as_str(), "tessera=debug,info");
}

#[test]
fn redacts_passwords() {
    assert_eq!(
        redact_url("postgres://u:secret@h:5432/db"),
        "postgres://u:***@h:5432/db"
    );
    assert_eq!(redact_url("sqlite://tessera.db"), "sqlite://tessera.db");
    let mut s = with("[mail]\nsmtp_url = \"smtp://u:hunter3@mail.example.org:587\"").unwrap();
    s.database.url = "postgres://u:secret@h/db".into();
    s.mail.smtp_password = "hunter2".into();
    let dbg = format!("{s:?}");
    // (Field names such as `secret_key` may show; values never.)
    assert!(
        !dbg.contains(":secret@") && !dbg.contains("hunter"),
        "{dbg}"
    );
    assert!(dbg.contains("smtp://u:***@mail.example.org:587"), "{dbg}");
    // Nor in the error about a bad URL.
    let err = with("[mail]\nsmtp_url = \"smtps://u:hunter3@mail.example.org\"").unwrap_err();
    assert!(!err.to_string().contains("hunter3"), "{err}");
}

#[test]
fn payment_secrets_never_show_in_debug_output() {
    let s = with(
        "[payments]\nprovider = \"stripe\"\n[payments.stripe]\nsecret_key = \"sk_test_topsecret\"\n\
         webhook_secret = \"whsec_topsecret\"",
    )
    .unwrap();
    let shown = format!("{s:?}");
    assert!(!shown.contains("topsecret"), "{shown}");
    assert!(shown.contains("<hidden>"));
    for (key, overlay) in [
        (
            "payments.stripe.secret_key",
            "[payments]\nprovider = \"stripe\"",
        ),
        ("payments.provider", "[payments]\nprovider = \"paypal\""),
        ("payments.retry_days", "[payments]\nretry_days = [0]"),
    ] {
        let err = with(overlay).expect_err(overlay).to_string();
        assert!(
            err.starts_with(&format!("configuration key `{key}`")),
            "{err}"
        );
    }
}

#[test]
fn retention_is_off_by_default_and_the_privacy_section_may_be_absent() {
    assert_eq!(Settings::default().privacy.erase_trashed_after_days, 0);
    let key = "erase_trashed_after_days = 0\n";
    let start = DEFAULT_TOML.find("[privacy]").unwrap();
    let end = start + DEFAULT_TOML[start..].find(key).unwrap() + key.len();
    let without = format!("{}{}", &DEFAULT_TOML[..start], &DEFAULT_TOML[end..]);
    assert!(!without.contains("[privacy]"));
    let s = Settings::from_figment(Figment::from(Toml::string(&without))).unwrap();
    assert_eq!(s.privacy.erase_trashed_after_days, 0);
    assert_eq!(
        with("[privacy]\nerase_trashed_after_days = 90")
            .unwrap()
            .privacy
            .erase_trashed_after_days,
        90
    );
}
