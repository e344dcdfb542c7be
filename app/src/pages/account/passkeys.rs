//! My Account's Passkeys section: one card per passkey (rename, delete)
//! and "Add a Passkey"; or, in orgs that require single sign-on, why
//! passkeys are not available.

use super::{Account, Change};
use crate::browser::time::date as format_date;
use crate::browser::webauthn;
use crate::components::form::{Outcome, PasskeyWait};
use common::{PasskeyInfo, RenamePasskey};
use leptos::prelude::*;

/// The button of a passkey card that takes focus back.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Refocus {
    Rename,
    Delete,
}

/// What the Passkeys section says above its list.
#[derive(Debug, Clone, PartialEq)]
enum State {
    Loading,
    Failed(String),
    SsoRequired,
    /// The org's admins turned passkeys off.
    Off,
    Ready,
}

#[component]
pub(super) fn PasskeysSection(account: Account) -> impl IntoView {
    let outcome = account.passkeys_outcome;
    let adding = Signal::derive(move || account.is_running(&Change::AddPasskey));
    // What the section says above the list changes only with this, so the
    // "Add a Passkey" button (which gets focus back after the dialog) is
    // not drawn again each time the list reloads.
    let state = Memo::new(move |_| {
        account.passkeys.with(|list| match list {
            None => State::Loading,
            Some(Err(e)) => State::Failed(e.message.clone()),
            Some(Ok(list)) if list.sso_required => State::SsoRequired,
            Some(Ok(list)) if list.passkeys_off => State::Off,
            Some(Ok(_)) => State::Ready,
        })
    });
    let intro = move || {
        match state.get() {
        State::Loading => ().into_any(),
        State::Failed(message) => view! { <p role="alert" class="error">{message}</p> }.into_any(),
        State::SsoRequired => view! {
            <p class="notice">
                "Your organization requires single sign-on, so passkeys are not available. "
                "Sign in through your organization's identity provider."
            </p>
        }
        .into_any(),
        State::Off => view! {
            <p class="notice">
                "Your organization has turned passkeys off. Sign in with your password; "
                "ask your organization's administrators if you need passkeys."
            </p>
        }
        .into_any(),
        State::Ready => view! {
            <p class="hint">
                "Sign in with your fingerprint, face, screen lock or a security key instead of a password. "
                "Your password keeps working."
            </p>
            {if webauthn::supported() {
                view! {
                // aria-disabled, not disabled, while a change runs: a
                // disabled button would drop keyboard focus to the page.
                <button
                    type="button"
                    class="primary"
                    id="add-passkey"
                    aria-disabled=move || account.change.pending().get().then_some("true")
                    on:click=move |_| account.run_once(Change::AddPasskey)
                >
                    "Add a Passkey"
                </button>
                }
                .into_any()
            } else {
                view! {
                    <p class="notice">
                        "This browser cannot create passkeys. Open My Account in a browser that supports them to add one."
                    </p>
                }
                .into_any()
            }}
            // The result under the button, above the list: a card added to
            // the list cannot push it out of view.
            <PasskeyWait waiting=adding />
            <Outcome notice=outcome.notice error=outcome.error />
            // The first passkey's recovery codes, right under its result.
            {account.codes_shown(true)}
        }
        .into_any(),
    }
    };
    let list = move || {
        let passkeys = account.passkeys.with(|list| match list {
            Some(Ok(list)) if !list.sso_required && !list.passkeys_off => {
                Some(list.passkeys.clone())
            }
            _ => None,
        })?;
        Some(view! {
            {passkeys.is_empty().then(|| view! { <p class="hint">"You have no passkeys yet."</p> })}
            <ul class="passkeys">
                {passkeys.into_iter().map(|p| view! { <PasskeyCard passkey=p account /> }).collect_view()}
            </ul>
        })
    };
    view! {
        <section class="card" aria-labelledby="passkeys-heading">
            <h2 id="passkeys-heading">"Passkeys"</h2>
            {intro}
            {list}
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
    let rename = crate::actions::task({
        let id = id.clone();
        move || {
            let (id, body) = (
                id.clone(),
                RenamePasskey {
                    name: new_name.get_untracked(),
                },
            );
            async move {
                match crate::api::rename_passkey(&id, &body).await {
                    Ok(()) if !account.passkeys.is_disposed() => {
                        renaming.set(false);
                        account.renamed.set(Some(id.clone()));
                        account.reload.dispatch(());
                    }
                    Ok(()) => {}
                    Err(e) => account.passkeys_outcome.error.set(Some(e.message)),
                }
            }
        }
    });
    let delete = Change::DeletePasskey {
        id: id.clone(),
        name: name.clone(),
        anyway: false,
    };
    // The server asked to confirm deleting this last passkey: the
    // account's recovery codes would be its only way back in.
    let anyway = {
        let id = id.clone();
        move || {
            account.delete_anyway.with(
                |c| matches!(c, Some(Change::DeletePasskey { id: asked, .. }) if *asked == id),
            )
        }
    };
    let anyway_text = move || {
        let left = account.session.info().map_or(0, |i| i.recovery_codes_left);
        let codes = if left == 1 { "code" } else { "codes" };
        format!("Delete it anyway? Your {left} recovery {codes} will be your only way back in.")
    };
    // Where focus goes next: into a form or question when it opens (its
    // field; the question's safe answer, Cancel), back to its button when
    // it closes.
    let just_renamed = account.renamed.get_untracked().as_ref() == Some(&id);
    if just_renamed {
        account.renamed.set(None);
    }
    let refocus = RwSignal::new(just_renamed.then_some(Refocus::Rename));
    let name_input = NodeRef::<leptos::html::Input>::new();
    let keep_button = NodeRef::<leptos::html::Button>::new();
    crate::browser::focus::on_mount(name_input);
    crate::browser::focus::on_mount(keep_button);
    let confirm_text = format!("Delete “{name}”? You will no longer be able to sign in with it.");
    let rename_id = format!("rename-{id}");
    view! {
        <li class="passkey-card" aria-label=name.clone()>
            <h3>{name.clone()}</h3>
            <p class="hint">{passkey.provider} " · " {kind}</p>
            <p class="hint">"Created " {format_date(passkey.created_at)} " · " {last_used}</p>
            <Show when=move || renaming.get()>
                <form
                    on:keydown=move |ev| {
                        if ev.key() == "Escape" {
                            renaming.set(false);
                            refocus.set(Some(Refocus::Rename));
                        }
                    }
                    class="inline-form"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        rename.dispatch(());
                    }
                >
                    <label for=rename_id.clone()>"New name"</label>
                    <input id=rename_id.clone() type="text" node_ref=name_input bind:value=new_name />
                    <button type="submit">"Save"</button>
                    <button
                        type="button"
                        on:click=move |_| {
                            renaming.set(false);
                            refocus.set(Some(Refocus::Rename));
                        }
                    >
                        "Cancel"
                    </button>
                </form>
            </Show>
            <Show
                when={
                    let anyway = anyway.clone();
                    move || confirming.get() || anyway()
                }
                fallback=move || {
                    let rename_button = NodeRef::<leptos::html::Button>::new();
                    let delete_button = NodeRef::<leptos::html::Button>::new();
                    // Focus comes back to the button whose form or
                    // question was just closed.
                    Effect::new(move |_| {
                        let target = match refocus.get_untracked() {
                            Some(Refocus::Rename) => rename_button.get(),
                            Some(Refocus::Delete) => delete_button.get(),
                            None => None,
                        };
                        if let Some(button) = target {
                            refocus.set(None);
                            let _ = button.focus();
                        }
                    });
                    view! {
                        <div class="actions">
                            <button type="button" node_ref=rename_button on:click=move |_| renaming.set(true)>
                                "Rename"
                            </button>
                            <button
                                type="button"
                                class="danger"
                                node_ref=delete_button
                                on:click=move |_| confirming.set(true)
                            >
                                "Delete"
                            </button>
                        </div>
                    }
                }
            >
                <div class="confirm" role="group" aria-label="Confirm deletion">
                    <p>
                        {
                            let (anyway, confirm_text) = (anyway.clone(), confirm_text.clone());
                            move || if anyway() { anyway_text() } else { confirm_text.clone() }
                        }
                    </p>
                    <button
                        type="button"
                        class="danger"
                        on:click={
                            let delete = delete.clone();
                            move |_| {
                                // The question asked after the server's, or the first.
                                let change = account
                                    .delete_anyway
                                    .get_untracked()
                                    .filter(|c| matches!((c, &delete),
                                        (Change::DeletePasskey { id: a, .. }, Change::DeletePasskey { id: b, .. }) if a == b))
                                    .unwrap_or_else(|| delete.clone());
                                confirming.set(false);
                                account.run_once(change);
                            }
                        }
                    >
                        {
                            let anyway = anyway.clone();
                            move || if anyway() { "Delete anyway" } else { "Delete passkey" }
                        }
                    </button>
                    <button
                        type="button"
                        node_ref=keep_button
                        on:click=move |_| {
                            confirming.set(false);
                            account.delete_anyway.set(None);
                            refocus.set(Some(Refocus::Delete));
                        }
                    >
                        "Cancel"
                    </button>
                </div>
            </Show>
        </li>
    }
}
