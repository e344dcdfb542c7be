//! The org admin console's API (`/api/admin/*`, OpenAPI tag `admin`):
//! members, roles, invitations and passkey coverage.

use serde::{Deserialize, Serialize};

/// What an account may do in its org.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Their own account only.
    Member,
    /// The org's members and settings too.
    Admin,
    /// An admin who can also make and unmake owners. An org keeps at least
    /// one.
    Owner,
}

impl Role {
    /// The stored and wire form: `member`, `admin`, `owner`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    /// The role named `text` (the stored form), if any.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "member" => Some(Role::Member),
            "admin" => Some(Role::Admin),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }

    /// Whether the role may use the admin console.
    pub fn administers(self) -> bool {
        matches!(self, Role::Admin | Role::Owner)
    }
}

/// One member of the org, as the members page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    /// The account's id.
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// Whether two-factor authentication is on.
    pub two_factor: bool,
    pub has_password: bool,
    /// Passkeys registered.
    pub passkeys: i64,
    /// Of those, the ones a password manager or platform syncs between
    /// devices (backup eligible); the others are bound to one device.
    pub synced_passkeys: i64,
    /// The last successful sign-in (Unix seconds), if any.
    pub last_sign_in_at: Option<i64>,
    /// How it was made: `password`, `totp` (password and code), `passkey`,
    /// `recovery_code`, `sso`.
    pub last_sign_in_method: Option<String>,
}

/// `GET /api/admin/members`: a page of members, by email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberPage {
    pub members: Vec<Member>,
    /// Members matching the search, on every page.
    pub total: i64,
    /// This page's number, from 1.
    pub page: i64,
    /// Members per page.
    pub page_size: i64,
}

/// `PUT /api/admin/members/{id}/role`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleChange {
    pub role: Role,
}

/// `POST /api/admin/invitations`: a new member without a password, who
/// gets an enrollment link by email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    pub email: String,
    pub display_name: String,
    /// `member` when absent.
    #[serde(default)]
    pub role: Option<Role>,
}

/// `GET /api/admin/coverage`: how far the org has moved to passkeys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coverage {
    pub members: i64,
    /// Members with at least one passkey bound to one device.
    pub with_device_bound_passkey: i64,
    /// Members whose passkeys are all synced ones.
    pub with_synced_passkeys_only: i64,
    /// Members without any passkey.
    pub without_passkey: i64,
    /// Successful sign-ins by day (UTC) and method, the last 30 days,
    /// oldest first; days without any are listed with zeros.
    pub sign_ins: Vec<DaySignIns>,
}

/// One day of [`Coverage::sign_ins`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DaySignIns {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub passkey: i64,
    /// A password, with or without a second factor.
    pub password: i64,
    pub sso: i64,
    /// Recovery codes.
    pub other: i64,
}

/// One line of the org's security log, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecurityLogEntry {
    /// Unix seconds.
    pub at: i64,
    /// The stored event name (`sign_in.passkey`, `admin.role_changed`…).
    pub event: String,
    /// What happened, in words ("Signed in with a passkey").
    pub words: String,
    /// `success` or `failure`.
    pub outcome: String,
    /// Why it failed (`wrong_password`, `locked_out`…), for failures.
    pub cause: Option<String>,
    /// The member it concerns, if known and still a member.
    pub member_email: Option<String>,
    /// The administrator who did it, when not the member themselves.
    pub actor_email: Option<String>,
    /// The client's address.
    pub client_addr: Option<String>,
    /// The browser and system, in words from the user-agent parser's own
    /// list (never the client's text).
    pub browser: String,
}

/// `GET /api/admin/security-log`: a page of the org's security log,
/// newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecurityLogPage {
    pub entries: Vec<SecurityLogEntry>,
    /// Entries matching the filters, on every page.
    pub total: i64,
    /// This page's number, from 1.
    pub page: i64,
    /// Entries per page.
    pub page_size: i64,
    /// Every event the log can hold, for the event filter: its stored
    /// name and its words.
    #[serde(default)]
    pub events: Vec<LogEvent>,
}

/// An event the security log can be filtered by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogEvent {
    /// The stored name (`sign_in.passkey`).
    pub name: String,
    /// In words ("Signed in with a passkey").
    pub words: String,
}

