//! My Account's security settings: Passkeys (the cards, "Add a Passkey",
//! rename, delete) and two-factor authentication (turn on, turn off), with
//! the re-authentication step the server asks for when the session's last
//! sign-in is not recent.

use crate::components::totp_setup::TotpSetupForm;
use crate::session::{use_session, Session, SessionState};
use crate::webauthn::{self, PasskeyError};
use common::{
    ApiError, AssertionFinish, ErrorCode, PasskeyInfo, PasskeyList, ReauthPassword, RegisterFinish,
    RenamePasskey, TotpEnrolment, TotpSetup,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// A change waiting for re-authentication.
#[derive(Debug, Clone, PartialEq)]
enum Pending {
    Add,
    Delete(String),
    EnableTotp,
    DisableTotp,
}

#[derive(Clone, Copy)]
struct Ctx {
    list: RwSignal<Option<PasskeyList>>,
    error: RwSignal<Option<String>>,
    notice: RwSignal<Option<String>>,
    reauth_for: RwSignal<Option<Pending>>,
    busy: RwSignal<bool>,
    /// A TOTP secret being set up, waiting for its first code.
    totp_setup: RwSignal<Option<TotpSetup>>,
    session: Session,
}

impl Ctx {
    fn reload(self) {
        spawn_local(async move {
            match crate::api::passkeys().await {
                Ok(list) => self.list.set(Some(list)),
                Err(e) => self.error.set(Some(e.message)),
            }
            // The session's description carries the 2FA state.
            if let Ok(Some(info)) = crate::api::session().await {
                if self.session.get() != SessionState::SignedIn(info.clone()) {
                    self.session.set_signed_in(info);
                }
            }
        });
    }

    /// Runs `pending`; if the server wants a fresh sign-in first, shows the
    /// re-authentication step and runs it afterwards.
    fn run(self, pending: Pending) {
        self.error.set(None);
        self.notice.set(None);
        self.busy.set(true);
        spawn_local(async move {
            let result = match &pending {
                Pending::Add => add_passkey().await,
                Pending::Delete(id) => crate::api::delete_passkey(id)
                    .await
                    .map(|()| Some("Passkey deleted.".into())),
                Pending::EnableTotp => crate::api::totp_setup().await.map(|setup| {
                    self.totp_setup.set(Some(setup));
                    None
                }),
                Pending::DisableTotp => crate::api::totp_disable()
                    .await
                    .map(|()| Some("Two-factor authentication is off.".into())),
            };
            self.busy.set(false);
            match result {
                Ok(notice) => {
                    self.reauth_for.set(None);
                    self.notice.set(notice);
                    self.reload();
                }
                Err(e) if e.code == ErrorCode::ReauthRequired => self.reauth_for.set(Some(pending)),
                Err(e) => self.error.set(Some(e.message)),
            }
        });
    }
}

/// Registers a new passkey. `Ok(None)`: nothing to report (aborted).
async fn add_passkey() -> Result<Option<String>, ApiError> {
    let start = crate::api::register_start().await?;
    let credential = match webauthn::create(start.options).await {
        Ok(credential) => credential,
        Err(PasskeyError::Aborted) => return Ok(None),
        Err(e) => {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                e.message().unwrap_or_default(),
            ))
        }
    };
    let info = crate::api::register_finish(&RegisterFinish {
        ceremony_id: start.ceremony_id,
        credential,
    })
    .await?;
    Ok(Some(format!("Passkey “{}” added.", info.name)))
}

fn format_date(unix: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
    let options = js_sys::Object::new();
    for (key, value) in [("year", "numeric"), ("month", "short"), ("day", "numeric")] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    date.to_locale_date_string("en-GB", &options).into()
}

#[component]
pub fn SecuritySettings() -> impl IntoView {
    let ctx = Ctx {
        list: RwSignal::new(None),
        error: RwSignal::new(None),
        notice: RwSignal::new(None),
        reauth_for: RwSignal::new(None),
        busy: RwSignal::new(false),
        totp_setup: RwSignal::new(None),
        session: use_session(),
    };
    ctx.reload();
    on_cleanup(webauthn::abort_pending);

    // Both cards appear together once the list is in: a card growing from
    // "Loading…" pushed the one below it down (Lighthouse: CLS 0.14).
    let loaded = Memo::new(move |_| ctx.list.with(Option::is_some));
    view! {
        <Show
            when=move || loaded.get()
            fallback=|| view! { <p class="hint">"Loading…"</p> }
        >
            <section class="card" aria-labelledby="passkeys-heading">
                <h2 id="passkeys-heading">"Passkeys"</h2>
                {move || match ctx.list.get() {
                    None => ().into_any(),
                    Some(list) if list.sso_required => {
                        view! {
                            <p class="notice">
                                "Your organization requires single sign-on, so passkeys are not available. "
                                "Sign in through your organization's identity provider."
                            </p>
                        }
                            .into_any()
                    }
                    Some(list) => {
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
                                    .map(|p| view! { <PasskeyCard passkey=p ctx /> })
                                    .collect_view()}
                            </ul>
                            {empty.then(|| view! { <p class="hint">"You have no passkeys yet."</p> })}
                            <button
                                type="button"
                                class="primary"
                                disabled=move || ctx.busy.get()
                                on:click=move |_| ctx.run(Pending::Add)
                            >
                                "Add a Passkey"
                            </button>
                        }
                            .into_any()
                    }
                }}
            </section>
            <TwoFactorCard ctx />
        </Show>
        <div class="security-messages">
            {move || ctx.reauth_for.get().map(|pending| view! { <Reauth pending ctx /> })}
            {move || ctx.notice.get().map(|n| view! { <p role="status" class="notice">{n}</p> })}
            {move || ctx.error.get().map(|e| view! { <p role="alert" class="error">{e}</p> })}
        </div>
    }
}

