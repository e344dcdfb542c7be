//! My Account's Sessions section: every browser where the account is
//! signed in (the current one marked), with "Sign out" for each other one
//! and "Sign out everywhere else" (OWASP ASVS 3.3.4). The server audits
//! each and the signed-out browser's next request finds itself signed out.

use super::{describe, Account, Outcome};
use crate::actions::task;
use crate::browser::time::date_time;
use crate::components::form::Outcome as FormOutcome;
use common::{ApiError, SessionList, SessionRecord};
use leptos::prelude::*;

/// Which sessions a sign-out ends: one by id, or all but this one.
#[derive(Debug, Clone, PartialEq)]
enum Ending {
    One { id: String, browser: String },
    Others,
}

#[component]
pub(super) fn SessionsSection(account: Account) -> impl IntoView {
    let list = RwSignal::new(None::<Result<SessionList, ApiError>>);
    let outcome = Outcome::new();
    let load = task(move || async move {
        let loaded = crate::api::sessions().await;
        list.try_set(Some(loaded));
    });
    // Again after each change to the account: a new password, say, signs
    // the other sessions out.
    Effect::new(move |_| {
        account.passkeys.track();
        load.dispatch(());
    });
    let ending = RwSignal::new(None::<Ending>);
    let end = task(move || {
        let which = ending.get_untracked();
        async move {
            let Some(which) = which else { return };
            let result = match &which {
                Ending::One { id, .. } => crate::api::end_session(id).await,
                Ending::Others => crate::api::end_other_sessions().await,
            };
            match result {
                Ok(()) => {
                    let done = match which {
                        Ending::One { browser, .. } => format!("{browser} is signed out."),
                        Ending::Others => "Every other session is signed out.".to_owned(),
                    };
                    outcome.notice.try_set(Some(done));
                    // The account's state reloads, and with it this list
                    // and the activity (which now shows the sign-out).
                    account.reload.dispatch(());
                }
                Err(e) => {
                    outcome.error.try_set(Some(e.message));
                }
            }
        }
    });
    let sign_out = move |which: Ending| {
        if !end.pending().get_untracked() {
            outcome.clear();
            ending.set(Some(which));
            end.dispatch(());
        }
    };
    let others = move || {
        list.with(|l| match l {
            Some(Ok(l)) => l.sessions.iter().filter(|s| !s.current).count(),
            _ => 0,
        })
    };
    view! {
        <section class="card" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Where you're signed in"</h2>
            <p class="hint">"Sign out any session you do not recognise, then change your password."</p>
            {move || list.with(|l| match l {
                None => view! { <p class="hint">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p role="alert" class="error">{e.message.clone()}</p> }.into_any(),
                Some(Ok(l)) => view! {
                    <ul class="session-list">
                        {l.sessions.iter().cloned().map(|s| view! { <SessionItem session=s sign_out /> }).collect_view()}
                    </ul>
                }
                .into_any(),
            })}
            <Show when=move || { others() > 0 }>
                <button
                    type="button"
                    class="secondary"
                    aria-disabled=move || end.pending().get().then_some("true")
                    on:click=move |_| sign_out(Ending::Others)
                >
                    "Sign out everywhere else"
                </button>
            </Show>
            <FormOutcome notice=outcome.notice error=outcome.error />
        </section>
    }
}

#[component]
fn SessionItem(
    session: SessionRecord,
    sign_out: impl Fn(Ending) + Copy + 'static,
) -> impl IntoView {
    let how = match &session.passkey {
        Some(name) => format!("{} “{name}”", describe(session.signed_in_with)),
        None => describe(session.signed_in_with).to_owned(),
    };
    let from = session
        .address
        .as_ref()
        .map(|a| format!(" · from {a}"))
        .unwrap_or_default();
    let label = format!(
        "Sign out {}{}",
        session.browser,
        from.replace(" · from", " at")
    );
    let ending = Ending::One {
        id: session.id.clone(),
        browser: session.browser.clone(),
    };
    view! {
        <li class="session">
            <h3>
                {session.browser.clone()}
                {session.current.then(|| view! { <span class="badge">"This browser"</span> })}
            </h3>
            <p class="hint">
                "Signed in " {date_time(session.created_at)} " with " {how} {from}
            </p>
            <p class="hint">"Last active " {date_time(session.last_seen_at)}</p>
            {(!session.current).then(|| view! {
                <button type="button" aria-label=label on:click=move |_| sign_out(ending.clone())>
                    "Sign out"
                </button>
            })}
        </li>
    }
}
