//! What a signed-in person changes about their own account — passkeys and
//! 2FA — and the re-authentication ("Confirm it's you") those changes need.
//!
//! Every change takes a [`crate::sessions::Fresh`] session, so none can
//! skip the re-authentication window; every change is audited and
//! notified by email.

pub mod passkeys;
pub mod reauth;
pub mod totp;
