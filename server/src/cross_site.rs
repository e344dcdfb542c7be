//! Refuses state-changing API requests that come from another site.
//!
//! Browsers label every request with `Sec-Fetch-Site`, and every
//! cross-origin POST with `Origin`; the session cookie is also
//! SameSite=Strict. This layer is the server-side rule that does not depend
//! on the cookie attribute: a POST, PUT, PATCH or DELETE whose
//! `Sec-Fetch-Site` is anything but `same-origin`, or whose `Origin` is not
//! our public origin or a related one (`LATCHKEY_RELATED_ORIGINS`), is
//! answered 403. Requests with neither header do not
//! come from a browser (scripts, the load generator) and carry no ambient
//! credentials a third site could abuse.

use crate::error::Error;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && is_cross_site(&request, &state.web) {
        tracing::warn!(
            method = %request.method(),
            path = %request.uri().path(),
            origin = ?request.headers().get("origin"),
            "refused a cross-site request"
        );
        return Error(domain::Error::CrossSiteRequest).into_response();
    }
    next.run(request).await
}

fn is_cross_site(request: &Request, web: &domain::WebConfig) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return site.as_bytes() != b"same-origin";
    }
    if let Some(sent) = headers.get("origin") {
        let Ok(sent) = sent.to_str() else {
            return true;
        };
        if sent == web.origin {
            return false;
        }
        // A related origin only for requests addressed to it: one on a
        // subdomain is same-site, and must not post to the public origin
        // with its SameSite=Strict cookie (browsers without Sec-Fetch-Site).
        let host = headers.get("host").and_then(|h| h.to_str().ok());
        let addressed_to_it = sent
            .split_once("://")
            .is_some_and(|(_, sent_host)| Some(sent_host) == host);
        return !(web.accepts(sent) && addressed_to_it);
    }
    false
}
