//! Layered configuration (figment): built-in defaults (equal to `config/default.toml`), then
//! `config/default.toml` and `config/$TESSERA_ENV.toml` when present in the configuration directory,
//! then environment variables `TESSERA_<SECTION>__<KEY>`.
//!
//! Loading fails fast: a value of the wrong type or an invalid value stops start-up with a message that
//! names the key. Secrets (database URL passwords, SMTP credentials) are never printed: `Debug` of the
//! settings redacts them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Every setting Tessera reads. Field docs mirror `config/default.toml`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub graphql: GraphqlSettings,
    pub log: LogSettings,
    pub mail: MailSettings,
    pub organization: OrganizationSettings,
    pub scheduler: SchedulerSettings,
    pub jobs: JobsSettings,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ServerSettings {
    /// `host:port` to listen on; port 0 picks a free port.
    pub listen: String,
    /// Public base URL used in links inside emails.
    pub public_url: String,
    /// Seconds to wait for in-flight requests on shutdown.
    pub shutdown_timeout_secs: u64,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// Origins allowed by CORS; empty disables CORS headers.
    pub cors_origins: Vec<String>,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            shutdown_timeout_secs: 30,
            max_body_bytes: 1024 * 1024,
            cors_origins: Vec::new(),
            trust_forwarded_for: false,
        }
    }
}

#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct DatabaseSettings {
    /// `sqlite://path?mode=rwc` or `postgres://user:password@host:port/db`.
    pub url: String,
    /// Largest number of pooled connections.
    pub max_connections: u32,
    /// Seconds to wait for a free connection.
    pub acquire_timeout_secs: u64,
    /// Log every SQL statement (debug level).
    pub log_statements: bool,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://tessera.db?mode=rwc".into(),
            max_connections: 8,
            acquire_timeout_secs: 30,
            log_statements: false,
        }
    }
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

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
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
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_ttl_days: 30,
            reset_token_minutes: 60,
            invitation_days: 7,
            email_verification_days: 7,
            min_password_length: 10,
            max_failed_logins: 10,
            failed_login_window_minutes: 15,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
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

impl Default for GraphqlSettings {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 1000,
            max_recursion: 32,
            max_query_bytes: 64 * 1024,
            timeout_secs: 30,
            introspection: true,
            graphiql: true,
            graphiql_assets_dir: String::new(),
            field_suggestions: true,
            max_page_size: 100,
            max_batch_size: 10,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct LogSettings {
    /// Filter in `tracing` syntax, e.g. `info` or `tessera=debug,info`. `RUST_LOG` wins when set.
    pub level: String,
    /// `text` or `json`.
    pub format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Text,
        }
    }
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

#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct MailSettings {
    /// `smtp`, `file` (one `.eml` per message in `file_dir`) or `log`.
    pub transport: MailTransportKind,
    /// Sender address, e.g. `Friends of the Park <members@example.org>`.
    pub from: String,
    /// Optional Reply-To address.
    pub reply_to: String,
    /// `smtp://host:port`; credentials may be given as `smtp://user:pass@host:port`.
    pub smtp_url: String,
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

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            transport: MailTransportKind::File,
            from: "Tessera <no-reply@localhost>".into(),
            reply_to: String::new(),
            smtp_url: "smtp://127.0.0.1:25".into(),
            smtp_tls: SmtpTls::None,
            smtp_username: String::new(),
            smtp_password: String::new(),
            smtp_timeout_secs: 30,
            file_dir: "mail-out".into(),
            templates_dir: "email-templates".into(),
            expired_notice: true,
            letters: true,
            max_attempts: 10,
            retry_base_secs: 15,
            retry_max_secs: 3600,
            batch_size: 100,
            sending_timeout_secs: 600,
        }
    }
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("transport", &self.transport)
            .field("from", &self.from)
            .field("smtp_url", &redact_url(&self.smtp_url))
            .field("smtp_tls", &self.smtp_tls)
            .field("smtp_username", &self.smtp_username)
            .field("smtp_password", &"***")
            .field("file_dir", &self.file_dir)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
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
    pub default_currency: String,
}

