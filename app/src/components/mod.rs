//! Pieces shared by several pages.

pub mod console_layout;
pub mod profile_menu;
pub mod security;
pub mod totp_setup;
