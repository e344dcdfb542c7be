//! The frame of every console page: a banner with the product, the org and
//! the person; a left navigation with Profile at its bottom (the product's
//! help pages say "At the bottom left, click Profile"); the page in `<main>`.
//! The route tree guards it (see [`crate::App`]): it only renders signed in.

use crate::components::profile_menu::ProfileMenu;
use crate::routes::Page;
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

#[component]
pub fn ConsoleShell() -> impl IntoView {
    let session = use_session();
    let org = move || session.info().map(|i| i.org.name).unwrap_or_default();
    let person = move || session.info().map(|i| i.display_name).unwrap_or_default();
    view! {
        <div class="console">
            <header class="topbar">
                <A href=Page::Home.path() attr:class="brand">
                    "Latchkey"
                </A>
                <span class="topbar-org">{org}</span>
                <span class="topbar-person">{person}</span>
            </header>
            <nav class="sidenav" aria-label="Console">
                <ul>
                    <li>
                        <A href=Page::Home.path() exact=true>
                            "Home"
                        </A>
                    </li>
                    <li>
                        <A href=Page::Account.path()>"My Account"</A>
                    </li>
                </ul>
                <ProfileMenu />
            </nav>
            <main class="page" id="main">
                <Outlet />
            </main>
        </div>
    }
}
