//! The wasm glue: everything that talks to the browser's own APIs
//! (WebAuthn and its Signal API, JSON, localStorage, focus, paint timing, link fragments, the
//! clipboard and downloads), so that pages deal in Rust types only.

pub mod base64url;
pub mod focus;
pub mod fragment;
pub mod json;
pub mod paint;
pub mod preload;
pub mod redirect;
pub mod remembered_orgs;
pub mod save;
pub mod signals;
pub mod time;
pub mod webauthn;

/// Rewrites the address bar and its history entry to `page`'s path: what
/// a link or an identity provider put in the address (a token, an answer)
/// is read once and not kept, nor shown again at a reload.
pub fn replace_address(page: crate::routes::Page) {
    if let Some(Ok(history)) = web_sys::window().map(|w| w.history()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(page.path()));
    }
}
