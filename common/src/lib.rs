//! Wire types of the Latchkey JSON API.
//!
//! This crate is compiled by both sides — the axum server (native) and the
//! Leptos app (wasm32) — so it depends on serde alone. Every request and
//! response body of `/api` is defined here, which keeps the two sides from
//! drifting apart. Besides serde it uses webauthn-rs-proto, the serde
//! definitions of the WebAuthn JSON, without its browser features.

// Outside tests, failures are handled, never unwrapped.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod admin;
pub mod error;
pub mod passkey;
pub mod recovery;
pub mod session;
pub mod sso;
#[cfg(feature = "openapi")]
pub mod webauthn_json;

pub use admin::*;
pub use error::{ApiError, ErrorCode};
pub use passkey::*;
pub use recovery::*;
pub use session::{
    Activity, ActivityEntry, AuthMethod, NudgeAnswer, NudgeReply, OrgSummary, PasskeyNudge,
    PasswordLoginRequest, SecondStep, SessionInfo, SessionList, SessionRecord, TotpCode,
    TotpEnrolment, TotpSetup,
};
pub use sso::*;
