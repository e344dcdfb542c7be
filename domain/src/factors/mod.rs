//! The factors a person proves themselves with, as both sign-in
//! ([`crate::signin`]) and the account's own changes ([`crate::account`])
//! check them: a passkey assertion, a TOTP code, and the rule of a new
//! password.

pub mod passkey;
pub mod password;
pub mod totp;
