//! One module per page (route).

pub mod account;
pub mod admin;
pub mod enroll;
pub mod home;
pub mod login;
pub mod not_found;
pub mod reset_password;
pub mod verify_email;
