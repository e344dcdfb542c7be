//! Pieces shared by several pages.

pub mod console_layout;
pub mod passkeys_section;
pub mod profile_menu;
