//! The sections of the configuration file. Their defaults are `config/default.toml` itself (built into
//! the binary, see `mod.rs`), so every `Default` here is the matching section of that file.

use std::net::SocketAddr;

use lettre::message::Mailbox;
use serde::{Deserialize, Serialize};

use super::values::{self, LogFilter, PublicUrl, SmtpUrl, redact_url};
use super::{JobsSettings, Settings};
use crate::domain::money::Currency;

/// `impl Default` for a section: that section of the built-in `config/default.toml`.
macro_rules! default_from_file {
    ($($ty:ident => $field:ident),* $(,)?) => {$(
        impl Default for $ty {
            fn default() -> Self {
                Settings::default().$field
            }
        }
    )*};
}
default_from_file!(
    MetricsSettings => metrics,
    ServerSettings => server,
    DatabaseSettings => database,
    AuthSettings => auth,
    GraphqlSettings => graphql,
    LogSettings => log,
    MailSettings => mail,
    OrganizationSettings => organization,
    SignupSettings => signup,
    PaymentsSettings => payments,
    SchedulerSettings => scheduler,
    JobsSettings => jobs,
);

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ServerSettings {
    /// `host:port` to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Public base URL used in links inside emails.
    pub public_url: PublicUrl,
    /// Seconds to wait for in-flight requests on shutdown.
    pub shutdown_timeout_secs: u64,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// Origins allowed by CORS; empty disables CORS headers.
    pub cors_origins: Vec<String>,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
}

