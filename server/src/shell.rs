//! Everything that is not `/api`: the static site (the wasm bundle, CSS,
//! icons) and, for any other path, the HTML shell that loads the app, whose
//! client-side router then renders the page for that path.

use axum::response::{Html, IntoResponse};
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos::hydration::{AutoReload, HydrationScripts};
use leptos::prelude::*;
use std::sync::Arc;
use tower_http::services::ServeDir;

/// The shell page. Its body is empty: the app renders on the client.
/// `chunks`: the split wasm chunks; with `preload`, the page fetches them
/// at once beside the main bundle rather than after it has started and
/// routed, one round trip later.
fn shell(options: LeptosOptions, chunks: Vec<String>, preload: bool) -> impl IntoView {
    let css = format!(
        "/{}/{}.css",
        options.site_pkg_dir,
        bundle_name(&options, "css")
    );
    // `as=fetch` + `crossorigin`: the split loader fetches a chunk with
    // `fetch()` (CORS mode, same-origin credentials), which only reuses a
    // preloaded response requested the same way.
    let hints = chunks
        .iter()
        .filter(|_| preload)
        .map(|href| view! { <link rel="preload" href=href.clone() r#as="fetch" crossorigin="anonymous" /> })
        .collect_view();
    // Where the app finds the chunks to fetch once a sign-in starts
    // (`app::browser::preload`).
    let code = chunks.join(" ");
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="description" content="Sign in to your organization's console." />
                <title>"Latchkey"</title>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="stylesheet" href=css />
                <meta name="latchkey-console-code" content=code />
                {hints}
                <AutoReload options=options.clone() />
                <HydrationScripts options />
            </head>
            <body>
                <noscript>"Latchkey needs JavaScript and WebAssembly enabled."</noscript>
            </body>
        </html>
    }
}

/// The hash file cargo-leptos writes beside the binary (`js: …`, `wasm: …`,
/// `css: …`), when the build hashed the bundle's file names.
pub fn hash_file() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.join("hash.txt");
    path.exists().then_some(path)
}

/// The bundle's base name for `kind` (`css`, `js`, `wasm`): the output name,
/// with its content hash when file names are hashed. (Leptos' loader
/// script finds the js and wasm names the same way.)
fn bundle_name(options: &LeptosOptions, kind: &str) -> String {
    let name = options.output_name.to_string();
    if !options.hash_files {
        return name;
    }
    let hashes = hash_file()
        .and_then(|path| std::fs::read_to_string(path).ok())
        .unwrap_or_default();
    hashes
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(file, _)| file.trim() == kind)
        .map_or(name.clone(), |(_, hash)| format!("{name}.{}", hash.trim()))
}

/// Cache headers for everything that is not `/api`: bundle files whose
/// names carry their content hash never change, so browsers keep them for a
/// year without asking; anything else (the shell, the favicon) is
/// revalidated on every visit, so a new release is picked up at once.
pub async fn cache_control(
    hashed: axum::extract::State<bool>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::header::{HeaderValue, CACHE_CONTROL};
    let immutable = *hashed && request.uri().path().starts_with("/pkg/");
    let mut response = next.run(request).await;
    let value = if immutable && response.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

/// The two shells, rendered once at start. They differ in one hint: the
/// console's code (the split chunk of `app::ConsoleRoute`) is preloaded
/// for console pages a browser with a session asks for. The sign-in page
/// never hints at it: prefetched there, even at the lowest priority, it
/// slowed that page's largest paint (measured, BENCHMARKS.md); both name
/// it in a `<meta>`, from which the app fetches it once the person starts
/// signing in.
#[derive(Clone)]
pub struct Shells {
    /// For sign-in pages, and for visitors without a session.
    pub public: Arc<str>,
    /// For console pages asked for with a session cookie.
    pub console: Arc<str>,
}

impl Shells {
    /// Renders both shells.
    pub fn render(options: &LeptosOptions) -> Self {
        let chunks = split_chunks(options);
        let render = |preload| -> Arc<str> {
            let (options, chunks) = (options.clone(), chunks.clone());
            Owner::new()
                .with(|| shell(options, chunks, preload).to_html())
                .into()
        };
        Shells {
            public: render(false),
            console: render(true),
        }
    }

    /// The shell for `path` asked for with `cookies` (the `Cookie` header):
    /// the console's when the browser holds a session (either cookie name)
    /// and the path is not one of the sign-in pages (`app::App`'s routes).
    fn for_request(&self, path: &str, cookies: &str) -> Arc<str> {
        const SIGN_IN_PAGES: [&str; 4] = ["/login", "/verify-email", "/reset-password", "/enroll"];
        let session = cookies.split(';').any(|c| {
            crate::auth::is_session_cookie(c.trim().split('=').next().unwrap_or_default())
        });
        if session && !SIGN_IN_PAGES.contains(&path) {
            self.console.clone()
        } else {
            self.public.clone()
        }
    }
}

/// The split wasm chunks (`/pkg/….wasm`) the build's manifest
/// (`__wasm_split_manifest*.json`, written by `cargo leptos --split`)
/// names; none for a build without splitting.
fn split_chunks(options: &LeptosOptions) -> Vec<String> {
    let dir = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let manifest = std::fs::read_dir(&dir).ok().and_then(|entries| {
        entries.filter_map(|e| e.ok()).find(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("__wasm_split_manifest") && name.ends_with(".json")
        })
    });
    let Some(manifest) = manifest else {
        return Vec::new();
    };
    let split: std::collections::BTreeMap<String, Vec<String>> = std::fs::read(manifest.path())
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    split
        .into_values()
        .flatten()
        .map(|chunk| format!("/{}/{chunk}.wasm", options.site_pkg_dir))
        .collect()
}

