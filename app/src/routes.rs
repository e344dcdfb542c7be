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
    /// The admin console, at one of its sections.
    Admin(AdminSection),
}

/// A section of the admin console (`/admin/…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminSection {
    Members,
    Policy,
    SecurityLog,
    Coverage,
}

impl AdminSection {
    /// Every section, in the order of the console's tabs.
    pub const ALL: [AdminSection; 4] = [
        AdminSection::Members,
        AdminSection::Policy,
        AdminSection::SecurityLog,
        AdminSection::Coverage,
    ];

    /// The path segment after `/admin/` (`None`: `/admin` itself).
    pub fn parse(segment: Option<&str>) -> Option<Self> {
        match segment {
            None | Some("") | Some("members") => Some(AdminSection::Members),
            Some("policy") => Some(AdminSection::Policy),
            Some("security-log") => Some(AdminSection::SecurityLog),
            Some("coverage") => Some(AdminSection::Coverage),
            Some(_) => None,
        }
    }

    /// The tab's name.
    pub fn title(self) -> &'static str {
        match self {
            AdminSection::Members => "Members",
            AdminSection::Policy => "Policies",
            AdminSection::SecurityLog => "Security log",
            AdminSection::Coverage => "Passkey coverage",
        }
    }
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
            Page::Admin(AdminSection::Members) => "/admin",
            Page::Admin(AdminSection::Policy) => "/admin/policy",
            Page::Admin(AdminSection::SecurityLog) => "/admin/security-log",
            Page::Admin(AdminSection::Coverage) => "/admin/coverage",
        }
    }
}