#[derive(Clone, Deserialize, PartialEq)]
pub struct DatabaseSettings {
    /// `sqlite://path?mode=rwc` or `postgres://user:password@host:port/db`.
    pub url: String,
    /// Largest number of pooled connections.
    pub max_connections: u32,
    /// Seconds to wait for a free connection.
    pub acquire_timeout_secs: u64,
    /// Log every SQL statement (debug level).
    pub log_statements: bool,
    /// Seconds membership statuses and types read by requests are kept in memory; a change on this
    /// replica refreshes them at once, one on another within this bound. 0: read every time.
    pub reference_cache_secs: u64,
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout_secs", &self.acquire_timeout_secs)
            .field("log_statements", &self.log_statements)
            .finish()
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct AuthSettings {
    /// Lifetime of a login session in days.
    pub session_ttl_days: i64,
    /// Minutes a password-reset link stays valid.
    pub reset_token_minutes: i64,
    /// Days an invitation link stays valid.
    pub invitation_days: i64,
    /// Days an email-verification link stays valid.
    pub email_verification_days: i64,
    /// Shortest accepted password.
    pub min_password_length: usize,
    /// Failed logins allowed per account and per client address within the window.
    pub max_failed_logins: u32,
    /// Length of the failed-login window in minutes.
    pub failed_login_window_minutes: i64,
    /// Seconds a resolved token is remembered in memory (sign-outs on other replicas take effect
    /// within this bound; on this one at once). 0: look every token up.
    pub token_cache_secs: u64,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct GraphqlSettings {
    /// Deepest allowed selection nesting.
    pub max_depth: usize,
    /// Largest allowed query complexity.
    pub max_complexity: usize,
    /// Deepest allowed nesting of brackets in a query, and recursion while parsing it.
    pub max_recursion: usize,
    /// Longest accepted query text, in bytes.
    pub max_query_bytes: usize,
    /// Seconds one request (or batch) may run before it is stopped.
    pub timeout_secs: u64,
    /// Whether the schema answers introspection queries (GraphiQL needs it).
    pub introspection: bool,
    /// Whether `GET /graphiql` serves the GraphiQL page.
    pub graphiql: bool,
    /// Folder holding GraphiQL's pinned asset files, served by Tessera itself; empty: from unpkg.
    pub graphiql_assets_dir: String,
    /// Whether validation errors suggest similar field names (off in production).
    pub field_suggestions: bool,
    /// Largest `first` a list accepts.
    pub max_page_size: i32,
    /// Most operations a batched request may carry.
    pub max_batch_size: usize,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct LogSettings {
    /// Filter in `tracing` syntax, e.g. `info` or `tessera=debug,info`. `RUST_LOG` wins when set.
    pub level: LogFilter,
    /// `text` or `json`.
    pub format: LogFormat,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MailTransportKind {
    Smtp,
    File,
    Log,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP (only sensible on loopback or a trusted network).
    None,
    /// Upgrade with STARTTLS; fail if the server does not offer it.
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

#[derive(Clone, Deserialize, PartialEq)]
pub struct MailSettings {
    /// `smtp`, `file` (one `.eml` per message in `file_dir`) or `log`.
    pub transport: MailTransportKind,
    /// Sender address, e.g. `Friends of the Park <members@example.org>`.
    #[serde(deserialize_with = "values::mailbox")]
    pub from: Mailbox,
    /// Reply-To address; the empty string in the file means none.
    #[serde(deserialize_with = "values::optional_mailbox")]
    pub reply_to: Option<Mailbox>,
    /// `smtp://host:port`; credentials may be given as `smtp://user:pass@host:port`.
    pub smtp_url: SmtpUrl,
    /// `none`, `starttls` or `tls`.
    pub smtp_tls: SmtpTls,
    /// SMTP user name (overrides the one in `smtp_url`).
    pub smtp_username: String,
    /// SMTP password (overrides the one in `smtp_url`).
    pub smtp_password: String,
    /// Seconds allowed to connect; a whole SMTP transaction may take three times as long.
    pub smtp_timeout_secs: u64,
    /// Folder for the `file` transport, relative to the working directory.
    pub file_dir: String,
    /// Folder with the email templates; the built-in copies are used when it does not exist.
    pub templates_dir: String,
    /// Queue the `membership-expired` email when the status job moves a membership to Expired.
    pub expired_notice: bool,
    /// Membership messages to contacts who cannot get email but can get post become LETTER rows
    /// to print (`printableLetters`); when false they are CANCELLED like other unsendable mail.
    pub letters: bool,
    /// Delivery attempts before a message is marked FAILED.
    pub max_attempts: i32,
    /// Seconds before the first retry; doubles on each further failure.
    pub retry_base_secs: i64,
    /// Longest wait between retries in seconds.
    pub retry_max_secs: i64,
    /// Messages claimed per delivery batch.
    pub batch_size: u64,
    /// Seconds after which a message stuck in SENDING is reclaimed.
    pub sending_timeout_secs: i64,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("transport", &self.transport)
            .field("from", &self.from)
            .field("smtp_url", &self.smtp_url)
            .field("smtp_tls", &self.smtp_tls)
            .field("smtp_username", &self.smtp_username)
            .field("smtp_password", &"***")
            .field("file_dir", &self.file_dir)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct OrganizationSettings {
    /// The nonprofit's name, used in emails.
    pub name: String,
    /// Postal address printed in email footers.
    pub address: String,
    /// Contact email shown to members.
    pub email: String,
    /// Website address.
    pub website: String,
    /// Default language of messages (BCP 47, e.g. `en`).
    pub default_language: String,
    /// Default currency for fees (ISO 4217).
    #[serde(deserialize_with = "values::currency")]
    pub default_currency: Currency,
    /// Wording printed on receipts and statements of tax-deductible gifts (empty: none).
    pub deductible_statement: String,
    /// How members pay what they owe (sent with a self-service renewal that is not free).
    pub payment_instructions: String,
}

/// Self-service signup and renewal.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct SignupSettings {
    /// Signups accepted from one client address per hour (0: none).
    pub max_per_address_per_hour: u32,
    /// Path of the renewal page on the organisation's site, after `server.public_url`; renewal
    /// reminders link there with `?membership=<id>`.
    pub renewal_path: String,
}

/// Online payments.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct PaymentsSettings {
    /// `offline` (pay later, as `organization.payment_instructions` say; staff record payments) or
    /// `stripe`.
    pub provider: String,
    /// Days before the end date the `auto-renew` job renews opted-in memberships.
    pub auto_renew_days_before: i64,
    /// Days after a failed automatic charge to try again, one entry per retry (e.g. 3, 5, 7).
    pub retry_days: Vec<i64>,
    pub stripe: StripeSettings,
}

/// Stripe: keys from the Stripe dashboard; never logged.
#[derive(Clone, Deserialize, PartialEq)]
pub struct StripeSettings {
    /// Secret API key (`sk_live_…` or `sk_test_…`).
    pub secret_key: String,
    /// Signing secret of the webhook endpoint (`whsec_…`).
    pub webhook_secret: String,
    /// Stripe's API address (tests point it at a local fake).
    pub api_base: String,
    /// Where Checkout sends the payer after paying.
    pub success_url: String,
    /// Where Checkout sends the payer who gives up.
    pub cancel_url: String,
    /// Largest accepted age of a webhook's signature timestamp, in seconds.
    pub webhook_tolerance_secs: i64,
    /// Seconds one call to Stripe may take.
    pub timeout_secs: u64,
}

impl std::fmt::Debug for StripeSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |s: &str| if s.is_empty() { "" } else { "<hidden>" };
        f.debug_struct("StripeSettings")
            .field("secret_key", &hidden(&self.secret_key))
            .field("webhook_secret", &hidden(&self.webhook_secret))
            .field("api_base", &self.api_base)
            .field("success_url", &self.success_url)
            .field("cancel_url", &self.cancel_url)
            .field("webhook_tolerance_secs", &self.webhook_tolerance_secs)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct SchedulerSettings {
    /// Run the in-process scheduler inside `serve`.
    pub enabled: bool,
    /// Seconds a job lease lasts before another replica may take it over.
    pub lease_secs: i64,
}

/// `GET /metrics` (Prometheus text format): on its own address, or on the main one with a token.
#[derive(Clone, Deserialize, PartialEq)]
pub struct MetricsSettings {
    /// `host:port` of a listener that serves only `/metrics`, without a token (bind it where only
    /// operators reach, e.g. 127.0.0.1); empty: no such listener.
    pub listen: String,
    /// Bearer token `/metrics` on the main listener requires; empty: not served there.
    pub token: String,
}

impl std::fmt::Debug for MetricsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsSettings")
            .field("listen", &self.listen)
            .field("token", &if self.token.is_empty() { "" } else { "***" })
            .finish()
    }
}

/// `[privacy]`: how long personal data is kept. Its `Default` (retention off) is derived rather
/// than read from `config/default.toml`, so that layers without the section still load.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct PrivacySettings {
    /// Days after which the `purge-trash` job erases a contact left in the trash; 0: never.
    #[serde(default)]
    pub erase_trashed_after_days: i64,
}

/// `[reports]`: how the reports pick their plan. Optional: absent means the defaults.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ReportsSettings {
    /// `topDonors` adds up the range's contributions directly when it holds at most this many
    /// (counted from the daily roll-ups); above that it visits donors largest lifetime giving
    /// first and stops as soon as no one left can enter the list. Both give the same answer.
    #[serde(default = "default_top_donors_direct_rows")]
    pub top_donors_direct_rows: u64,
}