impl Default for OrganizationSettings {
    fn default() -> Self {
        Self {
            name: "Our Association".into(),
            address: String::new(),
            email: "office@localhost".into(),
            website: String::new(),
            default_language: "en".into(),
            default_currency: "USD".into(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct SchedulerSettings {
    /// Run the in-process scheduler inside `serve`.
    pub enabled: bool,
    /// Seconds a job lease lasts before another replica may take it over.
    pub lease_secs: i64,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            lease_secs: 300,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct JobSettings {
    /// Whether the scheduler runs this job.
    pub enabled: bool,
    /// Cron expression with seconds: `sec min hour day-of-month month day-of-week`.
    pub schedule: String,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            schedule: "0 0 * * * *".into(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct JobsSettings {
    pub update_statuses: JobSettings,
    pub send_reminders: JobSettings,
    pub deliver_mail: JobSettings,
    /// Days a missed reminder is still sent late.
    pub reminder_catch_up_days: i64,
    /// Hours scheduled runs that found nothing to do are kept in the run history (0: forever).
    pub idle_run_retention_hours: i64,
}

impl Default for JobsSettings {
    fn default() -> Self {
        let job = |schedule: &str| JobSettings {
            enabled: true,
            schedule: schedule.into(),
        };
        Self {
            update_statuses: job("0 15 1 * * *"),
            send_reminders: job("0 0 * * * *"),
            deliver_mail: job("*/10 * * * * *"),
            reminder_catch_up_days: 7,
            idle_run_retention_hours: 24,
        }
    }
}

/// A configuration problem, with the key it concerns.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(String),
    #[error("configuration key `{key}`: {message}")]
    Invalid { key: String, message: String },
}

fn invalid(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

impl Settings {
    /// Loads settings from `config_dir` (default: `./config`) and the environment, then validates.
    pub fn load(config_dir: Option<&Path>) -> Result<Self, ConfigError> {
        let dir = config_dir
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("config"));
        let mut figment = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(dir.join("default.toml")));
        if let Ok(env) = std::env::var("TESSERA_ENV")
            && !env.is_empty()
        {
            figment = figment.merge(Toml::file(dir.join(format!("{env}.toml"))));
        }
        figment = figment.merge(Env::prefixed("TESSERA_").split("__"));
        let settings: Settings = figment
            .extract()
            .map_err(|e| ConfigError::Load(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks values that parse but make no sense; the error names the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        SocketAddr::from_str(&self.server.listen)
            .map_err(|e| invalid("server.listen", format!("expected host:port ({e})")))?;
        let url = &self.database.url;
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "database.url",
                "expected a sqlite:// or postgres:// URL",
            ));
        }
        if self.database.max_connections == 0 {
            return Err(invalid("database.max_connections", "must be at least 1"));
        }
        if self.auth.session_ttl_days < 1 {
            return Err(invalid("auth.session_ttl_days", "must be at least 1"));
        }
        if self.auth.reset_token_minutes < 5 {
            return Err(invalid("auth.reset_token_minutes", "must be at least 5"));
        }
        if self.auth.invitation_days < 1 {
            return Err(invalid("auth.invitation_days", "must be at least 1"));
        }
        if self.auth.email_verification_days < 1 {
            return Err(invalid(
                "auth.email_verification_days",
                "must be at least 1",
            ));
        }
        if self.auth.max_failed_logins < 1 {
            return Err(invalid("auth.max_failed_logins", "must be at least 1"));
        }
        if self.auth.min_password_length < 8 {
            return Err(invalid("auth.min_password_length", "must be at least 8"));
        }
        if self.graphql.max_page_size < 1 {
            return Err(invalid("graphql.max_page_size", "must be at least 1"));
        }
        if self.graphql.max_query_bytes < 1024 {
            return Err(invalid("graphql.max_query_bytes", "must be at least 1024"));
        }
        if !(8..=256).contains(&self.graphql.max_recursion) {
            return Err(invalid(
                "graphql.max_recursion",
                "must be between 8 and 256",
            ));
        }
        if self.graphql.timeout_secs < 1 {
            return Err(invalid("graphql.timeout_secs", "must be at least 1"));
        }
        if self.graphql.max_batch_size < 1 {
            return Err(invalid("graphql.max_batch_size", "must be at least 1"));
        }
        if self.mail.transport == MailTransportKind::Smtp
            && !self.mail.smtp_url.starts_with("smtp://")
        {
            return Err(invalid("mail.smtp_url", "expected smtp://host:port"));
        }
        if self.mail.smtp_timeout_secs < 1 {
            return Err(invalid("mail.smtp_timeout_secs", "must be at least 1"));
        }
        if self.mail.max_attempts < 1 {
            return Err(invalid("mail.max_attempts", "must be at least 1"));
        }
        if self.mail.retry_base_secs < 1 || self.mail.retry_max_secs < self.mail.retry_base_secs {
            return Err(invalid(
                "mail.retry_base_secs",
                "must be at least 1 and not above mail.retry_max_secs",
            ));
        }
        if !self.server.public_url.starts_with("http://")
            && !self.server.public_url.starts_with("https://")
        {
            return Err(invalid(
                "server.public_url",
                "expected an http:// or https:// URL",
            ));
        }
        if self.scheduler.lease_secs < 5 {
            return Err(invalid("scheduler.lease_secs", "must be at least 5"));
        }
        if self.jobs.idle_run_retention_hours < 0 {
            return Err(invalid(
                "jobs.idle_run_retention_hours",
                "must not be negative (0 keeps every run)",
            ));
        }
        if self.jobs.reminder_catch_up_days < 0 {
            return Err(invalid(
                "jobs.reminder_catch_up_days",
                "must not be negative",
            ));
        }
        for (key, job) in [
            ("jobs.update_statuses.schedule", &self.jobs.update_statuses),
            ("jobs.send_reminders.schedule", &self.jobs.send_reminders),
            ("jobs.deliver_mail.schedule", &self.jobs.deliver_mail),
        ] {
            crate::jobs::schedule::validate_cron(&job.schedule).map_err(|e| invalid(key, e))?;
        }
        Ok(())
    }

    pub fn is_sqlite(&self) -> bool {
        self.database.url.starts_with("sqlite:")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_toml_equals_built_in_defaults() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        let from_file: Settings = Figment::new()
            .merge(Toml::file(dir.join("default.toml")))
            .extract()
            .unwrap();
        assert_eq!(from_file, Settings::default());
    }

    #[test]
    fn built_in_defaults_are_valid() {
        Settings::default().validate().unwrap();
    }

    #[test]
    fn invalid_values_name_their_key() {
        let mut s = Settings::default();
        s.server.listen = "nowhere".into();
        assert!(
            s.validate()
                .unwrap_err()
                .to_string()
                .contains("server.listen")
        );
        let mut s = Settings::default();
        s.jobs.deliver_mail.schedule = "every so often".into();
        assert!(
            s.validate()
                .unwrap_err()
                .to_string()
                .contains("jobs.deliver_mail.schedule")
        );
        let mut s = Settings::default();
        s.database.url = "mysql://x".into();
        assert!(
            s.validate()
                .unwrap_err()
                .to_string()
                .contains("database.url")
        );
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("sqlite://tessera.db"), "sqlite://tessera.db");
        let mut s = Settings::default();
        s.database.url = "postgres://u:secret@h/db".into();
        s.mail.smtp_password = "hunter2".into();
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("secret") && !dbg.contains("hunter2"));
    }
}
