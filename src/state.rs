//! What every request, job and CLI command shares.

use std::path::Path;
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::config::{MailTransportKind, Settings, SmtpTls};
use crate::mail::transport::{Kind, Tls, TransportConfig};
use crate::mail::{Templates, Transport};
use crate::metrics::Metrics;
use crate::payments::PaymentProvider;
use crate::services::auth::cache::TokenCache;
use crate::services::reference::ReferenceCache;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    pub templates: Arc<Templates>,
    pub mailer: Arc<Transport>,
    pub metrics: Arc<Metrics>,
    /// Bearer tokens resolved recently (`auth.token_cache_secs`).
    pub tokens: Arc<TokenCache>,
    /// Membership statuses and types for requests (`database.reference_cache_secs`).
    pub reference: Arc<ReferenceCache>,
    /// The payment provider `[payments]` chooses.
    pub payments: Arc<dyn PaymentProvider>,
}

impl AppState {
    /// Loads the email templates and builds the mail transport; errors name the setting at fault.
    /// Every statement on `db` is measured into the state's metrics. Needs a running tokio runtime
    /// (the SMTP pool lives on it).
    pub fn new(
        mut db: DatabaseConnection,
        settings: Settings,
        clock: Clock,
    ) -> Result<Self, String> {
        let templates = Templates::load(Some(Path::new(&settings.mail.templates_dir)))
            .map_err(|e| format!("mail.templates_dir: {e}"))?;
        let mailer = Transport::new(&transport_config(&settings))?;
        let payments = crate::payments::from_settings(&settings)?;
        let settings_token_ttl = settings.auth.token_cache_secs;
        let reference_ttl = settings.database.reference_cache_secs;
        let metrics = Arc::new(Metrics::default());
        let observed = metrics.clone();
        db.set_metric_callback(move |info| {
            observed.statement(info.elapsed.as_secs_f64(), info.failed);
        });
        Ok(Self {
            db,
            settings: Arc::new(settings),
            clock,
            templates: Arc::new(templates),
            mailer: Arc::new(mailer),
            metrics,
            tokens: Arc::new(TokenCache::new(std::time::Duration::from_secs(
                settings_token_ttl,
            ))),
            reference: Arc::new(ReferenceCache::new(std::time::Duration::from_secs(
                reference_ttl,
            ))),
            payments,
        })
    }
}

pub fn transport_config(s: &Settings) -> TransportConfig {
    TransportConfig {
        kind: match s.mail.transport {
            MailTransportKind::Smtp => Kind::Smtp,
            MailTransportKind::File => Kind::File,
            MailTransportKind::Log => Kind::Log,
        },
        smtp_url: s.mail.smtp_url.as_str().into(),
        tls: match s.mail.smtp_tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => Tls::Starttls,
            SmtpTls::Tls => Tls::Tls,
        },
        username: s.mail.smtp_username.clone(),
        password: s.mail.smtp_password.clone(),
        timeout_secs: s.mail.smtp_timeout_secs,
        file_dir: s.mail.file_dir.clone().into(),
    }
}
