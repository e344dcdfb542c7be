//! Any other path.

use crate::routes::Page;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main class="login-page">
            <div class="card narrow">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <a href=Page::Home.path()>"Go to the console"</a>
            </div>
        </main>
    }
}
