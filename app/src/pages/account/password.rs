//! My Account's Password section: change it (or set one, for an account
//! without), and remove it once the account has a passkey — after a
//! confirmation with a passkey, as the server requires.

use super::{Account, Change};
use crate::components::form::{password_rule, Field, FieldKind, Outcome};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

/// What the section shows, which changes only with these.
#[derive(Debug, Clone, Copy, PartialEq)]
struct State {
    has_password: bool,
    /// A passkey or 2FA: the shorter minimum length applies.
    strong: bool,
    has_passkeys: bool,
}

#[component]
pub(super) fn PasswordSection(account: Account) -> impl IntoView {
    let outcome = account.password_outcome;
    let state = Memo::new(move |_| {
        let has_passkeys = account.has_passkeys();
        account.session.info().map(|i| State {
            has_password: i.has_password,
            strong: i.totp_enabled || has_passkeys,
            has_passkeys,
        })
    });
    let email = move || account.session.info().map(|i| i.email).unwrap_or_default();
    let busy = move || account.change.pending().get().then_some("true");
    let removing = RwSignal::new(false);
    let keep_button = NodeRef::<leptos::html::Button>::new();
    crate::browser::focus::on_mount(keep_button);
    let body = move || {
        state.get().map(|s| {
            let replacing = s.has_password;
            let submit = move |ev: SubmitEvent| {
                ev.prevent_default();
                account.run_once(Change::SetPassword { replacing });
            };
            view! {
                <p>
                    {if replacing {
                        "You can sign in with your password."
                    } else {
                        "Your account has no password: you sign in with a passkey."
                    }}
                </p>
                <form on:submit=submit>
                    // Lets password managers file the new password under the email.
                    <input type="hidden" name="username" autocomplete="username" prop:value=email />
                    <Field
                        id="new-password"
                        label="New password"
                        kind=FieldKind::Password("new-password")
                        value=account.new_password
                        error=account.password_error
                        hint=password_rule(Some(s.strong))
                    />
                    // aria-disabled while a change runs: focus stays on it.
                    <button type="submit" class="primary" aria-disabled=busy>
                        {if replacing { "Change password" } else { "Set a password" }}
                    </button>
                </form>
                {(s.has_password && s.has_passkeys).then_some(move || if !removing.get() {
                    view! {
                        <button
                            type="button"
                            class="secondary danger"
                            id="remove-password"
                            on:click=move |_| removing.set(true)
                        >
                            "Remove password"
                        </button>
                    }
                    .into_any()
                } else {
                    view! {
                        <div class="confirm" role="group" aria-label="Confirm removal">
                            <p>"Remove your password? You will sign in with your passkeys only. Confirm it with one of them."</p>
                            <button
                                type="button"
                                class="danger"
                                on:click=move |_| {
                                    removing.set(false);
                                    account.run_once(Change::RemovePassword);
                                }
                            >
                                "Remove password"
                            </button>
                            <button
                                type="button"
                                node_ref=keep_button
                                on:click=move |_| {
                                    removing.set(false);
                                    // Back to the button that asked, once drawn again.
                                    request_animation_frame(|| crate::browser::focus::by_id("remove-password"));
                                }
                            >
                                "Cancel"
                            </button>
                        </div>
                    }
                    .into_any()
                })}
            }
        })
    };
    view! {
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">"Password"</h2>
            {body}
            <Outcome notice=outcome.notice error=outcome.error />
        </section>
    }
}
