//! The wasm glue: everything that talks to the browser's own APIs
//! (WebAuthn, JSON, localStorage, focus, paint timing, link fragments, the
//! clipboard and downloads), so that pages deal in Rust types only.

pub mod base64url;
pub mod focus;
pub mod fragment;
pub mod json;
pub mod paint;
pub mod redirect;
pub mod remembered_orgs;
pub mod save;
pub mod webauthn;
