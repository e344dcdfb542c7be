//! Pieces shared by several pages, or standing apart from their page.

pub mod confirm_dialog;
pub mod form;
pub mod passkey_nudge;
pub mod profile_menu;
pub mod recovery_codes;
pub mod shell;
pub mod totp_setup;