/// The live-reload socket `cargo leptos watch` injects into the shell, if
/// it is running, for the Content-Security-Policy's `connect-src`.
pub fn reload_socket(options: &LeptosOptions) -> Option<String> {
    std::env::var("LEPTOS_WATCH").ok()?;
    let port = options.reload_external_port.unwrap_or(options.reload_port);
    Some(format!("ws://localhost:{port} ws://127.0.0.1:{port}"))
}

/// Serves files from the site root, precompressed variants first, and the
/// shell (status 200) for every path that is not a file: `/login`,
/// `/account` and any deep link are pages of the single-page app.
pub fn site(root: &str, shells: Shells) -> ServeDir<axum::routing::MethodRouter> {
    ServeDir::new(root)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(get(
            move |uri: axum::http::Uri, headers: axum::http::HeaderMap| {
                let cookies = headers
                    .get(axum::http::header::COOKIE)
                    .and_then(|c| c.to_str().ok())
                    .unwrap_or_default();
                // A bundle file that is not there (an older release's,
                // after an upgrade) is 404, never the shell: `/pkg/`
                // answers are cached as immutable, and HTML under a wasm's
                // name would stay for a year.
                let missing_bundle_file = uri.path().starts_with("/pkg/");
                let page = shells.for_request(uri.path(), cookies);
                async move {
                    if missing_bundle_file {
                        axum::http::StatusCode::NOT_FOUND.into_response()
                    } else {
                        Html(page.to_string()).into_response()
                    }
                }
            },
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_pages_of_a_browser_with_a_session_preload_the_console_code() {
        let shells = Shells {
            public: "public".into(),
            console: "console".into(),
        };
        let public = shells.public.clone();
        for (path, cookies, expected) in [
            ("/account", "latchkey_session=abc", &shells.console),
            (
                "/admin/policy",
                "x=1; __Host-latchkey_session=abc",
                &shells.console,
            ),
            ("/", "latchkey_session=abc", &shells.console),
            ("/login", "latchkey_session=abc", &public),
            ("/enroll", "latchkey_session=abc", &public),
            ("/account", "", &public),
            (
                "/account",
                "latchkey_session_other=abc; xlatchkey_session=1",
                &public,
            ),
        ] {
            assert_eq!(
                &shells.for_request(path, cookies),
                expected,
                "{path} {cookies}"
            );
        }
    }

    #[test]
    fn the_chunks_are_read_from_the_split_manifest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("pkg")).unwrap();
        let options = LeptosOptions::builder()
            .output_name("latchkey")
            .site_root(dir.path().to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .build();
        assert!(split_chunks(&options).is_empty());
        std::fs::write(
            dir.path().join("pkg/__wasm_split_manifest.Ab_1.json"),
            r#"{"__console_route_view_1":["split___console_route_view_1.Xy"]}"#,
        )
        .unwrap();
        assert_eq!(
            split_chunks(&options),
            ["/pkg/split___console_route_view_1.Xy.wasm"]
        );
        let shells = Shells::render(&options);
        assert!(shells.console.contains(
            r#"<link rel="preload" href="/pkg/split___console_route_view_1.Xy.wasm" as="fetch" crossorigin="anonymous">"#
        ), "{}", shells.console);
        assert!(!shells.public.contains("rel=\"preload\" href=\"/pkg/split"));
        for shell in [&shells.public, &shells.console] {
            assert!(shell.contains(
                r#"<meta name="latchkey-console-code" content="/pkg/split___console_route_view_1.Xy.wasm">"#
            ));
        }
    }
}
