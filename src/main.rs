//! The `tessera` command line. Logs go to stderr; only command output goes to stdout.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tessera::clock::Clock;
use tessera::config::Settings;
use tessera::jobs::{JobSpec, registry, runs};

/// mimalloc instead of the system allocator: bulk rendering and queueing allocate heavily on
/// several threads (see bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "tessera",
    version,
    about = "Membership management server for nonprofits"
)]
struct Cli {
    /// Folder holding default.toml and $TESSERA_ENV.toml (default: ./config).
    #[arg(long, global = true, env = "TESSERA_CONFIG_DIR")]
    config_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database, then serve the API (and run the scheduler when enabled).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL) to stdout.
    Schema,
    /// Run background jobs by hand.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Load a realistic, reproducible demo data set into an empty database.
    Demo {
        /// Number of contacts.
        #[arg(long, default_value_t = 1000)]
        contacts: u64,
        /// Random seed: the same seed and date give the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The date the data is generated for (default today), YYYY-MM-DD.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Write a consistent copy of the live SQLite database to FILE (PostgreSQL: use pg_dump).
    Backup {
        /// The new file to write; it must not exist.
        file: PathBuf,
    },
    /// Import contacts, memberships or contributions from a CSV file (see README, "Importing your
    /// members"). Prints a JSON report; rejected rows go to FILE.rejected.csv with a reason column.
    Import {
        /// What the file holds: contacts, memberships or contributions.
        #[arg(value_parser = import_kind)]
        kind: tessera::services::import::ImportKind,
        /// The CSV file (UTF-8, with a header row; comma, semicolon or tab separated).
        file: PathBuf,
        /// A mapping file (TOML) for headers, date order, value tables (see config/import/).
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Report what would be created, updated, skipped or rejected; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// What to do with a row that matches an existing record: update (default) or skip.
        #[arg(long, value_parser = ["update", "skip"])]
        on_match: Option<String>,
        /// Where to write the rejected rows (default FILE.rejected.csv).
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// Also write every row's outcome (row, action, detail) to this CSV file.
        #[arg(long)]
        outcomes: Option<PathBuf>,
    },
    /// Manage logins.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an ADMIN login, or reset its password if it exists.
    Create {
        /// Email of the login.
        #[arg(long)]
        email: String,
        /// Password; prefer TESSERA_ADMIN_PASSWORD so it stays out of shell history.
        #[arg(long, env = "TESSERA_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Run one job once and print its report (JSON).
    Run {
        #[arg(value_name = "JOB", value_parser = job_named, help = job_names(), long_help = jobs_help())]
        job: &'static JobSpec,
        /// The date to evaluate the job's rules for (default today), YYYY-MM-DD.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
}

/// The kind an `import` argument names.
fn import_kind(name: &str) -> Result<tessera::services::import::ImportKind, String> {
    name.parse()
        .map_err(|_| format!("`{name}` is not contacts, memberships or contributions"))
}

/// The job a `jobs run` argument names.
fn job_named(name: &str) -> Result<&'static JobSpec, String> {
    registry::find(name).ok_or_else(|| registry::unknown_job(name))
}

/// Short help for `jobs run`'s argument: the names of the registry's jobs.
fn job_names() -> String {
    let names: Vec<&str> = registry::JOBS.iter().map(|job| job.name).collect();
    format!("The job: {}", names.join(", "))
}

/// Long help (`--help`): each job with what it does.
fn jobs_help() -> String {
    let width = registry::JOBS.iter().map(|job| job.name.len()).max();
    let lines = registry::JOBS.iter().map(|job| {
        let pad = width.unwrap_or(0);
        format!("\n  {:pad$}  {}", job.name, job.description)
    });
    format!("The job to run:{}", lines.collect::<String>())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Schema = cli.command {
        print!("{}", tessera::graphql::sdl());
        return ExitCode::SUCCESS;
    }
    let loaded = Settings::load(cli.config_dir.as_deref())
        .and_then(|settings| registry::validate(&settings).map(|()| settings));
    let settings = match loaded {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    tessera::telemetry::init(&settings.log);
    match run(cli.command, settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A failed command's error as the operator at the terminal needs it: with every cause (an API
/// client would get the generic message; the operator is the one who must fix it).
fn for_operator(e: tessera::error::AppError) -> anyhow::Error {
    anyhow::anyhow!(e.detail())
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            tracing::info!(database = %tessera::config::redact_url(&settings.database.url), "starting");
            let app = tessera::Application::build(settings).await?;
            app.run_until_stopped().await.context("server failed")?;
        }
        Command::Migrate => {
            let state = tessera::connect_state(settings, Clock::system()).await?;
            tessera::db::close(state.db).await;
            eprintln!("migrations applied");
        }
        Command::Backup { file } => {
            let state = tessera::connect_state(settings, Clock::system()).await?;
            let result = tessera::db::backup(&state.db, &file).await;
            tessera::db::close(state.db).await;
            result.map_err(|e| anyhow::anyhow!(e))?;
            println!("backup written to {}", file.display());
        }
        Command::Admin {
            command: AdminCommand::Create { email, password },
        } => {
            let state = tessera::connect_state(settings, Clock::system()).await?;
            let (user, created) =
                tessera::services::users::create_or_reset_admin(&state, &email, &password)
                    .await
                    .map_err(for_operator)?;
            tessera::db::close(state.db).await;
            let verb = if created { "created" } else { "reset" };
            println!("admin login {} {verb} (id {})", user.email, user.id);
        }
        Command::Jobs {
            command: JobsCommand::Run { job, as_of },
        } => {
            let state = tessera::connect_state(settings, Clock::system()).await?;
            let as_of = as_of.unwrap_or_else(|| state.clock.today());
            let run = runs::run(&state, job, as_of, "cli").await;
            tessera::db::close(state.db.clone()).await;
            let run = run.map_err(for_operator)?;
            let details = run.details.clone().unwrap_or(serde_json::Value::Null);
            let report = serde_json::json!({
                "run": run.id, "job": run.name, "asOf": run.as_of.to_string(), "status": run.status.as_str(),
                "processed": run.processed, "changed": run.changed, "details": details, "error": run.error,
            });
            println!("{}", serde_json::to_string_pretty(&report)?);
            if run.status != tessera::domain::job::JobStatus::Succeeded {
                anyhow::bail!("job {} failed", run.name);
            }
        }
        Command::Demo {
            contacts,
            seed,
            as_of,
        } => {
            let state = tessera::connect_state(settings, Clock::system()).await?;
            let as_of = as_of.unwrap_or_else(|| state.clock.today());
            let opts = tessera::demo::DemoOptions {
                contacts,
                seed,
                as_of,
            };
            let summary = tessera::demo::load(&state, &opts).await;
            tessera::db::close(state.db.clone()).await;
            let summary = summary.map_err(for_operator)?;
            println!("{}", tessera::demo::describe(&summary, as_of));
        }
        Command::Import {
            kind,
            file,
            mapping,
            dry_run,
            on_match,
            rejects,
            outcomes,
        } => {
            use tessera::services::import::{self, OnMatch, file::FileImport};
            let state = tessera::connect_state(settings, Clock::system()).await?;
            let job = FileImport {
                kind,
                file,
                mapping,
                options: import::ImportOptions {
                    dry_run,
                    on_match: on_match.map(|m| {
                        if m == "skip" {
                            OnMatch::Skip
                        } else {
                            OnMatch::Update
                        }
                    }),
                    file_name: None,
                },
                rejects,
                outcomes,
                progress_bar: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            };
            let result = import::file::import_file(&state, job).await;
            tessera::db::close(state.db.clone()).await;
            let (mut report, rejected) = result.map_err(for_operator)?;
            report.outcomes.clear();
            report.errors.truncate(100);
            let mut out = serde_json::to_value(&report)?;
            out["rejectedFile"] = rejected.map(|p| p.display().to_string()).into();
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Command::Schema => unreachable!("handled before settings are loaded"),
    }
    Ok(())
}
