//! What a signed-in person changes about their own account — password,
//! passkeys, 2FA, recovery codes, sessions — and the re-authentication ("Confirm it's you") those changes need.
//!
//! Every change takes a [`crate::sessions::Fresh`] session, so none can
//! skip the re-authentication window; every change is audited and
//! notified by email.

pub mod activity;
pub mod nudge;
pub mod passkeys;
pub mod password;
pub mod reauth;
pub mod recovery_codes;
pub mod sessions;
pub mod totp;