/// `GET /api/admin/policy`: the org's sign-in policy; `PUT` (with
/// `?preview=true` to see what it would do first) to change it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgPolicySettings {
    /// Single sign-on is the only way in (needs the org's identity
    /// provider, connected by the server's operator).
    pub sso_required: bool,
    /// Whether the org has an identity provider (read-only here).
    #[serde(default)]
    pub sso_available: bool,
    /// Members need a second factor (a passkey, or a password with a code).
    pub require_2fa: bool,
    /// Failed password or code checks allowed per 15 minutes before a
    /// lockout (1 to 1000).
    pub lockout_attempts: i64,
    /// How long a lockout lasts, seconds (60 to 30 days).
    pub lockout_secs: i64,
    /// The longest a session lasts, seconds (5 minutes to 400 days).
    pub max_session_secs: i64,
    /// A session unused this long ends, seconds (1 minute up to the
    /// maximum duration).
    pub idle_timeout_secs: i64,
    /// Whether members use passkeys.
    #[serde(default = "offered")]
    pub passkeys: PasskeyPolicy,
    /// With `required`: from this time (Unix seconds) on, a member without
    /// a passkey who signs in another way must add one before going on;
    /// until then they are asked at each sign-in (the grace period).
    #[serde(default)]
    pub passkeys_required_from: i64,
    /// Only passkeys bound to one device count (security keys, a device's
    /// own platform passkey): synced ones — backup eligible — are refused
    /// at registration and at sign-in.
    #[serde(default)]
    pub device_bound_only: bool,
}

fn offered() -> PasskeyPolicy {
    PasskeyPolicy::Offered
}

/// An org's passkey policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PasskeyPolicy {
    /// Passkeys are neither added nor used; the sessions they opened end.
    Off,
    /// Members may add and use them (the default).
    Offered,
    /// Members without one are asked at each sign-in, and after the grace
    /// period must add one to go on.
    Required,
}

impl PasskeyPolicy {
    /// The stored form: `off`, `offered`, `required`.
    pub fn as_str(self) -> &'static str {
        match self {
            PasskeyPolicy::Off => "off",
            PasskeyPolicy::Offered => "offered",
            PasskeyPolicy::Required => "required",
        }
    }
}

/// What a policy change does (or, previewed, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyChange {
    /// The settings after the change.
    pub settings: OrgPolicySettings,
    /// Live sessions that end with it: they no longer meet the policy
    /// (signed in without single sign-on, or with a password alone) or
    /// outlive its new limits.
    pub sessions_ending: i64,
    /// Whether the admin's own session is one of them.
    pub ends_your_session: bool,
    /// Members with only passkeys (no password, no identity-provider
    /// link) whose passkeys would no longer sign in: they will need "Reset
    /// sign-in" (an enrollment link).
    #[serde(default)]
    pub members_left_without_a_way_in: i64,
    /// Whether the change was made (`false` for a preview).
    pub applied: bool,
}

/// `GET /api/admin/sso`: the org's identity provider (never its client
/// secret) and what an admin may connect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoSettings {
    pub provider: Option<SsoProvider>,
    /// The issuers the server's operator lets org admins connect
    /// (`LATCHKEY_SSO_ISSUERS`); empty: only the operator connects
    /// providers.
    pub allowed_issuers: Vec<String>,
    /// The redirect URI to register at the provider for this org.
    pub redirect_uri: String,
    /// Whether the asking admin may connect or disconnect it (owners).
    #[serde(default)]
    pub can_change: bool,
}

/// The org's connected identity provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoProvider {
    pub issuer: String,
    pub client_id: String,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
    /// Email domains whose people get an account at their first sign-in.
    pub jit_domains: Vec<String>,
    /// Whether single sign-on is the only way in (set on the policy).
    pub required: bool,
}

/// `PUT /api/admin/sso`: connect or change the org's identity provider.
/// Its `Debug` never shows the client secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoProviderChange {
    /// One of [`SsoSettings::allowed_issuers`].
    pub issuer: String,
    pub client_id: String,
    /// Required for a new provider or client; empty keeps the stored one.
    #[serde(default)]
    pub client_secret: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub jit_domains: Vec<String>,
}

/// What disconnecting the provider did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoRemoved {
    /// Sessions opened through the provider, now ended.
    pub sessions_ended: i64,
    /// Members left with no password and no passkey: they need "Reset
    /// sign-in" (an enrollment link).
    pub members_left_without_a_way_in: i64,
}

impl std::fmt::Debug for SsoProviderChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoProviderChange")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("scopes", &self.scopes)
            .field("jit_domains", &self.jit_domains)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_change_never_prints_its_secret() {
        let change = SsoProviderChange {
            issuer: "https://idp.example".into(),
            client_id: "latchkey".into(),
            client_secret: "s3cr3t-value".into(),
            scopes: vec![],
            jit_domains: vec![],
        };
        let printed = format!("{change:?}");
        assert!(!printed.contains("s3cr3t-value"), "{printed}");
        assert!(printed.contains("latchkey"));
    }
}
