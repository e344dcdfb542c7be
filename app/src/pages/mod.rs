//! One module per page (route).

pub mod account;
pub mod home;
pub mod login;
pub mod not_found;
pub mod verify_email;
