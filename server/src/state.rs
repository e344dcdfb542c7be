//! What every request handler can reach: the [`Domain`] handle and what
//! only HTTP needs (the SPA's options, the proxies trusted for addresses).

use axum::extract::FromRef;
use domain::Domain;
use ipnet::IpNet;
use leptos::config::LeptosOptions;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    /// The rules and the store; handlers make one call on it.
    pub domain: Domain,
    /// Proxies whose forwarded header names the client
    /// (`LATCHKEY_TRUSTED_PROXIES`); empty: the header is ignored.
    pub trusted_proxies: Arc<[IpNet]>,
    pub leptos: LeptosOptions,
}

/// Handlers read the domain's parts (`state.db`, `state.web`…) directly.
impl std::ops::Deref for AppState {
    type Target = Domain;

    fn deref(&self) -> &Domain {
        &self.domain
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
