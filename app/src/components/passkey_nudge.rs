//! "Sign in faster next time": after a sign-in without a passkey, the
//! console home offers to create one, with "Not now" (asked again in 14
//! days) and "Don't ask again". Where the org requires passkeys, it says
//! from when, and only "Later" closes it (until the next sign-in). The
//! server decides whether to ask (`domain::account::nudge`).

use crate::actions::task;
use crate::browser::webauthn;
use crate::components::form::{Outcome, PasskeyWait};
use crate::routes::Page;
use common::{ErrorCode, NudgeAnswer, PasskeyNudge};
use leptos::prelude::*;

#[component]
pub fn PasskeyNudgeCard() -> impl IntoView {
    let nudge = RwSignal::new(None::<PasskeyNudge>);
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    leptos::task::spawn_local(async move {
        if let Ok(answer) = crate::api::passkey_nudge().await {
            nudge.try_set(Some(answer));
        }
    });
    let create = task(move || async move {
        match crate::pages::account::add_passkey(move || !nudge.is_disposed()).await {
            Ok(Some(added)) => {
                nudge.try_set(None);
                notice.try_set(Some(format!(
                    "Passkey “{}” added. Next time, sign in with it.",
                    added.name
                )));
            }
            Ok(None) => {}
            Err(e) if e.code == ErrorCode::ReauthRequired => {
                error.try_set(Some(
                    "To add a passkey now, confirm it's you in My Account.".to_owned(),
                ));
            }
            Err(e) if e.message.is_empty() => {}
            Err(e) => {
                error.try_set(Some(e.message));
            }
        }
    });
    let answer = move |choice: NudgeAnswer| {
        nudge.set(None);
        leptos::task::spawn_local(async move {
            if let Err(e) = crate::api::answer_passkey_nudge(choice).await {
                error.try_set(Some(e.message));
            }
        });
    };
    view! {
        {move || nudge.get().filter(|n| n.show).map(|n| {
            let required = n.required_from.map(|from| {
                let date = crate::browser::time::date(from);
                view! {
                    <p class="notice">
                        {format!("Your organization requires a passkey: from {date}, you will need one to sign in.")}
                    </p>
                }
            });
            let optional = n.required_from.is_none();
            view! {
                <section class="card nudge" aria-labelledby="nudge-heading">
                    <h2 id="nudge-heading">"Sign in faster next time"</h2>
                    <p>"Create a passkey: you will sign in with your fingerprint, face or screen lock instead of typing a password."</p>
                    {required}
                    <div class="button-row">
                        {webauthn::supported().then(|| view! {
                            <button
                                type="button"
                                class="primary"
                                aria-disabled=move || create.pending().get().then_some("true")
                                on:click=move |_| {
                                    if !create.pending().get_untracked() {
                                        error.set(None);
                                        create.dispatch(());
                                    }
                                }
                            >
                                "Create a passkey"
                            </button>
                        })}
                        <button type="button" class="link-button" on:click=move |_| answer(NudgeAnswer::NotNow)>
                            {if optional { "Not now" } else { "Later" }}
                        </button>
                        {optional.then(|| view! {
                            <button type="button" class="link-button" on:click=move |_| answer(NudgeAnswer::Never)>
                                "Don't ask again"
                            </button>
                        })}
                    </div>
                    <PasskeyWait waiting=create.pending() />
                </section>
            }
        })}
        <Outcome notice error />
        {move || error.get().is_some().then(|| view! {
            <p><a href=Page::Account.path()>"Go to My Account"</a></p>
        })}
    }
}
