//! The frame of every console page: a banner with the product, the org and
//! the person; a left navigation with Profile at its bottom (the product's
//! help pages say "At the bottom left, click Profile"); the page in `<main>`.
//! The route tree guards it (see [`crate::App`]): it only renders signed in.
//! It is drawn with each console page, inside the console's chunk, so that
//! the sign-in page carries none of it.

use crate::components::profile_menu::ProfileMenu;
use crate::routes::{AdminSection, Page};
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

#[component]
pub fn ConsoleShell(children: Children) -> impl IntoView {
    let session = use_session();
    let org = move || session.info().map(|i| i.org.name).unwrap_or_default();
    let person = move || session.info().map(|i| i.display_name).unwrap_or_default();
    // Plain links: the router handles clicks on any link of the site, and
    // its `A` component weighs more than the one attribute it would add.
    let path = use_location().pathname;
    let current = move |page: Page| (path.get() == page.path()).then_some("page");
    let in_admin = move || path.with(|p| p == "/admin" || p.starts_with("/admin/"));
    let administers = move || session.info().is_some_and(|i| i.role.administers());
    view! {
        <div class="console">
            <header class="topbar">
                <a href=Page::Home.path() class="brand">
                    "Latchkey"
                </a>
                <span class="topbar-org">{org}</span>
                <span class="topbar-person">{person}</span>
            </header>
            <nav class="sidenav" aria-label="Console">
                <ul>
                    <li>
                        <a href=Page::Home.path() aria-current=move || current(Page::Home)>
                            "Home"
                        </a>
                    </li>
                    <li>
                        <a href=Page::Account.path() aria-current=move || current(Page::Account)>
                            "My Account"
                        </a>
                    </li>
                    // Admins and owners only; the server refuses anyone
                    // else's admin requests whatever is shown here.
                    <Show when=administers>
                        <li>
                            <a href=Page::Admin(AdminSection::Members).path() aria-current=move || in_admin().then_some("page")>
                                "Admin"
                            </a>
                        </li>
                    </Show>
                </ul>
                <ProfileMenu />
            </nav>
            <main class="page" id="main">
                {children()}
            </main>
        </div>
    }
}
