//! The Policies tab's identity provider: what is connected (never its
//! client secret), the redirect URI to register at the provider, and —
//! among the issuers the server's operator allows — connect, change or
//! disconnect it. Requiring single sign-on is the policy form's checkbox.

use super::Gate;
use crate::actions::task;
use crate::components::form::{Field, FieldKind, Outcome};
use common::{SsoProviderChange, SsoSettings};
use leptos::prelude::*;

/// Email domains typed as "example.com, example.org".
fn domains(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .collect()
}

#[component]
pub(super) fn SsoSection(gate: Gate) -> impl IntoView {
    let settings = RwSignal::new(None::<Result<SsoSettings, String>>);
    let issuer = RwSignal::new(String::new());
    let client_id = RwSignal::new(String::new());
    let client_secret = RwSignal::new(String::new());
    let jit = RwSignal::new(String::new());
    let scopes = RwSignal::new(Vec::<String>::new());
    let show = move |s: &SsoSettings| {
        // The select shows an allowed issuer: the connected one if it is
        // one of them, else the first.
        let allowed = |i: &String| s.allowed_issuers.contains(i);
        let chosen = s
            .provider
            .as_ref()
            .map(|p| p.issuer.clone())
            .filter(allowed)
            .or_else(|| s.allowed_issuers.first().cloned())
            .unwrap_or_default();
        issuer.set(chosen);
        if let Some(p) = &s.provider {
            client_id.set(p.client_id.clone());
            jit.set(p.jit_domains.join(", "));
            scopes.set(p.scopes.clone());
        }
        client_secret.set(String::new());
    };
    let load = task(move || async move {
        let loaded = match crate::api::admin_sso().await {
            Ok(s) => {
                show(&s);
                Some(Ok(s))
            }
            Err(e) => gate.shown(e, None).map(Err),
        };
        settings.try_set(loaded);
    });
    Effect::new(move |_| {
        gate.track();
        load.dispatch(());
    });
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let again = StoredValue::new(None::<crate::actions::Task>);
    let save = task(move || {
        let body = SsoProviderChange {
            issuer: issuer.get_untracked(),
            client_id: client_id.get_untracked(),
            client_secret: client_secret.get_untracked(),
            scopes: scopes.get_untracked(),
            jit_domains: domains(&jit.get_untracked()),
        };
        async move {
            match crate::api::admin_set_sso(&body).await {
                Ok(s) => {
                    notice.try_set(Some(format!(
                        "Connected to {}: members can use “Continue with single sign-on”.",
                        body.issuer
                    )));
                    client_secret.try_set(String::new());
                    // The policy form's "Require single sign-on" now applies.
                    gate.reload();
                    settings.try_set(Some(Ok(s)));
                }
                Err(e) => {
                    error.try_set(gate.shown(e, again.get_value()));
                }
            }
        }
    });
    again.set_value(Some(save));
    let confirming = RwSignal::new(false);
    let again_remove = StoredValue::new(None::<crate::actions::Task>);
    let remove = task(move || async move {
        match crate::api::admin_remove_sso().await {
            Ok(removed) => {
                let stranded = match removed.members_left_without_a_way_in {
                    0 => String::new(),
                    n => format!(
                        " {n} members have no password or passkey left: use “Reset sign-in” to send them a link."
                    ),
                };
                notice.try_set(Some(format!(
                    "Disconnected: single sign-on is off, and {} of its sessions ended.{stranded}",
                    removed.sessions_ended
                )));
                gate.reload();
            }
            Err(e) => {
                error.try_set(gate.shown(e, again_remove.get_value()));
            }
        }
    });
    again_remove.set_value(Some(remove));
    let connected =
        move || settings.with(|s| matches!(s, Some(Ok(s)) if s.provider.is_some() && s.can_change));
    view! {
        <section class="card" aria-labelledby="sso-heading">
            <h2 id="sso-heading">"Identity provider"</h2>
            {move || settings.with(|s| match s {
                None => view! { <p class="hint">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p role="alert" class="error">{e.clone()}</p> }.into_any(),
                Some(Ok(s)) => {
                    let current = match &s.provider {
                        Some(p) => view! {
                            <dl class="details">
                                <dt>"Issuer"</dt><dd>{p.issuer.clone()}</dd>
                                <dt>"Client ID"</dt><dd>{p.client_id.clone()}</dd>
                                <dt>"Accounts at first sign-in for"</dt>
                                <dd>{if p.jit_domains.is_empty() { "No domain".to_owned() } else { p.jit_domains.join(", ") }}</dd>
                                <dt>"Single sign-on"</dt>
                                <dd>{if p.required { "Required" } else { "Offered beside the other ways" }}</dd>
                            </dl>
                        }
                        .into_any(),
                        None => view! { <p>"No identity provider is connected: single sign-on is off."</p> }.into_any(),
                    };
                    view! {
                        {current}
                        <p class="hint">"Redirect URI to register at the provider: " <code>{s.redirect_uri.clone()}</code></p>
                    }
                    .into_any()
                }
            })}
            {move || settings.with(|s| match s {
                Some(Ok(s)) if !s.can_change => Some(view! {
                    <p class="hint">"Only your organization's owners connect or disconnect its identity provider."</p>
                }.into_any()),
                Some(Ok(s)) if s.allowed_issuers.is_empty() => Some(view! {
                    <p class="hint">
                        "Your server's operator connects identity providers (" <code>"latchkey org sso set"</code>
                        "), or lets admins connect the ones listed in " <code>"LATCHKEY_SSO_ISSUERS"</code> "."
                    </p>
                }.into_any()),
                Some(Ok(s)) => {
                    let issuers = s.allowed_issuers.clone();
                    let has_provider = s.provider.is_some();
                    Some(view! {
                        <form on:submit=move |ev| {
                            ev.prevent_default();
                            if !save.pending().get_untracked() {
                                notice.set(None);
                                error.set(None);
                                save.dispatch(());
                            }
                        }>
                            <div class="field">
                                <label for="sso-issuer">"Issuer"</label>
                                <select id="sso-issuer" on:change=move |ev| issuer.set(event_target_value(&ev))>
                                    {issuers.into_iter().map(|i| {
                                        let selected = issuer.get_untracked() == i;
                                        let shown = i.clone();
                                        view! { <option value=i selected=selected>{shown}</option> }
                                    }).collect_view()}
                                </select>
                            </div>
                            <Field id="sso-client-id" label="Client ID" kind=FieldKind::Text("off") value=client_id />
                            <Field
                                id="sso-client-secret"
                                label="Client secret"
                                kind=FieldKind::Password("new-password")
                                value=client_secret
                                hint=if has_provider { "Leave empty to keep the stored secret." } else { "From your provider; it is never shown again." }
                                optional=has_provider
                            />
                            <div class="field">
                                <label for="sso-jit">"Create accounts at first sign-in for (email domains)"</label>
                                <input id="sso-jit" type="text" placeholder="example.com" bind:value=jit />
                            </div>
                            <button type="submit" class="primary" aria-disabled=move || save.pending().get().then_some("true")>
                                {if has_provider { "Save provider" } else { "Connect" }}
                            </button>
                        </form>
                    }.into_any())
                }
                _ => None,
            })}
            <Show when=connected>
                <Show
                    when=move || confirming.get()
                    fallback=move || view! {
                        <button type="button" class="danger secondary-inline" on:click=move |_| confirming.set(true)>
                            "Disconnect"
                        </button>
                    }
                >
                    <div class="confirm" role="group" aria-label="Confirm disconnection">
                        <p>"Disconnect the identity provider? Single sign-on turns off and the sessions it opened end."</p>
                        <button type="button" class="danger" on:click=move |_| {
                            confirming.set(false);
                            notice.set(None);
                            error.set(None);
                            remove.dispatch(());
                        }>"Disconnect"</button>
                        <button type="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
                    </div>
                </Show>
            </Show>
            <Outcome notice error />
        </section>
    }
}
