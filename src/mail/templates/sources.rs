//! Where template sources come from: the copies compiled into the binary, or a folder on disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::TemplateError;

/// The three parts of every message, as file stems under `<key>/`.
const PARTS: [&str; 3] = ["subject", "body.txt", "body.html"];

/// Compiled-in copies of `email-templates/`, so the binary works from any directory.
macro_rules! embed_message {
    ($key:literal) => {
        (
            $key,
            [
                include_str!(concat!("../../../email-templates/", $key, "/subject.hbs")),
                include_str!(concat!("../../../email-templates/", $key, "/body.txt.hbs")),
                include_str!(concat!("../../../email-templates/", $key, "/body.html.hbs")),
            ],
        )
    };
}

const EMBEDDED_MESSAGES: [(&str, [&str; 3]); 19] = [
    embed_message!("welcome"),
    embed_message!("renewal-reminder"),
    embed_message!("membership-renewed"),
    embed_message!("membership-expired"),
    embed_message!("password-reset"),
    embed_message!("contribution-receipt"),
    embed_message!("annual-statement"),
    embed_message!("tribute-notification"),
    embed_message!("payment-instructions"),
    embed_message!("invitation"),
    embed_message!("verify-email"),
    embed_message!("signup-existing"),
    embed_message!("payment-failed"),
    embed_message!("event-registration"),
    embed_message!("event-promoted"),
    embed_message!("event-cancelled"),
    embed_message!("event-reminder"),
    embed_message!("event-thank-you"),
    embed_message!("subscribe-confirm"),
];

macro_rules! embed_partial {
    ($file:literal) => {
        (
            $file,
            include_str!(concat!("../../../email-templates/partials/", $file)),
        )
    };
}

const EMBEDDED_PARTIALS: [(&str, &str); 3] = [
    embed_partial!("layout.html.hbs"),
    embed_partial!("footer.txt.hbs"),
    embed_partial!("greeting.hbs"),
];

/// Template sources before compilation: partial file names and message key → parts.
pub(super) struct Sources {
    pub(super) partials: Vec<(String, String)>,
    pub(super) messages: BTreeMap<String, [String; 3]>,
}

pub(super) fn embedded() -> Sources {
    Sources {
        partials: EMBEDDED_PARTIALS
            .iter()
            .map(|(f, s)| (f.to_string(), s.to_string()))
            .collect(),
        messages: EMBEDDED_MESSAGES
            .iter()
            .map(|(k, parts)| (k.to_string(), parts.map(str::to_string)))
            .collect(),
    }
}

fn read(path: PathBuf) -> Result<String, TemplateError> {
    std::fs::read_to_string(&path).map_err(|source| TemplateError::Io { path, source })
}

fn list_dir(dir: &Path) -> Result<Vec<PathBuf>, TemplateError> {
    let io = |source| TemplateError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|entry| entry.map(|e| e.path()).map_err(io))
        .collect::<Result<Vec<_>, _>>()?;
    paths.sort();
    Ok(paths)
}

pub(super) fn from_dir(dir: &Path) -> Result<Sources, TemplateError> {
    let mut sources = Sources {
        partials: Vec::new(),
        messages: BTreeMap::new(),
    };
    let partials_dir = dir.join("partials");
    if partials_dir.is_dir() {
        for path in list_dir(&partials_dir)? {
            let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
                continue;
            };
            if path.is_file() && file.ends_with(".hbs") {
                let file = file.to_string();
                sources.partials.push((file, read(path)?));
            }
        }
    }
    for path in list_dir(dir)? {
        let Some(key) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        // Hidden folders (e.g. `.git`) and the partials are not messages.
        if !path.is_dir() || key == "partials" || key.starts_with('.') {
            continue;
        }
        let key = key.to_string();
        let [subject, text, html] = PARTS.map(|p| path.join(format!("{p}.hbs")));
        let parts = [read(subject)?, read(text)?, read(html)?];
        sources.messages.insert(key, parts);
    }
    // Fail at startup rather than when the first such message is due for delivery.
    for (key, _) in EMBEDDED_MESSAGES {
        if !sources.messages.contains_key(key) {
            return Err(TemplateError::MissingMessage {
                dir: dir.to_path_buf(),
                key: key.to_string(),
            });
        }
    }
    Ok(sources)
}
