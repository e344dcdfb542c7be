//! "Profile", at the bottom of the left navigation: My Account and Log out.

use crate::actions::task;
use crate::routes::Page;
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub fn ProfileMenu() -> impl IntoView {
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let session = use_session();
    let navigate = use_navigate();
    let log_out = task(move || {
        let navigate = navigate.clone();
        async move {
            match crate::api::logout().await {
                Ok(()) => {
                    session.set_signed_out();
                    navigate(Page::Login.path(), Default::default());
                }
                Err(e) => error.set(Some(e.message)),
            }
        }
    });
    view! {
        <div class="profile">
            <div id="profile-menu" class="profile-menu" hidden=move || !open.get()>
                <a href=Page::Account.path() on:click=move |_| open.set(false)>
                    "My Account"
                </a>
                <button
                    type="button"
                    class="link-button"
                    disabled=move || log_out.pending().get()
                    on:click=move |_| {
                        log_out.dispatch(());
                    }
                >
                    "Log out"
                </button>
                <p role="alert" class="error" class:empty=move || error.with(Option::is_none)>{move || error.get()}</p>
            </div>
            <button
                type="button"
                class="profile-button"
                aria-expanded=move || open.get().to_string()
                aria-controls="profile-menu"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                "Profile"
            </button>
        </div>
    }
}
