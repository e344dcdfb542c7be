//! Everything that is not `/api`: the static site (the wasm bundle, CSS,
//! icons) and, for any other path, the HTML shell that loads the app, whose
//! client-side router then renders the page for that path.

use axum::response::Html;
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos::hydration::{AutoReload, HydrationScripts};
use leptos::prelude::*;
use std::sync::Arc;
use tower_http::services::ServeDir;

/// The shell page. Its body is empty: the app renders on the client.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let css = format!(
        "/{}/{}.css",
        options.site_pkg_dir,
        bundle_name(&options, "css")
    );
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

/// Renders the shell once: it is the same for every path and every visitor.
pub fn render(options: &LeptosOptions) -> Arc<str> {
    let options = options.clone();
    Owner::new().with(|| shell(options).to_html()).into()
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
pub fn site(root: &str, page: Arc<str>) -> ServeDir<axum::routing::MethodRouter> {
    ServeDir::new(root)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(get(move || {
            let page = page.clone();
            async move { Html(page.to_string()) }
        }))
}
