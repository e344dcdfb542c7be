//! My Account's Security activity: the account's own events of the last
//! 90 days, newest first, in words — what the person did, what an
//! administrator did to their account, and failed attempts.

use super::Account;
use crate::actions::task;
use crate::browser::time::date_time;
use common::{Activity, ActivityEntry, ApiError};
use leptos::prelude::*;

/// Entries shown before "Show more".
const FIRST: usize = 10;

#[component]
pub(super) fn ActivitySection(account: Account) -> impl IntoView {
    let activity = RwSignal::new(None::<Result<Activity, ApiError>>);
    let shown = RwSignal::new(FIRST);
    let load = task(move || async move {
        let loaded = crate::api::activity().await;
        activity.try_set(Some(loaded));
    });
    // Again after each change to the account, which the list then shows.
    Effect::new(move |_| {
        account.passkeys.track();
        load.dispatch(());
    });
    let more = move || {
        activity.with(|a| match a {
            Some(Ok(a)) => a.entries.len().saturating_sub(shown.get()),
            _ => 0,
        })
    };
    view! {
        <section class="card" aria-labelledby="activity-heading">
            <h2 id="activity-heading">"Security activity"</h2>
            <p class="hint">"Sign-ins and changes to your account in the last 90 days, newest first."</p>
            {move || activity.with(|a| match a {
                None => view! { <p class="hint">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p role="alert" class="error">{e.message.clone()}</p> }.into_any(),
                Some(Ok(a)) if a.entries.is_empty() => view! { <p>"Nothing yet."</p> }.into_any(),
                Some(Ok(a)) => view! {
                    <ol class="activity">
                        {a.entries.iter().take(shown.get()).map(entry).collect_view()}
                    </ol>
                }
                .into_any(),
            })}
            <Show when=move || { more() > 0 }>
                <button type="button" on:click=move |_| shown.update(|n| *n += 50)>
                    {move || format!("Show {} more", more().min(50))}
                </button>
            </Show>
        </section>
    }
}

/// One line: when, what, and from where.
fn entry(e: &ActivityEntry) -> impl IntoView + use<> {
    let failed = (e.outcome == "failure").then(|| {
        let why = e
            .cause
            .as_deref()
            .map(|c| format!(" ({})", c.replace('_', " ")))
            .unwrap_or_default();
        view! { <span class="badge danger">"Failed" {why}</span> }
    });
    let by_admin = e
        .by_admin
        .then(|| view! { <span class="badge">"By an administrator"</span> });
    let from = match &e.client_addr {
        Some(addr) => format!("{} · {addr}", e.browser),
        None => e.browser.clone(),
    };
    view! {
        <li>
            <p>
                <strong>{e.words.clone()}</strong> " " {failed} {by_admin}
            </p>
            <p class="hint"><time>{date_time(e.at)}</time> " · " {from}</p>
        </li>
    }
}
