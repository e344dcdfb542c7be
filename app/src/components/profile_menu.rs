//! "Profile" menu of the top bar: My Account and Log out.

use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

#[component]
pub fn ProfileMenu() -> impl IntoView {
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let session = use_session();
    let navigate = use_navigate();

    let log_out = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            match crate::api::logout().await {
                Ok(()) => {
                    session.set_signed_out();
                    navigate("/login", Default::default());
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };

    view! {
        <div class="profile">
            <button
                type="button"
                class="profile-button"
                aria-expanded=move || open.get().to_string()
                aria-controls="profile-menu"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                "Profile"
            </button>
            <div id="profile-menu" class="profile-menu" hidden=move || !open.get()>
                <A href="/account" on:click=move |_| open.set(false)>
                    "My Account"
                </A>
                <button type="button" class="link-button" on:click=log_out>
                    "Log out"
                </button>
                {move || error.get().map(|e| view! { <p role="alert" class="error">{e}</p> })}
            </div>
        </div>
    }
}
