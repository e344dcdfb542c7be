//! My Account's Passkeys section: one card per passkey (rename, delete)
//! and "Add a Passkey"; or, in orgs that require single sign-on, why
//! passkeys are not available.

use super::{Account, Change};
use crate::browser::webauthn;
use crate::components::form::{Outcome, PasskeyWait};
use common::{PasskeyInfo, RenamePasskey};
use leptos::prelude::*;

/// A Unix time as a short date in the browser's time zone ("3 Nov 2026").
fn format_date(unix: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
    let options = js_sys::Object::new();
    for (key, value) in [("year", "numeric"), ("month", "short"), ("day", "numeric")] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    date.to_locale_date_string("en-GB", &options).into()
}

#[component]
pub(super) fn PasskeysSection(account: Account) -> impl IntoView {
    let outcome = account.passkeys_outcome;
    let adding = Signal::derive(move || {
        account.change.pending().get()
            && account
                .change
                .input()
                .with(|c| c == &Some(Change::AddPasskey))
    });
    let body = move || match account.passkeys.get() {
        None => ().into_any(),
        Some(Err(e)) => view! { <p role="alert" class="error">{e.message}</p> }.into_any(),
        Some(Ok(list)) if list.sso_required => view! {
            <p class="notice">
                "Your organization requires single sign-on, so passkeys are not available. "
                "Sign in through your organization's identity provider."
            </p>
        }
        .into_any(),
        Some(Ok(list)) => {
            let empty = list.passkeys.is_empty();
            view! {
                <p class="hint">
                    "Sign in with your fingerprint, face, screen lock or a security key instead of a password. "
                    "Your password keeps working."
                </p>
                <ul class="passkeys">
                    {list
                        .passkeys
                        .into_iter()
                        .map(|p| view! { <PasskeyCard passkey=p account /> })
                        .collect_view()}
                </ul>
                {empty.then(|| view! { <p class="hint">"You have no passkeys yet."</p> })}
                <Show
                    when=webauthn::supported
                    fallback=|| view! {
                        <p class="notice">
                            "This browser cannot create passkeys. Open My Account in a browser that supports them to add one."
                        </p>
                    }
                >
                    <button
                        type="button"
                        class="primary"
                        disabled=move || account.change.pending().get()
                        on:click=move |_| account.run(Change::AddPasskey)
                    >
                        "Add a Passkey"
                    </button>
                </Show>
            }
            .into_any()
        }
    };
    view! {
        <section class="card" aria-labelledby="passkeys-heading">
            <h2 id="passkeys-heading">"Passkeys"</h2>
            {body}
            <PasskeyWait waiting=adding />
            <Outcome notice=outcome.notice error=outcome.error />
        </section>
    }
}

#[component]
fn PasskeyCard(passkey: PasskeyInfo, account: Account) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let renaming = RwSignal::new(false);
    let new_name = RwSignal::new(passkey.name.clone());
    let PasskeyInfo { id, name, .. } = passkey.clone();
    let kind = if passkey.backed_up {
        "Synced"
    } else {
        "On one device"
    };
    let last_used = passkey.last_used_at.map_or_else(
        || "Never used".to_owned(),
        |t| format!("Last used {}", format_date(t)),
    );
    let rename = Action::new_local({
        let id = id.clone();
        move |name: &String| {
            let (id, body) = (id.clone(), RenamePasskey { name: name.clone() });
            async move { crate::api::rename_passkey(&id, &body).await }
        }
    });
    crate::actions::on_result(rename, move |result| match result {
        Ok(()) => {
            renaming.set(false);
            account.reload();
        }
        Err(e) => account.passkeys_outcome.error.set(Some(e.message)),
    });
    let delete = Change::DeletePasskey {
        id: id.clone(),
        name: name.clone(),
    };
    let confirm_text = format!("Delete “{name}”? You will no longer be able to sign in with it.");
    let rename_id = format!("rename-{id}");
    view! {
        <li class="passkey-card" aria-label=name.clone()>
            <h3>{name.clone()}</h3>
            <p class="hint">{passkey.provider} " · " {kind}</p>
            <p class="hint">"Created " {format_date(passkey.created_at)} " · " {last_used}</p>
            <Show when=move || renaming.get()>
                <form
                    class="inline-form"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        rename.dispatch(new_name.get_untracked());
                    }
                >
                    <label for=rename_id.clone()>"New name"</label>
                    <input id=rename_id.clone() type="text" bind:value=new_name />
                    <button type="submit">"Save"</button>
                    <button type="button" on:click=move |_| renaming.set(false)>"Cancel"</button>
                </form>
            </Show>
            <Show
                when=move || confirming.get()
                fallback=move || view! {
                    <div class="actions">
                        <button type="button" on:click=move |_| renaming.set(true)>"Rename"</button>
                        <button type="button" class="danger" on:click=move |_| confirming.set(true)>
                            "Delete"
                        </button>
                    </div>
                }
            >
                <div class="confirm" role="group" aria-label="Confirm deletion">
                    <p>{confirm_text.clone()}</p>
                    <button
                        type="button"
                        class="danger"
                        on:click={
                            let delete = delete.clone();
                            move |_| {
                                confirming.set(false);
                                account.run(delete.clone());
                            }
                        }
                    >
                        "Delete passkey"
                    </button>
                    <button type="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </div>
            </Show>
        </li>
    }
}
