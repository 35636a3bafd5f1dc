//! Reading the file: the separator, the byte-order mark, quoted newlines, batches of rows, and each
//! cell turned into a field value or an error naming its column.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Read, Write};

use chrono::NaiveDate;
use csv::StringRecord;

use super::mapping::{Columns, FieldSpec, Mapping};
use super::{Action, ImportKind, ImportReport, MAX_LISTED, RowError};
use crate::domain::FieldError;
use crate::domain::import::{parse_bool, parse_date};
use crate::error::{AppError, AppResult};

/// Where rejected rows and progress go as the import runs.
pub trait ImportSink {
    /// Called once with the file's header row.
    fn start(&mut self, _headers: &StringRecord) -> AppResult<()> {
        Ok(())
    }
    /// A row that was not imported, with every reason.
    fn rejected(&mut self, _row: u64, _record: &StringRecord, _reason: &str) -> AppResult<()> {
        Ok(())
    }
    /// Every row's outcome.
    fn outcome(&mut self, _row: u64, _action: Action, _detail: &str) {}
    /// Rows read so far.
    fn progress(&mut self, _rows: u64, _bytes: u64) {}
    fn finish(&mut self) -> AppResult<()> {
        Ok(())
    }
}

/// Keeps nothing.
pub struct NoSink;
impl ImportSink for NoSink {}

/// Writes the rejected rows as CSV: the file's own columns and a `reason` column, so they can be
/// fixed and imported again.
pub struct RejectsCsv<W: Write> {
    out: csv::Writer<W>,
    pub rows: u64,
}

impl<W: Write> RejectsCsv<W> {
    pub fn new(w: W) -> Self {
        Self {
            out: csv::Writer::from_writer(w),
            rows: 0,
        }
    }

    pub fn into_inner(self) -> AppResult<W> {
        self.out
            .into_inner()
            .map_err(|e| AppError::internal(e.to_string()))
    }
}

impl<W: Write> ImportSink for RejectsCsv<W> {
    fn start(&mut self, headers: &StringRecord) -> AppResult<()> {
        let mut h: Vec<&str> = headers
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}'))
            .collect();
        h.extend(["row", "reason"]);
        self.out.write_record(&h).map_err(AppError::internal)
    }

    fn rejected(&mut self, row: u64, record: &StringRecord, reason: &str) -> AppResult<()> {
        self.rows += 1;
        let row = row.to_string();
        let mut cells: Vec<&str> = record.iter().collect();
        cells.extend([row.as_str(), reason]);
        self.out.write_record(&cells).map_err(AppError::internal)
    }

    fn finish(&mut self) -> AppResult<()> {
        self.out.flush().map_err(AppError::internal)
    }
}

/// The open file.
pub struct Source<R: Read> {
    reader: csv::Reader<BufReader<R>>,
    pub columns: Columns,
    pub fields: &'static [FieldSpec],
    rows: u64,
    /// Records read, blank ones included: a row's number in a spreadsheet is this plus one.
    records: u64,
}

/// One row of a batch: its line and cells.
pub struct Line {
    pub row: u64,
    pub record: StringRecord,
}

impl<R: Read> Source<R> {
    pub fn open(input: R, kind: ImportKind, mapping: &Mapping) -> AppResult<Self> {
        let mut buf = BufReader::with_capacity(1 << 16, input);
        let head = buf.fill_buf().map_err(file_error)?;
        let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
        let delimiter = match mapping.delimiter {
            Some(c) if c.is_ascii() => c as u8,
            Some(c) => {
                return Err(AppError::bad_input(
                    "mapping",
                    format!("delimiter `{c}` must be one ASCII character"),
                ));
            }
            None => sniff(head),
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(buf);
        let headers = reader.headers().map_err(file_error)?.clone();
        if headers.iter().all(|h| h.trim().is_empty()) {
            return Err(AppError::bad_input("file", "the file has no header row"));
        }
        let (fields, required) = match kind {
            ImportKind::Contacts => (super::contacts::FIELDS, super::contacts::REQUIRED),
            ImportKind::Memberships => (super::memberships::FIELDS, super::memberships::REQUIRED),
            ImportKind::Contributions => {
                (super::contributions::FIELDS, super::contributions::REQUIRED)
            }
        };
        let columns = Columns::resolve(fields, &headers, mapping)?;
        columns.require(fields, required)?;
        Ok(Self {
            reader,
            columns,
            fields,
            rows: 0,
            records: 0,
        })
    }

    /// The next rows (empty at the end). Rows the CSV reader cannot read (bad UTF-8, too many
    /// cells) are rejected here.
    pub fn next_batch(
        &mut self,
        report: &mut ImportReport,
        sink: &mut (dyn ImportSink + Send),
    ) -> AppResult<Vec<Line>> {
        let mut lines = Vec::with_capacity(super::BATCH_ROWS);
        let width = self.columns.headers.len();
        while lines.len() < super::BATCH_ROWS {
            let mut raw = csv::ByteRecord::new();
            match self.reader.read_byte_record(&mut raw) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) if e.is_io_error() => return Err(file_error(e)),
                Err(e) => return Err(file_error(e)),
            }
            self.records += 1;
            let row = self.records + 1;
            if raw.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
                continue;
            }
            self.rows += 1;
            report.rows += 1;
            let record = match StringRecord::from_byte_record(raw) {
                Ok(r) => r,
                Err(e) => {
                    let lossy = StringRecord::from_byte_record_lossy(e.into_byte_record());
                    reject(
                        report,
                        sink,
                        row,
                        &lossy,
                        vec![plain(
                            row,
                            "the row is not valid UTF-8 text (save the file as UTF-8)",
                        )],
                    )?;
                    continue;
                }
            };
            if record.len() > width {
                let why = format!("the row has {} cells, the header {width}", record.len());
                reject(report, sink, row, &record, vec![plain(row, &why)])?;
                continue;
            }
            lines.push(Line { row, record });
        }
        sink.progress(self.rows, self.reader.position().byte());
        Ok(lines)
    }
}

