//! Layered configuration (figment), read once at start-up into typed settings:
//!
//! 1. `config/default.toml` as built into the binary (the only place defaults are written),
//! 2. `<config dir>/default.toml` and `<config dir>/$TESSERA_ENV.toml` when present,
//! 3. environment variables `TESSERA_<SECTION>__<KEY>`.
//!
//! Loading fails fast: a value of the wrong type or one that does not parse (an address, a URL, a
//! currency, a cron expression, a log filter) stops start-up with a message that names the key;
//! [`Settings::validate`] then checks ranges. Which `[jobs.*]` tables may exist is checked by the
//! job registry (`jobs::registry::validate`), since configuration sits below the jobs layer.
//! Secrets (database URL passwords, SMTP credentials) are never printed: `Debug` redacts them.

pub mod cron;
mod jobs;
mod sections;
#[cfg(test)]
mod tests;
mod values;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;

pub use cron::CronExpr;
pub use jobs::{JobSettings, JobsSettings};
pub use sections::{
    AuthSettings, DatabaseSettings, GraphqlSettings, LogFormat, LogSettings, MailSettings,
    MailTransportKind, MailingSettings, MetricsSettings, OrganizationSettings, PaymentsSettings,
    PrivacySettings, ReportsSettings, SchedulerSettings, ServerSettings, SignupSettings, SmtpTls,
    StripeSettings,
};
pub use values::{LogFilter, PublicUrl, SmtpUrl, parse_mailbox, redact_url};

/// `config/default.toml`, built in: every setting's default, documented.
pub const DEFAULT_TOML: &str = include_str!("../../config/default.toml");

/// Every setting Tessera reads. Field docs mirror `config/default.toml`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub graphql: GraphqlSettings,
    pub log: LogSettings,
    pub mail: MailSettings,
    pub organization: OrganizationSettings,
    pub signup: SignupSettings,
    pub payments: PaymentsSettings,
    pub scheduler: SchedulerSettings,
    pub jobs: JobsSettings,
    pub metrics: MetricsSettings,
    /// `[privacy]`: optional (absent means every default, i.e. retention off).
    #[serde(default)]
    pub privacy: PrivacySettings,
    /// `[reports]`: optional (absent means every default).
    #[serde(default)]
    pub reports: ReportsSettings,
    /// `[mailings]`: optional (absent means every default).
    #[serde(default)]
    pub mailings: MailingSettings,
}

/// The built-in defaults, read once.
static DEFAULTS: LazyLock<Settings> = LazyLock::new(|| {
    Settings::from_figment(Figment::from(Toml::string(DEFAULT_TOML)))
        .unwrap_or_else(|e| panic!("the built-in config/default.toml is invalid: {e}"))
});

