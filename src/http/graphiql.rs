//! The GraphiQL page (`/graphiql`), where admins paste a bearer token: so it loads exactly the
//! scripts it names. React 18.3.1 and GraphiQL 4.1.2, production builds, pinned with Subresource
//! Integrity hashes, come from unpkg by default, or from a local folder (`graphql.graphiql_assets_dir`)
//! for offline and air-gapped installations; the local files are checked against the same hashes at
//! start-up. The page's own start-up script is served from this server, so the Content-Security-Policy
//! allows scripts from the asset origin and this server only.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use poem::http::{HeaderValue, StatusCode};
use poem::web::{Data, Path as UrlPath};
use poem::{IntoResponse, Response, handler};
use sha2::{Digest, Sha384};

use super::HttpState;

/// One pinned asset: its file name, where unpkg serves it, and its SRI hash (SHA-384 of the npm
/// package's file, which unpkg serves unchanged).
struct Asset {
    file: &'static str,
    cdn: &'static str,
    integrity: &'static str,
    content_type: &'static str,
}

const ASSETS: [Asset; 4] = [
    Asset {
        file: "react.production.min.js",
        cdn: "https://unpkg.com/react@18.3.1/umd/react.production.min.js",
        integrity: "sha384-DGyLxAyjq0f9SPpVevD6IgztCFlnMF6oW/XQGmfe+IsZ8TqEiDrcHkMLKI6fiB/Z",
        content_type: "text/javascript; charset=utf-8",
    },
    Asset {
        file: "react-dom.production.min.js",
        cdn: "https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js",
        integrity: "sha384-gTGxhz21lVGYNMcdJOyq01Edg0jhn/c22nsx0kyqP0TxaV5WVdsSH1fSDUf5YJj1",
        content_type: "text/javascript; charset=utf-8",
    },
    Asset {
        file: "graphiql.min.js",
        cdn: "https://unpkg.com/graphiql@4.1.2/graphiql.min.js",
        integrity: "sha384-9XdHu7ajgGJziD4J1zNBKQ842Q/+zZfDv+ib1eMhZWBH6hPAs806x+Jbcf0yNO6B",
        content_type: "text/javascript; charset=utf-8",
    },
    Asset {
        file: "graphiql.min.css",
        cdn: "https://unpkg.com/graphiql@4.1.2/graphiql.min.css",
        integrity: "sha384-1el1QShFBnnXTx9x/Cprg82hZWKt0ry29OAYIXt05swbi0KcZDFoj0CWguMpopJr",
        content_type: "text/css; charset=utf-8",
    },
];

/// Starts GraphiQL against `/graphql`; served as a file so no inline script needs allowing.
const INIT_JS: &str = r#""use strict";
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher: GraphiQL.createFetcher({
      url: new URL("/graphql", window.location.origin).toString(),
    }),
    defaultEditorToolsVisibility: true,
  })
);
"#;

/// The page and, with a local folder, the asset files it serves.
pub struct GraphiqlPage {
    html: String,
    csp: String,
    local: HashMap<&'static str, (&'static str, Vec<u8>)>,
}

