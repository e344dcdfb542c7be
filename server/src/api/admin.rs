//! The org admin console's API, `/api/admin/*` (OpenAPI tag `admin`).
//! Every handler takes an [`OrgAdmin`]: members are refused (403
//! `forbidden`) and a stale session is asked to confirm it's them (403
//! `reauth_required`). The rules are in `domain::admin`.

use crate::auth::{ClientInfo, OrgAdmin};
use crate::error::{Error, Result};
use crate::json::Json;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::http::StatusCode;
use common::{
    ApiError, Coverage, Invitation, Member, MemberPage, OrgPolicySettings, PolicyChange,
    RoleChange, SecurityLogPage, SsoProviderChange, SsoRemoved, SsoSettings,
};
use domain::admin::{coverage, members, policy, security_log, sso};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members))
        .routes(routes!(set_role))
        .routes(routes!(remove_member))
        .routes(routes!(invite))
        .routes(routes!(ask_for_passkey))
        .routes(routes!(reset_member))
        .routes(routes!(passkey_coverage))
        .routes(routes!(get_policy, change_policy))
        .routes(routes!(get_sso, set_sso, remove_sso))
        .routes(routes!(security_log))
        .routes(routes!(security_log_export))
}

/// `GET /api/admin/members[?q=…&page=N]`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct MemberSearch {
    /// Matches emails and names containing it, in any case.
    #[serde(default)]
    #[param(max_length = 100)]
    q: String,
    /// Only members without any passkey.
    #[serde(default)]
    without_passkey: bool,
    /// From 1; 50 members a page.
    #[serde(default = "first_page")]
    #[param(minimum = 1)]
    page: i64,
}

fn first_page() -> i64 {
    1
}

#[utoipa::path(get, path = "/admin/members", tag = "admin",
    params(MemberSearch),
    responses((status = 200, description = "A page of the org's members, by email", body = MemberPage), (status = "4XX", description = "Refused; `code` says why (`forbidden` for members)", body = ApiError)),
)]
async fn list_members(
    State(state): State<AppState>,
    OrgAdmin(admin): OrgAdmin,
    search: std::result::Result<Query<MemberSearch>, QueryRejection>,
) -> Result<Json<MemberPage>> {
    let Query(search) = search.map_err(|e| Error::bad_request(e.body_text()))?;
    Ok(Json(
        members::list(
            &state,
            &admin,
            &search.q,
            search.without_passkey,
            search.page,
        )
        .await?,
    ))
}

#[utoipa::path(put, path = "/admin/members/{id}/role", tag = "admin",
    params(("id" = String, Path, description = "The member's account id")),
    request_body = RoleChange,
    responses((status = 204, description = "Changed; the member is told by email"), (status = "4XX", description = "Refused; `code` says why (`forbidden`: owners are changed by owners; `conflict`: the org's last owner; `forbidden` too for an id that is not a member of this org)", body = ApiError)),
)]
async fn set_role(
    State(state): State<AppState>,
    client: ClientInfo,
    OrgAdmin(admin): OrgAdmin,
    Path(id): Path<String>,
    Json(change): Json<RoleChange>,
) -> Result<StatusCode> {
    members::set_role(&state, &client, &admin, &id, change.role).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/admin/members/{id}", tag = "admin",
    params(("id" = String, Path, description = "The member's account id")),
    responses((status = 204, description = "Removed with its passkeys, sessions and links; the person is told by email"), (status = "4XX", description = "Refused; `code` says why (`conflict`: oneself or the last owner)", body = ApiError)),
)]
async fn remove_member(
    State(state): State<AppState>,
    client: ClientInfo,
    OrgAdmin(admin): OrgAdmin,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    members::remove(&state, &client, &admin, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/admin/invitations", tag = "admin",
    request_body = Invitation,
    responses((status = 201, description = "The account exists and its enrollment link is mailed (7 days)", body = Member), (status = "4XX", description = "Refused; `code` says why (`conflict`: already a member who can sign in; `sso_required`)", body = ApiError)),
)]
async fn invite(
    State(state): State<AppState>,
    client: ClientInfo,
    OrgAdmin(admin): OrgAdmin,
    Json(invitation): Json<Invitation>,
) -> Result<(StatusCode, Json<Member>)> {
    let member = members::invite(&state, &client, &admin, invitation).await?;
    Ok((StatusCode::CREATED, Json(member)))
}

