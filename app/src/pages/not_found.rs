//! Any other path.

use crate::routes::Page;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main class="login-page">
            <div class="card narrow">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <A href=Page::Home.path()>"Go to the console"</A>
            </div>
        </main>
    }
}
