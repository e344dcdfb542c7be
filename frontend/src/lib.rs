//! The wasm entry point: mounts the Latchkey app on `<body>`.

// Outside tests, failures are handled, never unwrapped.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the loader script of the page shell once the wasm module is
/// instantiated. The name is fixed by Leptos' loader (`HydrationScripts`),
/// although the app is rendered on the client rather than hydrated.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
