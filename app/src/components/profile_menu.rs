//! "Profile", at the bottom of the left navigation: My Account, the other
//! organizations this browser has signed in to with the same email (the
//! switcher), and Log out.
//!
//! Switching signs in to that org's account with its passkey, through a
//! request limited to that account; without one here (or when the person
//! cancels), the menu offers that org's usual sign-in steps instead, which
//! start by logging out. Orgs this browser never used are never shown: the
//! list is the browser's own ([`crate::browser::remembered_orgs`]).

use crate::actions::task;
use crate::api::SignInError;
use crate::browser::remembered_orgs;
use crate::routes::Page;
use crate::session::use_session;
use common::{AccountHint, OrgSummary};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub fn ProfileMenu() -> impl IntoView {
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let session = use_session();
    let navigate = use_navigate();
    let log_out = task({
        let navigate = navigate.clone();
        move || {
            let navigate = navigate.clone();
            async move {
                match crate::api::logout().await {
                    Ok(()) => {
                        session.set_signed_out();
                        navigate(Page::Login.path(), Default::default());
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            }
        }
    });
    // The org being switched to, and, when its passkey did not sign in,
    // the offer of its usual steps.
    let target = RwSignal::new(None::<OrgSummary>);
    let failed = RwSignal::new(None::<OrgSummary>);
    let switch = task({
        let navigate = navigate.clone();
        move || {
            let (org, email) = (
                target.get_untracked(),
                session.info().map(|i| i.email).unwrap_or_default(),
            );
            let navigate = navigate.clone();
            async move {
                let Some(org) = org else { return };
                let hint = AccountHint {
                    email: email.clone(),
                    org: org.short_name.clone(),
                };
                let request = crate::api::passkey_sign_in(
                    Some(hint),
                    crate::browser::webauthn::Mediation::Modal,
                    &|| true,
                );
                match request.await {
                    Ok(info) => {
                        remembered_orgs::remember(&info.org, &info.email);
                        open.set(false);
                        session.set_signed_in(info);
                        navigate(Page::Home.path(), Default::default());
                    }
                    Err(SignInError::Failed(e)) if e.message.is_empty() => {}
                    Err(_) => {
                        failed.set(Some(org));
                    }
                }
            }
        }
    });
    // Its usual steps: log out, then the sign-in page with the email and
    // org filled in.
    let usual_steps = task(move || {
        let (org, email) = (
            failed.get_untracked(),
            session.info().map(|i| i.email).unwrap_or_default(),
        );
        let navigate = navigate.clone();
        async move {
            let Some(org) = org else { return };
            if let Err(e) = crate::api::logout().await {
                error.set(Some(e.message));
                return;
            }
            crate::pages::login::prefill(AccountHint {
                email,
                org: org.short_name,
            });
            session.set_signed_out();
            navigate(Page::Login.path(), Default::default());
        }
    });
    let others = Memo::new(move |_| {
        session
            .info()
            .map(|i| remembered_orgs::of_email(&i.email, &i.org.short_name))
            .unwrap_or_default()
    });
    view! {
        <div class="profile">
            <div id="profile-menu" class="profile-menu" hidden=move || !open.get()>
                <a href=Page::Account.path() on:click=move |_| open.set(false)>
                    "My Account"
                </a>
                <Show when=move || !others.with(Vec::is_empty)>
                    <p class="menu-label" id="switch-label">"Switch organization"</p>
                    <ul class="switcher" aria-labelledby="switch-label">
                        {move || others.get().into_iter().map(|org| {
                            let label = format!("Switch to {}", org.name);
                            let name = org.name.clone();
                            view! {
                                <li>
                                    <button
                                        type="button"
                                        class="link-button"
                                        aria-label=label
                                        aria-disabled=move || switch.pending().get().then_some("true")
                                        on:click=move |_| {
                                            if !switch.pending().get_untracked() {
                                                failed.set(None);
                                                target.set(Some(org.clone()));
                                                switch.dispatch(());
                                            }
                                        }
                                    >
                                        {name}
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </Show>
                {move || failed.get().map(|org| view! {
                    <div role="alert" class="switch-failed">
                        <p>{format!("No passkey for {} signed in here.", org.name)}</p>
                        <button type="button" class="link-button" on:click=move |_| {
                            usual_steps.dispatch(());
                        }>
                            {format!("Sign in to {} another way", org.name)}
                        </button>
                    </div>
                })}
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
                <p role="alert" class="error" class:empty=move || error.with(Option::is_none)>{move || error.get()}</p>
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
