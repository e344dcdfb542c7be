//! `/`: the console home, where a sign-in lands: who and where you are,
//! the offer of a passkey to those without one, and the state of your
//! sign-in methods, with the way to change them.

use crate::components::passkey_nudge::PasskeyNudgeCard;
use crate::pages::account::describe;
use crate::routes::Page;
use crate::session::use_session;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    move || {
        session.info().map(|info| {
            let two_factor = match (info.totp_enabled, info.org_requires_2fa) {
                (true, true) => "On (required by your organization)",
                (true, false) => "On",
                (false, true) => "Required by your organization",
                (false, false) => "Off",
            };
            view! {
                <h1>"Welcome, " {info.display_name}</h1>
                <p>
                    "You are signed in to " <strong>{info.org.name.clone()}</strong> " as " {info.email} "."
                </p>
                <div class="tiles">
                    <section class="card tile" aria-labelledby="tile-org">
                        <h2 id="tile-org">"Organization"</h2>
                        <p class="tile-value">{info.org.name}</p>
                        <p class="hint">"Short name: " {info.org.short_name}</p>
                    </section>
                    <section class="card tile" aria-labelledby="tile-signin">
                        <h2 id="tile-signin">"This session"</h2>
                        <p class="tile-value">{describe(info.auth_method)}</p>
                        <p class="hint">"How you signed in."</p>
                    </section>
                    <section class="card tile" aria-labelledby="tile-2fa">
                        <h2 id="tile-2fa">"Two-factor authentication"</h2>
                        <p class="tile-value">{two_factor}</p>
                        <p class="hint">
                            <a href=Page::Account.path()>"Manage passkeys and 2FA in My Account"</a>
                        </p>
                    </section>
                </div>
                // Below the tiles: it appears once the server has answered,
                // and must not push what is already shown (layout shift).
                <PasskeyNudgeCard />
            }
        })
    }
}
