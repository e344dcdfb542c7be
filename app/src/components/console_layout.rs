//! The frame of every signed-in page: the top bar, and a guard that sends
//! signed-out visitors to `/login`.

use crate::components::profile_menu::ProfileMenu;
use crate::session::{use_session, SessionState};
use common::SessionInfo;
use leptos::prelude::*;
use leptos_router::components::{Redirect, A};

/// Renders `children` with the signed-in session, or redirects to `/login`.
#[component]
pub fn ConsoleLayout<F, V>(children: F) -> impl IntoView
where
    F: Fn(SessionInfo) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let session = use_session();
    move || match session.get() {
        SessionState::Loading => view! { <p class="loading">"Loading…"</p> }.into_any(),
        SessionState::SignedOut => view! { <Redirect path="/login" /> }.into_any(),
        SessionState::SignedIn(info) => {
            let org_name = info.org.name.clone();
            view! {
                <header class="topbar">
                    <A href="/" attr:class="brand">
                        "Latchkey"
                    </A>
                    <span class="topbar-org">{org_name}</span>
                    <ProfileMenu />
                </header>
                <div class="page">{children(info)}</div>
            }
            .into_any()
        }
    }
}