/// The built-in `config/default.toml` (a test keeps it valid); tests and benches start from it.
impl Default for Settings {
    fn default() -> Self {
        DEFAULTS.clone()
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

/// A [`ConfigError::Invalid`]; the job registry uses it for `[jobs.*]` tables too.
pub fn invalid(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

/// Names the key of a figment error and where its value came from, e.g. "configuration key
/// `mail.from`: `x` is not a mail address … (environment variable TESSERA_MAIL__FROM)".
fn from_figment_error(e: figment::Error) -> ConfigError {
    if e.path.is_empty() {
        return ConfigError::Load(e.to_string());
    }
    let key = e.path.join(".");
    let mut message = e.kind.to_string();
    match e.metadata.as_ref().map(|md| (&md.source, md.name.as_ref())) {
        Some((Some(source), _)) => message.push_str(&format!(" (in {source})")),
        Some((None, name)) if name.contains("environment variable") => {
            let var = e.path.join("__").to_ascii_uppercase();
            message.push_str(&format!(" (environment variable TESSERA_{var})"));
        }
        Some((None, name)) => message.push_str(&format!(" (in {name})")),
        None => {}
    }
    ConfigError::Invalid { key, message }
}

/// Largest batch of mail rows handled in one statement.
const MAX_BATCH: u32 = 10_000;

fn at_least<T: PartialOrd + std::fmt::Display>(
    key: &str,
    value: T,
    min: T,
) -> Result<(), ConfigError> {
    if value < min {
        return Err(invalid(key, format!("must be at least {min}")));
    }
    Ok(())
}

impl Settings {
    /// Loads settings from `config_dir` (default: `./config`) and the environment, then validates.
    pub fn load(config_dir: Option<&Path>) -> Result<Self, ConfigError> {
        let dir = config_dir
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("config"));
        let mut figment =
            Figment::from(Toml::string(DEFAULT_TOML)).merge(Toml::file(dir.join("default.toml")));
        if let Ok(env) = std::env::var("TESSERA_ENV")
            && !env.is_empty()
        {
            figment = figment.merge(Toml::file(dir.join(format!("{env}.toml"))));
        }
        figment = figment.merge(Env::prefixed("TESSERA_").split("__"));
        Self::from_figment(figment)
    }

    /// Extracts and validates settings from layers already put together.
    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let settings: Settings = figment.extract().map_err(from_figment_error)?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks values that parse but make no sense; the error names the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
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
        let (a, g, m) = (&self.auth, &self.graphql, &self.mail);
        at_least("database.max_connections", self.database.max_connections, 1)?;
        at_least("auth.session_ttl_days", a.session_ttl_days, 1)?;
        at_least("auth.reset_token_minutes", a.reset_token_minutes, 5)?;
        at_least("auth.invitation_days", a.invitation_days, 1)?;
        at_least("auth.email_verification_days", a.email_verification_days, 1)?;
        at_least("auth.max_failed_logins", a.max_failed_logins, 1)?;
        at_least("auth.min_password_length", a.min_password_length, 8)?;
        at_least("graphql.max_page_size", g.max_page_size, 1)?;
        at_least("graphql.max_query_bytes", g.max_query_bytes, 1024)?;
        if !(8..=256).contains(&g.max_recursion) {
            return Err(invalid(
                "graphql.max_recursion",
                "must be between 8 and 256",
            ));
        }
        at_least("graphql.timeout_secs", g.timeout_secs, 1)?;
        at_least("graphql.max_batch_size", g.max_batch_size, 1)?;
        at_least("mail.smtp_timeout_secs", m.smtp_timeout_secs, 1)?;
        at_least("mail.max_attempts", m.max_attempts, 1)?;
        if m.retry_base_secs < 1 || m.retry_max_secs < m.retry_base_secs {
            return Err(invalid(
                "mail.retry_base_secs",
                "must be at least 1 and not above mail.retry_max_secs",
            ));
        }
        at_least("scheduler.lease_secs", self.scheduler.lease_secs, 5)?;
        let ml = &self.mailings;
        // A batch's recipient ids are bound in one statement (SQLite takes at most 32,766).
        if !(1..=MAX_BATCH).contains(&ml.batch_size) {
            return Err(invalid(
                "mailings.batch_size",
                format!("must be between 1 and {MAX_BATCH}"),
            ));
        }
        if !(1..=u64::from(MAX_BATCH)).contains(&m.batch_size) {
            return Err(invalid(
                "mail.batch_size",
                format!("must be between 1 and {MAX_BATCH}"),
            ));
        }
        at_least(
            "mailings.unsubscribe_link_days",
            ml.unsubscribe_link_days,
            1,
        )?;
        at_least("mailings.subscribe_link_hours", ml.subscribe_link_hours, 1)?;
        if !ml.link_secret.is_empty() && ml.link_secret.len() < 32 {
            return Err(invalid(
                "mailings.link_secret",
                "must be at least 32 characters (or empty: the server makes one)",
            ));
        }
        if ml.consent_wording_version.trim().is_empty() || ml.consent_wording_version.len() > 100 {
            return Err(invalid(
                "mailings.consent_wording_version",
                "must be 1 to 100 characters",
            ));
        }
        let p = &self.payments;
        if !["offline", "stripe"].contains(&p.provider.as_str()) {
            return Err(invalid(
                "payments.provider",
                "expected `offline` or `stripe`",
            ));
        }
        if p.provider == "stripe" {
            for (key, value) in [
                ("payments.stripe.secret_key", &p.stripe.secret_key),
                ("payments.stripe.webhook_secret", &p.stripe.webhook_secret),
            ] {
                if value.trim().is_empty() {
                    return Err(invalid(
                        key,
                        "is required when payments.provider is `stripe`",
                    ));
                }
            }
            let base = &p.stripe.api_base;
            if !(base.starts_with("https://")
                || base.starts_with("http://127.0.0.1")
                || base.starts_with("http://localhost"))
            {
                return Err(invalid(
                    "payments.stripe.api_base",
                    "must be an https:// address (http only to a local test server)",
                ));
            }
        }
        if !(0..=60).contains(&p.auto_renew_days_before) {
            return Err(invalid(
                "payments.auto_renew_days_before",
                "must be between 0 and 60",
            ));
        }
        if p.retry_days.len() > 10 || p.retry_days.iter().any(|d| !(1..=60).contains(d)) {
            return Err(invalid(
                "payments.retry_days",
                "at most 10 retries, each 1 to 60 days after the previous failure",
            ));
        }
        at_least(
            "payments.stripe.webhook_tolerance_secs",
            p.stripe.webhook_tolerance_secs,
            10,
        )?;
        at_least("payments.stripe.timeout_secs", p.stripe.timeout_secs, 1)?;
        let path = &self.signup.renewal_path;
        if path.len() > 200
            || !path
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/-_.~".contains(&b))
        {
            return Err(invalid(
                "signup.renewal_path",
                "a URL path: letters, digits and / - _ . ~ only, at most 200",
            ));
        }
        let metrics = &self.metrics;
        if !metrics.listen.is_empty() && metrics.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(invalid("metrics.listen", "expected host:port, or empty"));
        }
        if !metrics.token.is_empty() && metrics.token.len() < 16 {
            return Err(invalid(
                "metrics.token",
                "must be at least 16 characters (or empty)",
            ));
        }
        if self.jobs.idle_run_retention_hours < 0 {
            return Err(invalid(
                "jobs.idle_run_retention_hours",
                "must not be negative (0 keeps every run)",
            ));
        }
        if !(0..=36_500).contains(&self.privacy.erase_trashed_after_days) {
            return Err(invalid(
                "privacy.erase_trashed_after_days",
                "must be between 0 (off) and 36500 days",
            ));
        }
        if self.jobs.reminder_catch_up_days < 0 {
            return Err(invalid(
                "jobs.reminder_catch_up_days",
                "must not be negative",
            ));
        }
        Ok(())
    }

    pub fn is_sqlite(&self) -> bool {
        self.database.url.starts_with("sqlite:")
    }
}