impl GraphiqlPage {
    /// Assets from unpkg (`assets_dir` empty) or from `assets_dir`, whose files must match the pinned
    /// hashes; the error names the setting and the file.
    pub fn new(assets_dir: &str) -> Result<Arc<Self>, String> {
        let mut local = HashMap::new();
        if !assets_dir.is_empty() {
            for pinned in &ASSETS {
                let path = Path::new(assets_dir).join(pinned.file);
                let bytes = std::fs::read(&path).map_err(|e| {
                    format!(
                        "graphql.graphiql_assets_dir: cannot read {}: {e}",
                        path.display()
                    )
                })?;
                if sri(&bytes) != pinned.integrity {
                    return Err(format!(
                        "graphql.graphiql_assets_dir: {} is not the pinned file ({}); see README",
                        path.display(),
                        pinned.cdn
                    ));
                }
                local.insert(pinned.file, (pinned.content_type, bytes));
            }
        }
        let src = |a: &Asset| {
            if local.is_empty() {
                a.cdn.to_string()
            } else {
                format!("/graphiql/assets/{}", a.file)
            }
        };
        let tag = |a: &Asset| {
            if a.file.ends_with(".css") {
                format!(
                    r#"<link rel="stylesheet" href="{}" integrity="{}" crossorigin="anonymous">"#,
                    src(a),
                    a.integrity
                )
            } else {
                format!(
                    r#"<script src="{}" integrity="{}" crossorigin="anonymous"></script>"#,
                    src(a),
                    a.integrity
                )
            }
        };
        let tags: Vec<String> = ASSETS.iter().map(tag).collect();
        let html = format!(
            r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="referrer" content="no-referrer">
    <title>Tessera GraphiQL</title>
    {css}
  </head>
  <body style="margin:0">
    <div id="graphiql" style="height:100vh">Loading…</div>
    {react}
    {react_dom}
    {graphiql}
    <script src="/graphiql/init.js" integrity="{init_sri}"></script>
  </body>
</html>
"#,
            css = tags[3],
            react = tags[0],
            react_dom = tags[1],
            graphiql = tags[2],
            init_sri = sri(INIT_JS.as_bytes()),
        );
        let origin = if local.is_empty() {
            " https://unpkg.com"
        } else {
            ""
        };
        let csp = format!(
            "default-src 'none'; script-src 'self'{origin}; style-src 'self'{origin} 'unsafe-inline'; \
             font-src 'self'{origin} data:; img-src 'self' data:; connect-src 'self'; \
             base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        );
        Ok(Arc::new(Self { html, csp, local }))
    }

    /// The Content-Security-Policy of the page.
    pub fn csp(&self) -> &str {
        &self.csp
    }
}

/// `sha384-<base64>` of some bytes, as Subresource Integrity writes it.
fn sri(bytes: &[u8]) -> String {
    format!("sha384-{}", STANDARD.encode(Sha384::digest(bytes)))
}

fn with_csp(mut resp: Response, csp: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(csp) {
        resp.headers_mut().insert("content-security-policy", v);
    }
    resp
}

#[handler]
pub async fn page(Data(state): Data<&HttpState>) -> Response {
    let Some(built) = &state.graphiql else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let resp = Response::builder()
        .content_type("text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .body(built.html.clone());
    with_csp(resp, built.csp())
}

#[handler]
pub async fn init_js() -> Response {
    Response::builder()
        .content_type("text/javascript; charset=utf-8")
        .header("cache-control", "public, max-age=3600")
        .body(INIT_JS)
}

#[handler]
pub async fn asset(UrlPath(name): UrlPath<String>, Data(state): Data<&HttpState>) -> Response {
    let found = state
        .graphiql
        .as_ref()
        .and_then(|p| p.local.get(name.as_str()));
    match found {
        Some((content_type, bytes)) => Response::builder()
            .content_type(*content_type)
            .header("cache-control", "public, max-age=86400, immutable")
            .body(bytes.clone()),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cdn_page_pins_versions_with_integrity_and_production_builds() {
        let built = GraphiqlPage::new("").unwrap();
        for a in &ASSETS {
            assert!(built.html.contains(a.cdn), "{}", a.cdn);
            assert!(built.html.contains(a.integrity));
        }
        assert!(!built.html.contains("development"));
        assert!(!built.html.contains("@18/") && !built.html.contains("@4/"));
        assert!(built.csp().contains("script-src 'self' https://unpkg.com;"));
        assert!(!built.csp().contains("unsafe-eval"));
    }

    #[test]
    fn a_local_folder_must_hold_the_pinned_files() {
        let dir = std::env::temp_dir().join(format!("graphiql-{}", rand::random::<u32>()));
        std::fs::create_dir_all(&dir).unwrap();
        let err = GraphiqlPage::new(dir.to_str().unwrap()).err().unwrap();
        assert!(
            err.contains("graphql.graphiql_assets_dir") && err.contains("react"),
            "{err}"
        );
        for a in &ASSETS {
            std::fs::write(dir.join(a.file), "tampered").unwrap();
        }
        let err = GraphiqlPage::new(dir.to_str().unwrap()).err().unwrap();
        assert!(err.contains("not the pinned file"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
