//! The Latchkey single-page app: routes, pages and the API client.
//!
//! Rendered entirely in the browser (client-side rendering); the server
//! only sends a shell page that loads this code. Pages talk to the server
//! through [`api`], with the request and response types of `common`.

// Outside tests, failures are handled, never unwrapped.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
pub mod components;
pub mod json;
pub mod pages;
pub mod paint;
pub mod passkey_sign_in;
pub mod remembered_orgs;
pub mod session;
pub mod webauthn;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The root component, mounted on `<body>` by the `frontend` crate.
#[component]
pub fn App() -> impl IntoView {
    session::provide_session();
    view! {
        <Router>
            <main>
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/login") view=pages::login::LoginPage />
                    <Route path=path!("/") view=pages::home::HomePage />
                    <Route path=path!("/account") view=pages::account::AccountPage />
                    <Route path=path!("/verify-email") view=pages::verify_email::VerifyEmailPage />
                </Routes>
            </main>
        </Router>
    }
}
