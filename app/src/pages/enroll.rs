//! `/enroll#token=…`: the page an enrollment link opens (printed by
//! `latchkey account enroll-link`, or sent by an admin). Opening it changes
//! nothing; "Continue" uses the link up and opens a session that can only
//! set up a passkey (or a password), which the sign-in page's enrolment
//! step then does.

use crate::actions::task;
use crate::browser::fragment::take_token;
use crate::pages::reset_password::{describe, link_failed, Described};
use crate::routes::Page;
use crate::session::{use_session, SessionState};
use common::LinkToken;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub fn EnrollPage() -> impl IntoView {
    let token = StoredValue::new(take_token(Page::Enroll));
    let link = RwSignal::<Described>::new(None);
    describe(token.get_value(), false, link);
    let session = use_session();
    let navigate = use_navigate();
    let redeem = task(move || {
        let token = token.get_value();
        let password_allowed =
            link.with_untracked(|l| matches!(l, Some(Ok(a)) if a.password_allowed));
        let navigate = navigate.clone();
        async move {
            let Some(token) = token else { return };
            match crate::api::enroll_redeem(&LinkToken { token }).await {
                Ok(info) if !link.is_disposed() => {
                    session.set_enrolling(info, password_allowed);
                    navigate(Page::Login.path(), Default::default());
                }
                Ok(_) => {}
                Err(e) => {
                    link.try_set(Some(Err(e.message)));
                }
            }
        }
    });
    // Continue waits for the first answer about the session, which would
    // otherwise overwrite the new one.
    let ready = move || session.get() != SessionState::Loading;
    view! {
        <main class="login-page">
            <div class="card narrow">
                <h1>"Set up your sign-in"</h1>
                {move || match link.get() {
                    None => view! { <p class="hint">"Loading…"</p> }.into_any(),
                    Some(Err(message)) => link_failed(message).into_any(),
                    Some(Ok(account)) => view! {
                        <p>
                            "This link sets up how " <strong>{account.email}</strong> " signs in to "
                            <strong>{account.org.name}</strong> " (" {account.org.short_name} ")."
                        </p>
                        <p class="hint">
                            {if account.password_allowed {
                                "It works once: continue to create a passkey, or set a password."
                            } else {
                                "It works once: continue to create a passkey."
                            }}
                        </p>
                        <button
                            type="button"
                            class="primary"
                            aria-disabled=move || (redeem.pending().get() || !ready()).then_some("true")
                            on:click=move |_| {
                                let ready = session.0.with_untracked(|s| s != &SessionState::Loading);
                                if ready && !redeem.pending().get_untracked() {
                                    redeem.dispatch(());
                                }
                            }
                        >
                            "Continue"
                        </button>
                    }
                    .into_any(),
                }}
            </div>
        </main>
    }
}
