//! "Profile", at the bottom of the left navigation: My Account and Log out.

use crate::routes::Page;
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

#[component]
pub fn ProfileMenu() -> impl IntoView {
    let open = RwSignal::new(false);
    let session = use_session();
    let navigate = use_navigate();
    let log_out = Action::new_local(|_: &()| crate::api::logout());
    crate::actions::on_result(log_out, move |result| {
        if result.is_ok() {
            session.set_signed_out();
            navigate(Page::Login.path(), Default::default());
        }
    });
    let error = move || {
        log_out
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.message)
    };
    view! {
        <div class="profile">
            <div id="profile-menu" class="profile-menu" hidden=move || !open.get()>
                <A href=Page::Account.path() on:click=move |_| open.set(false)>
                    "My Account"
                </A>
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
                <p role="alert" class="error" class:empty=move || error().is_none()>{error}</p>
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
