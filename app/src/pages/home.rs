//! `/`: the console home, where a sign-in lands.

use crate::components::console_layout::ConsoleLayout;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <ConsoleLayout children=|info| {
            view! {
                <h1>"Welcome, " {info.display_name}</h1>
                <p>
                    "You are signed in to " <strong>{info.org.name}</strong> " as " {info.email}
                    "."
                </p>
            }
        } />
    }
}
