//! The factors a person proves themselves with, as both sign-in
//! ([`crate::signin`]) and the account's own changes ([`crate::account`])
//! check them: a passkey assertion and a TOTP code.

pub mod passkey;
pub mod totp;
