//! Fetching the console's code ahead of need: the split wasm chunk of
//! `ConsoleRoute`, whose URLs the server's shell names in
//! `<meta name="latchkey-console-code">`.
//!
//! A plain `fetch` warms the HTTP cache (the chunk is served `immutable`),
//! and the split loader's own `fetch` of the same URL then finds it there.
//! The route's own `preload` is not used: when its load fails (offline, or
//! a release replaced the file) it panics, and a panic stops the app — here
//! a failure only means the console fetches its code itself when opened.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Starts fetching the console's code, once per page load. Called when the
/// person starts signing in, not when the sign-in page opens: fetched then,
/// it slowed that page's own largest paint (measured, BENCHMARKS.md).
pub fn console_code() {
    thread_local! {
        static STARTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    if STARTED.with(|started| started.replace(true)) {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let urls = window
        .document()
        .and_then(|d| {
            d.query_selector(r#"meta[name="latchkey-console-code"]"#)
                .ok()
                .flatten()
        })
        .and_then(|meta| meta.get_attribute("content"))
        .unwrap_or_default();
    for url in urls.split_whitespace() {
        let response = window.fetch_with_str(url);
        leptos::task::spawn_local(async move {
            // Read to the end, so that the whole file reaches the cache.
            let Ok(response) = JsFuture::from(response).await else {
                return;
            };
            let body = js_sys::Reflect::get(&response, &"arrayBuffer".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
                .and_then(|f| f.call0(&response).ok())
                .and_then(|p| p.dyn_into::<js_sys::Promise>().ok());
            if let Some(body) = body {
                let _ = JsFuture::from(body).await;
            }
        });
    }
}