#[utoipa::path(post, path = "/admin/members/{id}/reset", tag = "admin",
    params(("id" = String, Path, description = "The member's account id")),
    responses((status = 204, description = "Their passkeys, sessions, recovery codes and 2FA are gone, and an enrollment link (3 days) is mailed to them"), (status = "4XX", description = "Refused; `code` says why (`conflict`: oneself; `forbidden`: an owner reset by a non-owner; `sso_required`)", body = ApiError)),
)]
async fn reset_member(
    State(state): State<AppState>,
    client: ClientInfo,
    OrgAdmin(admin): OrgAdmin,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    members::reset(&state, &client, &admin, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/admin/members/{id}/passkey-request", tag = "admin",
    params(("id" = String, Path, description = "The member's account id")),
    responses((status = 204, description = "The member is asked by email to add a passkey (a new enrollment link if they never set up any sign-in)"), (status = "4XX", description = "Refused; `code` says why (`conflict`: they have a passkey; `sso_required`; `rate_limited`: 3 a day per member)", body = ApiError)),
)]
async fn ask_for_passkey(
    State(state): State<AppState>,
    client: ClientInfo,
    OrgAdmin(admin): OrgAdmin,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    members::ask_for_passkey(&state, &client, &admin, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/admin/coverage", tag = "admin",
    responses((status = 200, description = "Members by passkey coverage; sign-ins by day and method, 30 days", body = Coverage), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn passkey_coverage(
    State(state): State<AppState>,
    OrgAdmin(admin): OrgAdmin,
) -> Result<Json<Coverage>> {
    Ok(Json(coverage::of_org(&state, &admin).await?))
}

/// `GET /api/admin/security-log[/export][?member=&event=&outcome=&from=&to=]`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct LogFilter {
    /// A member's account id.
    #[serde(default)]
    member: String,
    /// A stored event name (`sign_in.passkey`, `admin.role_changed`…).
    #[serde(default)]
    event: String,
    /// `success` or `failure`.
    #[serde(default)]
    outcome: String,
    /// From this time (Unix seconds, inclusive).
    from: Option<i64>,
    /// Until this time (Unix seconds, inclusive).
    to: Option<i64>,
}

/// `…&page=N` of the security log.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct LogPage {
    /// From 1; 50 entries a page.
    #[serde(default = "first_page")]
    #[param(minimum = 1)]
    page: i64,
}

impl LogFilter {
    fn filter(&self) -> domain::store::audit::Filter {
        domain::store::audit::Filter {
            member: self.member.clone(),
            event: self.event.clone(),
            outcome: self.outcome.clone(),
            from: self.from,
            to: self.to,
        }
    }
}

#[utoipa::path(get, path = "/admin/security-log", tag = "admin",
    params(LogFilter, LogPage),
    responses((status = 200, description = "A page of the org's audit trail in words, newest first", body = SecurityLogPage), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn security_log(
    State(state): State<AppState>,
    OrgAdmin(admin): OrgAdmin,
    filter: std::result::Result<Query<LogFilter>, QueryRejection>,
    page: std::result::Result<Query<LogPage>, QueryRejection>,
) -> Result<Json<SecurityLogPage>> {
    let Query(filter) = filter.map_err(|e| Error::bad_request(e.body_text()))?;
    let Query(page) = page.map_err(|e| Error::bad_request(e.body_text()))?;
    Ok(Json(
        security_log::page(&state, &admin, filter.filter(), page.page).await?,
    ))
}

#[utoipa::path(get, path = "/admin/security-log/export", tag = "admin",
    params(LogFilter),
    responses((status = 200, description = "The newest 10,000 matching entries as CSV, a header line first", content_type = "text/csv", body = String), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn security_log_export(
    State(state): State<AppState>,
    OrgAdmin(admin): OrgAdmin,
    filter: std::result::Result<Query<LogFilter>, QueryRejection>,
) -> Result<impl axum::response::IntoResponse> {
    let Query(filter) = filter.map_err(|e| Error::bad_request(e.body_text()))?;
    let csv = security_log::export(&state, &admin, filter.filter()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"security-log.csv\"",
            ),
        ],
        csv,
    ))
}

