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
        return !sent.to_str().is_ok_and(|sent| web.accepts(sent));
    }
    false
}