fn file_error(e: impl std::fmt::Display) -> AppError {
    AppError::bad_input("file", format!("the file cannot be read as CSV: {e}"))
}

/// The separator the header line uses most: comma, semicolon or tab.
fn sniff(head: &[u8]) -> u8 {
    let line = head.split(|b| *b == b'\n').next().unwrap_or(head);
    let count = |d: u8| line.iter().filter(|b| **b == d).count();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| (count(*d), *d == b','))
        .unwrap_or(b',')
}

fn plain(row: u64, reason: &str) -> RowError {
    RowError {
        row,
        column: None,
        value: None,
        reason: reason.into(),
    }
}

/// Counts a rejected row, keeps its first errors and hands it to the sink.
pub fn reject(
    report: &mut ImportReport,
    sink: &mut (dyn ImportSink + Send),
    row: u64,
    record: &StringRecord,
    errors: Vec<RowError>,
) -> AppResult<()> {
    let reason = errors
        .iter()
        .map(|e| match &e.column {
            Some(c) => format!("{c}: {}", e.reason),
            None => e.reason.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ");
    sink.rejected(row, record, &reason)?;
    report.count(row, Action::Rejected, reason, sink);
    for e in errors {
        if report.errors.len() < MAX_LISTED {
            report.errors.push(e);
        }
    }
    Ok(())
}

/// Reads one row's cells into field values, collecting every problem.
pub struct Cells<'a> {
    pub line: &'a Line,
    columns: &'a Columns,
    mapping: &'a Mapping,
    fields: &'static [FieldSpec],
    pub errors: Vec<RowError>,
}

impl<'a> Cells<'a> {
    pub fn new<R: Read>(line: &'a Line, src: &'a Source<R>, mapping: &'a Mapping) -> Self {
        Self {
            line,
            columns: &src.columns,
            mapping,
            fields: src.fields,
            errors: Vec::new(),
        }
    }

    /// The trimmed, non-empty cell of a field, after the mapping's value table.
    pub fn text(&self, key: &str) -> Option<String> {
        let i = self.columns.index(key)?;
        let raw = self.line.record.get(i)?.trim();
        if raw.is_empty() {
            return None;
        }
        Some(self.mapping.value(key, raw).trim().to_string()).filter(|v| !v.is_empty())
    }

    pub fn date(&mut self, key: &str) -> Option<NaiveDate> {
        let raw = self.text(key)?;
        let order = self.mapping.date_order;
        self.check(key, &raw, parse_date(&raw, order, key))
    }

    pub fn bool(&mut self, key: &str) -> Option<bool> {
        let raw = self.text(key)?;
        self.check(key, &raw, parse_bool(&raw, key)).flatten()
    }

    /// The value, or an error recorded against the field's column.
    pub fn check<T>(&mut self, key: &str, raw: &str, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(key, Some(raw), &e.message);
                None
            }
        }
    }

    pub fn fail(&mut self, key: &str, value: Option<&str>, reason: &str) {
        self.errors.push(RowError {
            row: self.line.row,
            column: self.columns.header(key).or_else(|| Some(key.to_string())),
            value: value.map(|v| v.chars().take(200).collect()),
            reason: reason.into(),
        });
    }

    /// An error the domain reported by API field name (`firstName`), put on its column.
    pub fn fail_api(&mut self, e: &FieldError) {
        let key = self
            .fields
            .iter()
            .find(|f| f.api == e.field)
            .map_or(e.field.as_str(), |f| f.key);
        let value = self.text(key);
        self.fail(key, value.as_deref(), &e.message);
    }
}

/// The keys of rows already read: a second row with the same email or external id is a
/// duplicate, reported with the line of the first.
#[derive(Default)]
pub struct Seen(HashMap<u64, u64>);

impl Seen {
    /// The line that first had `key`, or records it for `row`.
    pub fn first(&mut self, kind: &str, key: &str, row: u64) -> Option<u64> {
        let mut h = DefaultHasher::new();
        (kind, key).hash(&mut h);
        match self.0.entry(h.finish()) {
            std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(row);
                None
            }
        }
    }
}
