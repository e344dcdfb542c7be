//! The Latchkey single-page app: routes, pages and the API client.
//!
//! Rendered entirely in the browser (client-side rendering); the server
//! only sends a shell page that loads this code. Pages talk to the server
//! through [`api`], with the request and response types of `common`; the
//! browser's own APIs are behind [`browser`].

// Outside tests, failures are handled, never unwrapped.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
// A lazy route's view is erased to `AnyView`; natively (the unit tests),
// without `--cfg erase_components`, My Account's full view type is deeper
// than the default limit allows.
#![recursion_limit = "256"]

pub mod actions;
pub mod api;
pub mod browser;
pub mod components;
pub mod pages;
pub mod routes;
pub mod session;

use leptos::prelude::*;
use leptos_router::components::{Outlet, ProtectedParentRoute, Route, Router, Routes};
use leptos_router::{lazy_route, path, Lazy, LazyRoute};
use routes::Page;
use session::SessionState;

/// The root component, mounted on `<body>` by the `frontend` crate.
///
/// The route tree: the sign-in and link pages (re-authentication, password
/// reset, enrollment) stand alone; the console pages are guarded once
/// here (a signed-out visitor is sent to the sign-in page) and drawn in
/// one frame ([`components::shell::ConsoleShell`]) by [`ConsoleRoute`].
#[component]
pub fn App() -> impl IntoView {
    let session = session::provide_session();
    // A memo: the console is drawn again only when signing in or out, not
    // when details of the session change (turning 2FA on, say), which
    // would throw away the state of the page being used.
    // A session at its enrolment step is sent to the sign-in page too,
    // which shows that step.
    let signed_in = Memo::new(move |_| match session.get() {
        SessionState::Loading => None,
        SessionState::SignedIn(_) => Some(true),
        SessionState::SignedOut | SessionState::Enrolling { .. } => Some(false),
    });
    view! {
        <Router>
            <Routes fallback=pages::not_found::NotFound>
                <Route path=path!("/login") view=pages::login::LoginPage />
                <Route path=path!("/verify-email") view=pages::verify_email::VerifyEmailPage />
                <Route path=path!("/reset-password") view=pages::reset_password::ResetPasswordPage />
                <Route path=path!("/enroll") view=pages::enroll::EnrollPage />
                <ProtectedParentRoute
                    path=path!("")
                    view=Outlet
                    condition=move || signed_in.get()
                    redirect_path=|| Page::Login.path()
                    fallback=|| view! { <p class="loading">"Loading…"</p> }
                >
                    <Route path=path!("") view={Lazy::<ConsoleRoute>::new()} />
                    <Route path=path!("account") view={Lazy::<ConsoleRoute>::new()} />
                    <Route path=path!("admin") view={Lazy::<ConsoleRoute>::new()} />
                    <Route path=path!("admin/:section") view={Lazy::<ConsoleRoute>::new()} />
                </ProtectedParentRoute>
            </Routes>
        </Router>
    }
}

/// The console's pages — home, My Account, the admin console — in one
/// WebAssembly chunk of their own (`cargo leptos --split`): the sign-in
/// page never loads it. One chunk, not one per page: code two chunks
/// share (the "Confirm it's you" dialog, the API client's passkey calls)
/// would otherwise move into the sign-in page's own module.
struct ConsoleRoute;

#[lazy_route]
impl LazyRoute for ConsoleRoute {
    fn data() -> Self {
        ConsoleRoute
    }

    fn view(_this: Self) -> AnyView {
        let path = leptos_router::hooks::use_location()
            .pathname
            .get_untracked();
        let page = if path == Page::Account.path() {
            view! { <pages::account::AccountPage /> }.into_any()
        } else if path.starts_with("/admin") {
            view! { <pages::admin::AdminPage /> }.into_any()
        } else {
            view! { <pages::home::HomePage /> }.into_any()
        };
        view! { <components::shell::ConsoleShell>{page}</components::shell::ConsoleShell> }
            .into_any()
    }
}