/// Two-factor authentication: state, turn on (secret, QR code, first
/// code), turn off.
#[component]
fn TwoFactorCard(ctx: Ctx) -> impl IntoView {
    let info = move || match ctx.session.get() {
        SessionState::SignedIn(info) => Some(info),
        _ => None,
    };
    // Filled in only when the server mailed a code (a password-only proof).
    let email_code = RwSignal::new(String::new());
    let confirm = move |code: String| {
        ctx.error.set(None);
        ctx.busy.set(true);
        let body = TotpEnrolment {
            code,
            email_code: email_code.get_untracked().trim().to_owned(),
        };
        spawn_local(async move {
            let result = crate::api::totp_setup_confirm(&body).await;
            ctx.busy.set(false);
            match result {
                Ok(()) => {
                    ctx.totp_setup.set(None);
                    ctx.notice
                        .set(Some("Two-factor authentication is on.".into()));
                    ctx.reload();
                }
                Err(e) if e.code == ErrorCode::ReauthRequired => {
                    ctx.reauth_for.set(Some(Pending::EnableTotp))
                }
                Err(e) => ctx.error.set(Some(e.message)),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="two-factor-heading">
            <h2 id="two-factor-heading">"Two-factor authentication"</h2>
            {move || match (info(), ctx.totp_setup.get()) {
                (None, _) => ().into_any(),
                (Some(_), Some(setup)) => {
                    let email_code = setup.email_code_sent.then_some(email_code);
                    view! { <TotpSetupForm setup on_code=confirm busy=ctx.busy email_code /> }.into_any()
                }
                (Some(info), None) if info.totp_enabled => {
                    view! {
                        <p>"On: signing in with your password also asks for a code from your authenticator app."</p>
                        {(!info.org_requires_2fa)
                            .then(|| {
                                view! {
                                    <button
                                        type="button"
                                        class="secondary"
                                        on:click=move |_| ctx.run(Pending::DisableTotp)
                                    >
                                        "Turn off two-factor authentication"
                                    </button>
                                }
                            })}
                    }
                        .into_any()
                }
                (Some(_), None) => {
                    view! {
                        <p>
                            "Off. With it on, signing in with your password also asks for a code from an authenticator app. "
                            "Signing in with a passkey never does: a passkey is two factors already."
                        </p>
                        <button type="button" class="primary" on:click=move |_| ctx.run(Pending::EnableTotp)>
                            "Turn on two-factor authentication"
                        </button>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

#[component]
fn PasskeyCard(passkey: PasskeyInfo, ctx: Ctx) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let renaming = RwSignal::new(false);
    let new_name = RwSignal::new(passkey.name.clone());
    let id = passkey.id.clone();
    let name = passkey.name.clone();
    let kind = if passkey.backed_up {
        "Synced"
    } else {
        "On one device"
    };
    let provider = passkey.provider.clone();
    let last_used = passkey.last_used_at.map_or_else(
        || "Never used".to_owned(),
        |t| format!("Last used {}", format_date(t)),
    );
    let delete_id = id.clone();
    let rename_id = id.clone();
    let save = move |_| {
        let id = rename_id.clone();
        let body = RenamePasskey {
            name: new_name.get_untracked(),
        };
        spawn_local(async move {
            match crate::api::rename_passkey(&id, &body).await {
                Ok(()) => {
                    renaming.set(false);
                    ctx.reload();
                }
                Err(e) => ctx.error.set(Some(e.message)),
            }
        });
    };
    let confirm_label = format!("Delete “{name}”? You will no longer be able to sign in with it.");
    view! {
        <li class="passkey-card" aria-label=name.clone()>
            <h3>{name.clone()}</h3>
            <p class="hint">{provider} " · " {kind}</p>
            <p class="hint">"Created " {format_date(passkey.created_at)} " · " {last_used}</p>
            <Show when=move || renaming.get()>
                <div class="inline-form">
                    <label for=format!("rename-{id}")>"New name"</label>
                    <input id=format!("rename-{id}") type="text" bind:value=new_name />
                    <button type="button" on:click=save.clone()>"Save"</button>
                    <button type="button" on:click=move |_| renaming.set(false)>"Cancel"</button>
                </div>
            </Show>
            <Show
                when=move || confirming.get()
                fallback=move || {
                    view! {
                        <div class="actions">
                            <button type="button" on:click=move |_| renaming.set(true)>"Rename"</button>
                            <button type="button" class="danger" on:click=move |_| confirming.set(true)>
                                "Delete"
                            </button>
                        </div>
                    }
                }
            >
                <div class="confirm" role="alertdialog" aria-label="Confirm deletion">
                    <p>{confirm_label.clone()}</p>
                    <button
                        type="button"
                        class="danger"
                        on:click={
                            let delete_id = delete_id.clone();
                            move |_| {
                                confirming.set(false);
                                ctx.run(Pending::Delete(delete_id.clone()));
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

/// "Confirm it's you": password, or one of the account's passkeys.
#[component]
fn Reauth(pending: Pending, ctx: Ctx) -> impl IntoView {
    let pending_for_email = pending.clone();
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let needs_code =
        move || matches!(ctx.session.get(), SessionState::SignedIn(info) if info.totp_enabled);
    let has_passkeys = move || ctx.list.get().is_some_and(|l| !l.passkeys.is_empty());
    let then = pending.clone();
    let with_password = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let then = then.clone();
        let body = ReauthPassword {
            password: password.get_untracked(),
            code: Some(code.get_untracked().trim().to_owned()).filter(|c| !c.is_empty()),
        };
        ctx.error.set(None);
        spawn_local(async move {
            match crate::api::reauth_password(&body).await {
                Ok(()) => {
                    password.set(String::new());
                    ctx.reauth_for.set(None);
                    ctx.run(then);
                }
                Err(e) => ctx.error.set(Some(e.message)),
            }
        });
    };
    let with_passkey = move |_| {
        let then = pending.clone();
        ctx.error.set(None);
        spawn_local(async move {
            let result = async {
                let start = crate::api::reauth_passkey_start().await?;
                let credential = webauthn::get(start.options, false).await.map_err(|e| {
                    ApiError::new(ErrorCode::BadRequest, e.message().unwrap_or_default())
                })?;
                crate::api::reauth_passkey_finish(&AssertionFinish {
                    ceremony_id: start.ceremony_id,
                    credential,
                })
                .await
            }
            .await;
            match result {
                Ok(()) => {
                    ctx.reauth_for.set(None);
                    ctx.run(then);
                }
                Err(e) => ctx.error.set(Some(e.message)),
            }
        });
    };
    view! {
        <div class="reauth" role="group" aria-labelledby="reauth-heading">
            <h3 id="reauth-heading">"Confirm it's you"</h3>
            <p class="hint">"For your security, sign in again before changing your passkeys."</p>
            <form on:submit=with_password>
                <label for="reauth-password">"Current password"</label>
                <input
                    id="reauth-password"
                    type="password"
                    autocomplete="current-password"
                    required
                    bind:value=password
                />
                <Show when=needs_code>
                    <label for="reauth-code">"Authentication code"</label>
                    <input
                        id="reauth-code"
                        type="text"
                        inputmode="numeric"
                        autocomplete="one-time-code"
                        maxlength="6"
                        bind:value=code
                    />
                </Show>
                <button type="submit" class="primary">"Confirm"</button>
            </form>
            <Show when=has_passkeys>
                <button type="button" class="secondary" on:click=with_passkey.clone()>
                    "Use a passkey"
                </button>
            </Show>
            <EmailLink pending=pending_for_email ctx />
            <button type="button" class="link-button" on:click=move |_| ctx.reauth_for.set(None)>
                "Cancel"
            </button>
        </div>
    }
}

/// "Verify through an email link": mails a link, then waits — checking the
/// server every two seconds — until the link has been confirmed (on this
/// or any other device), and carries on with the pending change.
#[component]
fn EmailLink(pending: Pending, ctx: Ctx) -> impl IntoView {
    let sent = RwSignal::new(false);
    let send = move |_| {
        ctx.error.set(None);
        spawn_local(async move {
            match crate::api::reauth_email_start().await {
                Ok(()) => sent.set(true),
                Err(e) => ctx.error.set(Some(e.message)),
            }
        });
    };
    let poll = leptos::prelude::set_interval_with_handle(
        move || {
            if !sent.get_untracked() {
                return;
            }
            let pending = pending.clone();
            spawn_local(async move {
                if let Ok(list) = crate::api::passkeys().await {
                    if list.fresh && sent.get_untracked() {
                        sent.set(false);
                        ctx.reauth_for.set(None);
                        ctx.run(pending);
                    }
                }
            });
        },
        std::time::Duration::from_secs(2),
    );
    on_cleanup(move || {
        if let Ok(handle) = poll {
            handle.clear();
        }
    });
    view! {
        <Show
            when=move || sent.get()
            fallback=move || {
                view! {
                    <button type="button" class="secondary" on:click=send>
                        "Verify through an email link"
                    </button>
                }
            }
        >
            <p role="status" class="notice">
                "We sent you an email with a link. Open it on any device and confirm: this page will continue by itself."
            </p>
        </Show>
    }
}
