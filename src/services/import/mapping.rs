//! Which column of a file holds which field: by header name with built-in aliases (the headers of
//! CiviCRM's exports and of typical spreadsheets), or as a mapping file says.

use std::collections::HashMap;

use csv::StringRecord;
use serde::Deserialize;

use crate::domain::import::{DateOrder, header_key};
use crate::error::{AppError, AppResult};

/// What an import does with a row that matches an existing record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnMatch {
    /// Fill in the row's non-empty cells (empty cells never clear a value).
    #[default]
    Update,
    /// Leave the existing record as it is.
    Skip,
}

/// A mapping file (TOML). Every key is optional; see `config/import/*.toml` for examples.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// field = "Header in the file", for headers the aliases do not know.
    #[serde(default)]
    pub columns: HashMap<String, String>,
    /// How non-ISO dates are written: "DMY", "MDY" or "YMD".
    pub date_order: Option<DateOrder>,
    /// The cell separator; guessed from the header line (`,`, `;` or tab) when absent.
    pub delimiter: Option<char>,
    /// Amounts are written `1.234,50`.
    #[serde(default)]
    pub decimal_comma: bool,
    /// The currency of amounts when the file has no currency column (default: the organisation's).
    pub currency: Option<String>,
    /// What to do with rows matching an existing record (the command line's option wins).
    pub on_match: Option<OnMatch>,
    /// Memberships keep the file's status (held) instead of getting it from the rules.
    #[serde(default)]
    pub hold_status: bool,
    /// field = { "value in the file" = "value Tessera knows" }, e.g. country names to codes or
    /// the old system's membership type names to this one's.
    #[serde(default)]
    pub values: HashMap<String, HashMap<String, String>>,
}

impl Mapping {
    /// Parses a mapping file; an error names the line.
    pub fn parse(text: &str) -> AppResult<Self> {
        toml::from_str(text).map_err(|e| {
            AppError::bad_input("mapping", format!("the mapping file is not valid: {e}"))
        })
    }

    /// The value a cell stands for, after the mapping's `[values.<field>]` table (exact, then
    /// without regard to case).
    pub fn value<'a>(&'a self, field: &str, raw: &'a str) -> &'a str {
        let Some(table) = self.values.get(field) else {
            return raw;
        };
        if let Some(v) = table.get(raw) {
            return v;
        }
        table
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(raw))
            .map_or(raw, |(_, v)| v.as_str())
    }
}

/// One importable field: its mapping key, the API name errors use, and the header aliases it is
/// found by (compared as `header_key`s).
pub struct FieldSpec {
    pub key: &'static str,
    pub api: &'static str,
    pub aliases: &'static [&'static str],
}

/// `spec!("key", "apiName", ["alias", …])`: a [`FieldSpec`] (aliases are `header_key`s).
macro_rules! spec {
    ($key:literal, $api:literal, [$($alias:literal),*]) => {
        $crate::services::import::mapping::FieldSpec { key: $key, api: $api, aliases: &[$($alias),*] }
    };
}
pub(crate) use spec;

/// Where each field is in the file.
pub struct Columns {
    pub headers: StringRecord,
    found: HashMap<&'static str, usize>,
    /// Headers no field uses (reported, not an error).
    pub ignored: Vec<String>,
}

impl Columns {
    /// Resolves the file's headers; a mapping naming an unknown field or a missing header is an
    /// error, as is a header two fields claim.
    pub fn resolve(
        fields: &'static [FieldSpec],
        headers: &StringRecord,
        mapping: &Mapping,
    ) -> AppResult<Self> {
        let keys: Vec<String> = headers.iter().map(header_key).collect();
        let mut found = HashMap::new();
        let mut taken = vec![false; keys.len()];
        for (field, header) in &mapping.columns {
            let spec = fields.iter().find(|f| f.key == field).ok_or_else(|| {
                let known: Vec<&str> = fields.iter().map(|f| f.key).collect();
                AppError::bad_input(
                    "mapping",
                    format!(
                        "[columns] names `{field}`, which this import does not have (it has {})",
                        known.join(", ")
                    ),
                )
            })?;
            let at = keys
                .iter()
                .position(|k| *k == header_key(header))
                .ok_or_else(|| {
                    AppError::bad_input(
                        "mapping",
                        format!("[columns] {field} = \"{header}\": the file has no such column"),
                    )
                })?;
            taken[at] = true;
            found.insert(spec.key, at);
        }
        for spec in fields {
            if found.contains_key(spec.key) {
                continue;
            }
            let at =
                (0..keys.len()).find(|&i| !taken[i] && spec.aliases.contains(&keys[i].as_str()));
            if let Some(at) = at {
                taken[at] = true;
                found.insert(spec.key, at);
            }
        }
        let ignored = headers
            .iter()
            .zip(&taken)
            .filter(|(_, t)| !**t)
            .map(|(h, _)| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        Ok(Self {
            headers: headers.clone(),
            found,
            ignored,
        })
    }

    pub fn has(&self, key: &str) -> bool {
        self.found.contains_key(key)
    }

    pub fn index(&self, key: &str) -> Option<usize> {
        self.found.get(key).copied()
    }

    /// The header of a field's column, as the file writes it.
    pub fn header(&self, key: &str) -> Option<String> {
        self.index(key)
            .and_then(|i| self.headers.get(i))
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
    }

    /// Refuses a file that lacks every column of one of the `needed` groups (any one column of a
    /// group suffices).
    pub fn require(&self, fields: &[FieldSpec], needed: &[&[&str]]) -> AppResult<()> {
        for group in needed {
            if !group.iter().any(|k| self.has(k)) {
                let names: Vec<String> = group
                    .iter()
                    .filter_map(|k| fields.iter().find(|f| f.key == *k))
                    .map(|f| {
                        format!(
                            "{} (e.g. \"{}\")",
                            f.key,
                            f.aliases.first().unwrap_or(&f.key)
                        )
                    })
                    .collect();
                return Err(AppError::bad_input(
                    "file",
                    format!("the file needs a column for {}", names.join(" or ")),
                ));
            }
        }
        Ok(())
    }
}
