//! Pieces shared by several pages.

pub mod confirm_dialog;
pub mod form;
pub mod profile_menu;
pub mod recovery_codes;
pub mod shell;
pub mod totp_setup;
