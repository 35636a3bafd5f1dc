//! What every request, job and CLI command shares.

use std::path::Path;
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::config::{MailTransportKind, Settings, SmtpTls};
use crate::mail::transport::{Kind, Tls, TransportConfig};
use crate::mail::{Templates, Transport};

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    pub templates: Arc<Templates>,
    pub mailer: Arc<Transport>,
}

impl AppState {
    /// Loads the email templates and builds the mail transport; errors name the setting at fault.
    /// Needs a running tokio runtime (the SMTP pool lives on it).
    pub fn new(db: DatabaseConnection, settings: Settings, clock: Clock) -> Result<Self, String> {
        let templates = Templates::load(Some(Path::new(&settings.mail.templates_dir)))
            .map_err(|e| format!("mail.templates_dir: {e}"))?;
        let mailer = Transport::new(&transport_config(&settings))?;
        Ok(Self {
            db,
            settings: Arc::new(settings),
            clock,
            templates: Arc::new(templates),
            mailer: Arc::new(mailer),
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
