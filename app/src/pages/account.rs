//! `/account`: My Account — who you are signed in as, and (later) your
//! sign-in methods.

use crate::components::console_layout::ConsoleLayout;
use crate::components::security::SecuritySettings;
use common::AuthMethod;
use leptos::prelude::*;

fn describe(method: AuthMethod) -> &'static str {
    match method {
        AuthMethod::Password => "Password",
        AuthMethod::PasswordTotp => "Password and authenticator code",
        AuthMethod::Passkey => "Passkey",
        AuthMethod::EmailLink => "Email link",
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <ConsoleLayout children=|info| {
            view! {
                <h1>"My Account"</h1>
                <section class="card" aria-labelledby="account-details">
                    <h2 id="account-details">"Account"</h2>
                    <dl class="details">
                        <dt>"Name"</dt>
                        <dd>{info.display_name}</dd>
                        <dt>"Email"</dt>
                        <dd>{info.email}</dd>
                        <dt>"Organization"</dt>
                        <dd>{info.org.name} " (" {info.org.short_name} ")"</dd>
                        <dt>"Signed in with"</dt>
                        <dd>{describe(info.auth_method)}</dd>
                    </dl>
                </section>
                <SecuritySettings />
            }
        } />
    }
}