#[utoipa::path(get, path = "/admin/policy", tag = "admin",
    responses((status = 200, description = "The org's sign-in policy", body = OrgPolicySettings), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn get_policy(
    State(state): State<AppState>,
    OrgAdmin(admin): OrgAdmin,
) -> Result<Json<OrgPolicySettings>> {
    Ok(Json(policy::get(&state, &admin).await?))
}

/// `PUT /api/admin/policy[?preview=true]`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PolicyPreview {
    /// Only say what the change would do.
    #[serde(default)]
    preview: bool,
}

#[utoipa::path(put, path = "/admin/policy", tag = "admin",
    params(PolicyPreview),
    request_body = OrgPolicySettings,
    responses((status = 200, description = "What the change does (or would do): the sessions it ends", body = PolicyChange), (status = "4XX", description = "Refused; `code` says why (`bad_request`: a setting out of bounds, or SSO required without a provider)", body = ApiError)),
)]
async fn change_policy(
    State(state): State<AppState>,
    client: ClientInfo,
    OrgAdmin(admin): OrgAdmin,
    options: std::result::Result<Query<PolicyPreview>, QueryRejection>,
    Json(wanted): Json<OrgPolicySettings>,
) -> Result<Json<PolicyChange>> {
    let Query(options) = options.map_err(|e| Error::bad_request(e.body_text()))?;
    Ok(Json(
        policy::change(&state, &client, &admin, wanted, options.preview).await?,
    ))
}

#[utoipa::path(get, path = "/admin/sso", tag = "admin",
    responses((status = 200, description = "The org's identity provider (never its client secret), the issuers admins may connect, and the redirect URI to register", body = SsoSettings), (status = "4XX", description = "Refused; `code` says why", body = ApiError)),
)]
async fn get_sso(
    State(state): State<AppState>,
    OrgAdmin(admin): OrgAdmin,
) -> Result<Json<SsoSettings>> {
    Ok(Json(sso::get(&state, &admin).await?))
}

#[utoipa::path(put, path = "/admin/sso", tag = "admin",
    request_body = SsoProviderChange,
    responses((status = 200, description = "Connected (discovery answered); the sessions of a replaced provider ended", body = SsoSettings), (status = "4XX", description = "Refused; `code` says why (`forbidden`: an issuer the operator does not allow; `bad_request`: a field, or a provider that did not answer discovery)", body = ApiError)),
)]
async fn set_sso(
    State(state): State<AppState>,
    client: ClientInfo,
    OrgAdmin(admin): OrgAdmin,
    Json(change): Json<SsoProviderChange>,
) -> Result<Json<SsoSettings>> {
    Ok(Json(sso::set(&state, &client, &admin, change).await?))
}

#[utoipa::path(delete, path = "/admin/sso", tag = "admin",
    responses((status = 200, description = "Disconnected: single sign-on is off and its sessions ended", body = SsoRemoved), (status = "4XX", description = "Refused; `code` says why (`bad_request`: no provider)", body = ApiError)),
)]
async fn remove_sso(
    State(state): State<AppState>,
    client: ClientInfo,
    OrgAdmin(admin): OrgAdmin,
) -> Result<Json<SsoRemoved>> {
    Ok(Json(sso::remove(&state, &client, &admin).await?))
}
