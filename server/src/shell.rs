//! The HTML page every non-API path answers with: it loads the wasm app,
//! which then renders the page for the path on the client.

use leptos::config::LeptosOptions;
use leptos::hydration::{AutoReload, HydrationScripts};
use leptos::prelude::*;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    let css = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="description" content="Sign in to your organization's console." />
                <title>"Latchkey"</title>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="stylesheet" href=css />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
            </head>
            <body>
                <noscript>"Latchkey needs JavaScript and WebAssembly enabled."</noscript>
            </body>
        </html>
    }
}
