//! Importing a file from the command line: the rejected rows go to a CSV file beside it, every
//! row's outcome optionally to another, and a progress bar to the terminal.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};

use super::{Action, ImportKind, ImportOptions, ImportReport, ImportSink, Mapping, RejectsCsv};
use crate::error::{AppError, AppResult};
use crate::services::Actor;
use crate::state::AppState;

/// Where the command line's import writes.
pub struct FileImport {
    pub kind: ImportKind,
    pub file: PathBuf,
    pub mapping: Option<PathBuf>,
    pub options: ImportOptions,
    /// Rejected rows (default: `<file>.rejected.csv`, written only when a row is rejected).
    pub rejects: Option<PathBuf>,
    /// Every row's outcome, as CSV.
    pub outcomes: Option<PathBuf>,
    pub progress_bar: bool,
}

struct CliSink {
    rejects: RejectsCsv<BufWriter<File>>,
    outcomes: Option<csv::Writer<BufWriter<File>>>,
    bar: ProgressBar,
}

impl ImportSink for CliSink {
    fn start(&mut self, headers: &csv::StringRecord) -> AppResult<()> {
        if let Some(o) = &mut self.outcomes {
            o.write_record(["row", "action", "detail"])
                .map_err(AppError::internal)?;
        }
        self.rejects.start(headers)
    }
    fn rejected(&mut self, row: u64, record: &csv::StringRecord, reason: &str) -> AppResult<()> {
        self.rejects.rejected(row, record, reason)
    }
    fn outcome(&mut self, row: u64, action: Action, detail: &str) {
        if let Some(o) = &mut self.outcomes {
            let action = serde_json::to_value(action)
                .ok()
                .and_then(|v| v.as_str().map(String::from));
            let _ = o.write_record([
                row.to_string(),
                action.unwrap_or_default(),
                detail.to_string(),
            ]);
        }
    }
    fn progress(&mut self, rows: u64, bytes: u64) {
        self.bar.set_position(bytes);
        self.bar.set_message(format!("{rows} rows"));
    }
    fn finish(&mut self) -> AppResult<()> {
        self.bar.finish_and_clear();
        if let Some(o) = &mut self.outcomes {
            o.flush().map_err(AppError::internal)?;
        }
        self.rejects.finish()
    }
}

fn create(path: &Path) -> AppResult<BufWriter<File>> {
    File::create(path)
        .map(BufWriter::new)
        .map_err(|e| AppError::bad_input("file", format!("cannot write {}: {e}", path.display())))
}

/// Runs the import; returns its report and the rejected rows' file when there were any.
pub async fn import_file(
    state: &AppState,
    job: FileImport,
) -> AppResult<(ImportReport, Option<PathBuf>)> {
    let open_err = |p: &Path, e: std::io::Error| {
        AppError::bad_input("file", format!("cannot read {}: {e}", p.display()))
    };
    let mapping = match &job.mapping {
        Some(p) => Mapping::parse(&std::fs::read_to_string(p).map_err(|e| open_err(p, e))?)?,
        None => Mapping::default(),
    };
    let input = File::open(&job.file).map_err(|e| open_err(&job.file, e))?;
    let len = input.metadata().map(|m| m.len()).unwrap_or(0);
    let rejects_path = job.rejects.clone().unwrap_or_else(|| {
        let mut p = job.file.clone().into_os_string();
        p.push(".rejected.csv");
        p.into()
    });
    let bar = if job.progress_bar {
        ProgressBar::new(len)
    } else {
        ProgressBar::hidden()
    };
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {percent}% {msg} ({elapsed}, {eta} left)")
    {
        bar.set_style(style);
    }
    let mut sink = CliSink {
        rejects: RejectsCsv::new(create(&rejects_path)?),
        outcomes: job
            .outcomes
            .as_deref()
            .map(create)
            .transpose()?
            .map(csv::Writer::from_writer),
        bar,
    };
    let mut opts = job.options.clone();
    if opts.file_name.is_none() {
        opts.file_name = job
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
    }
    let report = super::run(
        state,
        &Actor::Cli,
        job.kind,
        input,
        &mapping,
        &opts,
        &mut sink,
    )
    .await;
    let rejected = sink.rejects.rows;
    drop(sink);
    if rejected == 0 || report.is_err() {
        let _ = std::fs::remove_file(&rejects_path);
        return Ok((report?, None));
    }
    Ok((report?, Some(rejects_path)))
}
