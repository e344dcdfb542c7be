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
    let css = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
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
