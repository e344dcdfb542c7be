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
    // Re-render the page only when signing in or out, not when details of
    // the session change (the 2FA state, say): pages keep their own state.
    let phase = Memo::new(move |_| match session.get() {
        SessionState::Loading => 0,
        SessionState::SignedOut => 1,
        SessionState::SignedIn(_) => 2,
    });
    move || match (phase.get(), session.0.get_untracked()) {
        (0, _) => view! { <p class="loading">"Loading…"</p> }.into_any(),
        (_, SessionState::SignedIn(info)) => {
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
        _ => view! { <Redirect path="/login" /> }.into_any(),
    }
}
