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
use leptos_router::components::{ProtectedParentRoute, Route, Router, Routes};
use leptos_router::{lazy_route, path, Lazy, LazyRoute};
use routes::Page;
use session::SessionState;

/// The root component, mounted on `<body>` by the `frontend` crate.
///
/// The route tree: the sign-in and link pages (re-authentication, password
/// reset, enrollment) stand alone; the
/// console pages share one frame ([`components::shell::ConsoleShell`]),
/// guarded once here: a signed-out visitor is sent to the sign-in page.
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
                    view=components::shell::ConsoleShell
                    condition=move || signed_in.get()
                    redirect_path=|| Page::Login.path()
                    fallback=|| view! { <p class="loading">"Loading…"</p> }
                >
                    <Route path=path!("") view={Lazy::<HomeRoute>::new()} />
                    <Route path=path!("account") view={Lazy::<AccountRoute>::new()} />
                    <Route path=path!("admin") view={Lazy::<AdminRoute>::new()} />
                    <Route path=path!("admin/:section") view={Lazy::<AdminRoute>::new()} />
                </ProtectedParentRoute>
            </Routes>
        </Router>
    }
}

/// The console's home, in a WebAssembly chunk of its own (`cargo leptos
/// --split`): the sign-in page never loads it.
struct HomeRoute;

#[lazy_route]
impl LazyRoute for HomeRoute {
    fn data() -> Self {
        HomeRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <pages::home::HomePage /> }.into_any()
    }
}

/// My Account, in a WebAssembly chunk of its own (see [`HomeRoute`]).
struct AccountRoute;

#[lazy_route]
impl LazyRoute for AccountRoute {
    fn data() -> Self {
        AccountRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <pages::account::AccountPage /> }.into_any()
    }
}

/// The admin console, in a WebAssembly chunk of its own (see
/// [`HomeRoute`]): members never load it.
struct AdminRoute;

#[lazy_route]
impl LazyRoute for AdminRoute {
    fn data() -> Self {
        AdminRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <pages::admin::AdminPage /> }.into_any()
    }
}