fn default_top_donors_direct_rows() -> u64 {
    250_000
}

impl Default for ReportsSettings {
    fn default() -> Self {
        Self {
            top_donors_direct_rows: default_top_donors_direct_rows(),
        }
    }
}

/// `[mailings]`: bulk mail (issue 19). Optional in a layer; each key defaults as written in
/// `config/default.toml`.
#[derive(Clone, Deserialize, PartialEq)]
#[serde(default)]
pub struct MailingSettings {
    /// Most bulk messages handed to `deliver-mail` per minute for one mailing (their send times
    /// are spread out); 0: no limit.
    pub send_rate_per_minute: u32,
    /// Recipients queued per transaction.
    pub batch_size: u32,
    /// Days an unsubscribe or preferences link in a bulk message stays valid.
    pub unsubscribe_link_days: i64,
    /// HMAC key of those links; empty: a random key the server makes once and keeps in the database.
    pub link_secret: String,
    /// The version of the consent wording members and subscribers see, recorded with each opt-in.
    pub consent_wording_version: String,
    /// Hours a newsletter sign-up's confirmation link stays valid.
    pub subscribe_link_hours: i64,
}

impl Default for MailingSettings {
    fn default() -> Self {
        Self {
            send_rate_per_minute: 600,
            batch_size: 500,
            unsubscribe_link_days: 365,
            link_secret: String::new(),
            consent_wording_version: "1".into(),
            subscribe_link_hours: 48,
        }
    }
}

impl std::fmt::Debug for MailingSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |s: &str| if s.is_empty() { "" } else { "<hidden>" };
        f.debug_struct("MailingSettings")
            .field("send_rate_per_minute", &self.send_rate_per_minute)
            .field("batch_size", &self.batch_size)
            .field("unsubscribe_link_days", &self.unsubscribe_link_days)
            .field("link_secret", &hidden(&self.link_secret))
            .field("consent_wording_version", &self.consent_wording_version)
            .field("subscribe_link_hours", &self.subscribe_link_hours)
            .finish()
    }
}
