//! `/verify-email#token=…`: the page an emailed re-authentication link
//! opens. The token is in the fragment, which browsers never send to the
//! server; only pressing "Confirm" (a POST) uses it, so a mail scanner that
//! fetches the link changes nothing. The page names the session that asked
//! (address, browser, time) and offers "This wasn't me", which ends it.

use crate::actions::task;
use crate::browser::fragment::take_token;
use crate::routes::Page;
use common::{EmailLinkConfirm, EmailLinkRequester};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[derive(Clone, PartialEq)]
enum State {
    Ready,
    Done,
    Denied,
    Failed(String),
}

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let token = StoredValue::new(take_token(Page::VerifyEmail));
    let state = RwSignal::new(if token.get_value().is_some() {
        State::Ready
    } else {
        State::Failed("This link is incomplete. Open the link from the email again.".into())
    });
    let requester = RwSignal::new(None::<EmailLinkRequester>);
    if let Some(token) = token.get_value() {
        spawn_local(async move {
            match crate::api::reauth_email_describe(&EmailLinkConfirm { token }).await {
                Ok(found) => requester.set(Some(found)),
                Err(e) => state.set(State::Failed(e.message)),
            }
        });
    }
    let deny = task(move || {
        let token = token.get_value();
        async move {
            let Some(token) = token else { return };
            match crate::api::reauth_email_deny(&EmailLinkConfirm { token }).await {
                Ok(()) => state.set(State::Denied),
                Err(e) => state.set(State::Failed(e.message)),
            }
        }
    });
    let confirm = task(move || {
        let token = token.get_value();
        async move {
            let Some(token) = token else { return };
            match crate::api::reauth_email_confirm(&EmailLinkConfirm { token }).await {
                Ok(()) => state.set(State::Done),
                Err(e) => state.set(State::Failed(e.message)),
            }
        }
    });
    let working = move || confirm.pending().get() || deny.pending().get();
    view! {
        <main class="login-page">
            <div class="card narrow">
                <h1>"Confirm it's you"</h1>
                {move || match state.get() {
                    State::Ready => {
                        view! {
                            <p>
                                "Confirm that you asked to change the security settings of your Latchkey account."
                            </p>
                            {move || requester.get().map(|r| view! {
                                <p class="hint">
                                    "Asked on " {format_time(r.asked_at)} " from " {r.address.unwrap_or_else(|| "an unknown address".into())}
                                    ", with " {r.browser}
                                </p>
                            })}
    <div class="button-row">
                            <button
                                type="button"
                                class="primary"
                                disabled=move || working() || requester.get().is_none()
                                on:click=move |_| {
                                    confirm.dispatch(());
                                }
                            >
                                "Confirm"
                            </button>
                            <button
                                type="button"
                                class="link-button"
                                disabled=working
                                on:click=move |_| {
                                    deny.dispatch(());
                                }
                            >
                                "This wasn't me"
                            </button>
                            </div>
                        }
                            .into_any()
                    }
                    State::Done => {
                        view! {
                            <p role="status">
                                "Confirmed. Go back to the page where you asked for the link: it continues by itself. You can close this page."
                            </p>
                        }
                            .into_any()
                    }
                    State::Denied => {
                        view! {
                            <p role="status">
                                "The session that asked was signed out. Someone may know your password: change it, and tell your organization's administrator."
                            </p>
                        }
                            .into_any()
                    }
                    State::Failed(message) => view! { <p role="alert" class="error">{message}</p> }.into_any(),
                }}
            </div>
        </main>
    }
}

/// A Unix time in the browser's locale and time zone.
fn format_time(unix: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
    String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
}
