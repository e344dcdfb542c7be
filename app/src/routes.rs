//! The one place that knows the app's paths: pages link and navigate with
//! [`Page`], never with a string of their own.

/// A page of the app, by what it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// Email → organization → password, or a passkey.
    Login,
    /// The console home, where a sign-in lands.
    Home,
    /// My Account: details, passkeys, two-factor authentication.
    Account,
    /// What an emailed re-authentication link opens.
    VerifyEmail,
    /// What an emailed password-reset link opens.
    ResetPassword,
    /// What an enrollment link (from an admin) opens.
    Enroll,
}

impl Page {
    /// The page's path, as the server's SPA routes serve it.
    pub const fn path(self) -> &'static str {
        match self {
            Page::Login => "/login",
            Page::Home => "/",
            Page::Account => "/account",
            Page::VerifyEmail => "/verify-email",
            Page::ResetPassword => "/reset-password",
            Page::Enroll => "/enroll",
        }
    }
}
