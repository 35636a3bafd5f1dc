//! Test helpers: each test gets the real application on port 0 with its own database — a fresh SQLite
//! file, or a fresh PostgreSQL database when TESSERA_TEST_DATABASE_URL is set — and talks to it over
//! HTTP.

use std::sync::OnceLock;

use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tessera::clock::Clock;
use tessera::config::{MailTransportKind, Settings};
use tessera::jobs::JobSpec;
use tessera::state::AppState;
use tessera::{Application, ShutdownHandle};

pub const PASSWORD: &str = "correct horse battery staple";

fn init_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var("TEST_LOG").is_ok() {
            tessera::telemetry::init(&Default::default());
        }
    });
}

fn unique_name() -> String {
    format!("t{}_{:08x}", std::process::id(), rand::random::<u32>())
}

/// Where a test database lives, so it can be removed afterwards.
enum TestDb {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

/// Creates an empty database and returns its URL.
async fn fresh_database() -> (String, TestDb) {
    match std::env::var("TESSERA_TEST_DATABASE_URL") {
        Ok(admin_url) if admin_url.starts_with("postgres") => {
            let name = unique_name();
            let admin = Database::connect(admin_url.as_str())
                .await
                .expect("connect to TESSERA_TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let base = admin_url
                .rsplit_once('/')
                .map(|(b, _)| b)
                .unwrap_or(&admin_url);
            (
                format!("{base}/{name}"),
                TestDb::Postgres { admin_url, name },
            )
        }
        _ => {
            let path = std::env::temp_dir().join(format!("tessera-{}.db", unique_name()));
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                TestDb::Sqlite(path),
            )
        }
    }
}

/// The registered job called `name`.
pub fn job(name: &str) -> &'static JobSpec {
    tessera::jobs::registry::find(name).expect("a registered job")
}

/// Settings for a test: port 0, its own database, no scheduler, mail to the log.
pub async fn test_settings() -> (Settings, impl Drop) {
    let (url, db) = fresh_database().await;
    let mut s = Settings::default();
    s.server.listen = ([127, 0, 0, 1], 0).into();
    s.database.url = url;
    s.database.max_connections = 5;
    s.scheduler.enabled = false;
    s.mail.transport = MailTransportKind::Log;
    (s, DbGuard(Some(db)))
}

struct DbGuard(Option<TestDb>);

impl Drop for DbGuard {
    fn drop(&mut self) {
        match self.0.take() {
            Some(TestDb::Sqlite(path)) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Some(TestDb::Postgres { admin_url, name }) => {
                // Drop runs inside the test's runtime: use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()?;
                    rt.block_on(async {
                        let admin = Database::connect(admin_url.as_str()).await.ok()?;
                        let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                        admin.execute_unprepared(&sql).await.ok()?;
                        admin.close().await.ok()
                    })
                })
                .join();
            }
            None => {}
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    shutdown: ShutdownHandle,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _db: Box<dyn std::any::Any + Send>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with adjusted settings.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        init_logs();
        let (mut settings, db) = test_settings().await;
        adjust(&mut settings);
        let app = Application::build_with_clock(settings, Clock::system())
            .await
            .expect("build app");
        let base = format!("http://127.0.0.1:{}", app.port());
        let state = app.state();
        let shutdown = app.shutdown_handle();
        let server = tokio::spawn(app.run_until_stopped());
        Self {
            base,
            client: reqwest::Client::new(),
            state,
            shutdown,
            server: Some(server),
            _db: Box::new(db),
        }
    }

    /// Spawns another application ("replica") on this app's database, with its settings adjusted.
    /// The database lives as long as `self`.
    pub async fn replica(&self, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = (*self.state.settings).clone();
        adjust(&mut settings);
        let app = Application::build_with_clock(settings, Clock::system())
            .await
            .expect("build replica");
        let state = app.state();
        let shutdown = app.shutdown_handle();
        TestApp {
            base: format!("http://127.0.0.1:{}", app.port()),
            client: reqwest::Client::new(),
            state,
            shutdown,
            server: Some(tokio::spawn(app.run_until_stopped())),
            _db: Box::new(()),
        }
    }

    pub fn clock(&self) -> &Clock {
        &self.state.clock
    }

    /// Stops the server gracefully and returns what `run_until_stopped` returned.
    pub async fn stop(mut self) -> std::io::Result<()> {
        self.shutdown.shutdown();
        match self.server.take() {
            Some(h) => h.await.expect("server task"),
            None => Ok(()),
        }
    }

    /// POSTs a GraphQL request and returns the JSON body.
    pub async fn gql_with(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        assert!(resp.status().is_success(), "HTTP {}", resp.status());
        resp.json().await.expect("json body")
    }

    pub async fn gql(&self, token: &str, query: &str, variables: Value) -> Value {
        self.gql_with(Some(token), query, variables).await
    }

    pub async fn anon(&self, query: &str, variables: Value) -> Value {
        self.gql_with(None, query, variables).await
    }

    /// Signs in through the API and returns the token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let body = self
            .anon(
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                json!({ "e": email, "p": password }),
            )
            .await;
        body["data"]["login"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login failed: {body}"))
            .to_string()
    }

    /// Creates an ADMIN login (as the CLI does) and signs in.
    pub async fn admin_token(&self) -> String {
        let email = format!("admin-{}@example.org", unique_name());
        tessera::services::users::create_or_reset_admin(&self.state, &email, PASSWORD)
            .await
            .expect("create admin");
        self.login(&email, PASSWORD).await
    }

    /// Creates a login with `role` (MEMBER logins get a new contact) and signs in; returns the token
    /// and the contact id, if any.
    pub async fn token_for(&self, role: &str) -> (String, Option<String>) {
        let admin = self.admin_token().await;
        let email = format!("{}-{}@example.org", role.to_lowercase(), unique_name());
        let contact_id = if role == "MEMBER" {
            let body = self
                .gql(
                    &admin,
                    "mutation($e: String!) { createContact(input: { firstName: \"Mem\", lastName: \"Ber\", email: $e }) { id } }",
                    json!({ "e": email }),
                )
                .await;
            Some(
                body["data"]["createContact"]["id"]
                    .as_str()
                    .expect("contact id")
                    .to_string(),
            )
        } else {
            None
        };
        let body = self
            .gql(
                &admin,
                "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
                json!({ "i": { "email": email, "password": PASSWORD, "role": role, "contactId": contact_id } }),
            )
            .await;
        assert!(body["errors"].is_null(), "createUser failed: {body}");
        (self.login(&email, PASSWORD).await, contact_id)
    }

    /// Counts rows of a table directly in the database.
    pub async fn count(&self, table: &str) -> i64 {
        let backend = self.state.db.get_database_backend();
        let row = self
            .state
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count query")
            .expect("a row");
        row.try_get::<i64>("", "n").expect("count value")
    }
}

impl TestApp {
    /// The one-time tokens of the queued account messages from `template`, oldest first, as only the
    /// recipient's mailbox would see them (read from the outbox row's secret, which no API exposes).
    pub async fn mailed_tokens(&self, template: &str) -> Vec<String> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        use tessera::db::entities::outbound_message as outbound;
        outbound::Entity::find()
            .filter(outbound::Column::TemplateKey.eq(template))
            .order_by_asc(outbound::Column::Id)
            .all(&self.state.db)
            .await
            .expect("outbox rows")
            .into_iter()
            .filter_map(|m| m.secret)
            .collect()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.shutdown();
    }
}

/// The `extensions.code` of the first error.
pub fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<no error>")
}

/// The `extensions.field` of the first error.
pub fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or("<no field>")
}
