//! The Policies tab: single sign-on, two-factor authentication, lockout
//! and session limits. Saving first asks the server what the change does
//! ("ends 12 sessions"), shows it, and makes it only when confirmed; the
//! server enforces the policy, and ends the sessions it must, in one
//! place (`domain::policy`).

use super::Gate;
use crate::actions::task;
use crate::components::form::Outcome;
use crate::routes::Page;
use crate::session::use_session;
use common::{OrgPolicySettings, PasskeyPolicy, PolicyChange};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// The form's fields, as typed (numbers in the units shown).
#[derive(Clone, Copy)]
struct Fields {
    sso_required: RwSignal<bool>,
    require_2fa: RwSignal<bool>,
    lockout_attempts: RwSignal<String>,
    lockout_minutes: RwSignal<String>,
    max_session_hours: RwSignal<String>,
    idle_minutes: RwSignal<String>,
    sso_available: RwSignal<bool>,
    passkeys: RwSignal<PasskeyPolicy>,
    /// `YYYY-MM-DD` (UTC): from when passkeys are owed.
    required_from: RwSignal<String>,
    device_bound_only: RwSignal<bool>,
}

impl Fields {
    fn show(&self, s: &OrgPolicySettings) {
        self.sso_required.set(s.sso_required);
        self.require_2fa.set(s.require_2fa);
        self.lockout_attempts.set(s.lockout_attempts.to_string());
        self.lockout_minutes.set(whole(s.lockout_secs, 60));
        self.max_session_hours.set(whole(s.max_session_secs, 3600));
        self.idle_minutes.set(whole(s.idle_timeout_secs, 60));
        self.sso_available.set(s.sso_available);
        self.passkeys.set(s.passkeys);
        // A new requirement starts with two weeks of grace.
        let from = if s.passkeys == PasskeyPolicy::Required {
            s.passkeys_required_from
        } else {
            (js_sys::Date::now() / 1000.0) as i64 + 14 * 86_400
        };
        self.required_from.set(crate::browser::time::utc_day(from));
        self.device_bound_only.set(s.device_bound_only);
    }

    /// The settings typed, or which field is not a number.
    fn read(&self) -> Result<OrgPolicySettings, String> {
        let number = |field: RwSignal<String>, name: &str, unit: i64| {
            let text = field.get_untracked();
            let value: f64 = text
                .trim()
                .parse()
                .map_err(|_| format!("{name}: enter a number."))?;
            Ok::<i64, String>((value * unit as f64).round() as i64)
        };
        Ok(OrgPolicySettings {
            sso_required: self.sso_required.get_untracked(),
            sso_available: self.sso_available.get_untracked(),
            require_2fa: self.require_2fa.get_untracked(),
            lockout_attempts: number(self.lockout_attempts, "Failed attempts before a lockout", 1)?,
            lockout_secs: number(self.lockout_minutes, "Lockout length", 60)?,
            max_session_secs: number(self.max_session_hours, "Longest session", 3600)?,
            idle_timeout_secs: number(self.idle_minutes, "Idle sign-out", 60)?,
            passkeys: self.passkeys.get_untracked(),
            passkeys_required_from: if self.passkeys.get_untracked() == PasskeyPolicy::Required {
                crate::browser::time::utc_day_start(&self.required_from.get_untracked())
                    .ok_or("Passkeys required from: enter a date.")?
            } else {
                0
            },
            device_bound_only: self.device_bound_only.get_untracked(),
        })
    }
}

/// `secs` in `unit`s, with decimals only when needed.
fn whole(secs: i64, unit: i64) -> String {
    if secs % unit == 0 {
        (secs / unit).to_string()
    } else {
        format!("{:.2}", secs as f64 / unit as f64)
    }
}

/// What a previewed change does, in words.
fn consequence(change: &PolicyChange) -> String {
    let ending = match change.sessions_ending {
        0 => "Saving ends no session.".to_owned(),
        1 => "Saving ends 1 session that no longer meets the policy.".to_owned(),
        n => format!("Saving ends {n} sessions that no longer meet the policy."),
    };
    let ending = if change.ends_your_session {
        format!("{ending} Yours is one of them: you will sign in again.")
    } else {
        ending
    };
    match change.members_left_without_a_way_in {
        0 => ending,
        1 => format!(
            "{ending} 1 member has only passkeys that would no longer sign in: they will need \
             \"Reset sign-in\" on the Members tab."
        ),
        n => format!(
            "{ending} {n} members have only passkeys that would no longer sign in: they will \
             need \"Reset sign-in\" on the Members tab."
        ),
    }
}

#[component]
pub(super) fn PolicyTab(gate: Gate) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let fields = Fields {
        sso_required: RwSignal::new(false),
        require_2fa: RwSignal::new(false),
        lockout_attempts: RwSignal::new(String::new()),
        lockout_minutes: RwSignal::new(String::new()),
        max_session_hours: RwSignal::new(String::new()),
        idle_minutes: RwSignal::new(String::new()),
        sso_available: RwSignal::new(false),
        passkeys: RwSignal::new(PasskeyPolicy::Offered),
        required_from: RwSignal::new(String::new()),
        device_bound_only: RwSignal::new(false),
    };
    let loaded = RwSignal::new(None::<Result<(), String>>);
    let load = task(move || async move {
        let result = match crate::api::admin_policy().await {
            Ok(settings) => {
                fields.show(&settings);
                Some(Ok(()))
            }
            Err(e) => gate.shown(e, None).map(Err),
        };
        loaded.try_set(result);
    });
    Effect::new(move |_| {
        gate.track();
        load.dispatch(());
    });
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    // The previewed change waiting for "Save changes".
    let preview = RwSignal::new(None::<PolicyChange>);
    let apply = RwSignal::new(false);
    let again = StoredValue::new(None::<crate::actions::Task>);
    let save = task(move || {
        let wanted = fields.read();
        let applying = apply.get_untracked();
        let navigate = navigate.clone();
        async move {
            let wanted = match wanted {
                Ok(w) => w,
                Err(e) => {
                    error.try_set(Some(e));
                    return;
                }
            };
            match crate::api::admin_change_policy(&wanted, !applying).await {
                Ok(change) if !change.applied => {
                    preview.try_set(Some(change));
                }
                Ok(change) => {
                    preview.try_set(None);
                    if change.ends_your_session {
                        session.set_signed_out();
                        navigate(Page::Login.path(), Default::default());
                        return;
                    }
                    fields.show(&change.settings);
                    let ended = match change.sessions_ending {
                        0 => String::new(),
                        1 => " 1 session was ended.".to_owned(),
                        n => format!(" {n} sessions were ended."),
                    };
                    notice.try_set(Some(format!("The policy is saved.{ended}")));
                }
                Err(e) => {
                    preview.try_set(None);
                    error.try_set(gate.shown(e, again.get_value()));
                }
            }
        }
    });
    again.set_value(Some(save));
    let run = move |applying: bool| {
        if !save.pending().get_untracked() {
            notice.set(None);
            error.set(None);
            apply.set(applying);
            save.dispatch(());
        }
    };
    view! {
        <section class="card" aria-labelledby="policy-heading">
            <h2 id="policy-heading">"Sign-in policy"</h2>
            {move || match loaded.get() {
                None => view! { <p class="hint">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p role="alert" class="error">{e}</p> }.into_any(),
                Some(Ok(())) => ().into_any(),
            }}
            <form
                class="policy"
                hidden=move || !matches!(loaded.get(), Some(Ok(())))
                on:submit=move |ev| {
                    ev.prevent_default();
                    run(false);
                }
            >
                <fieldset>
                    <legend>"Ways in"</legend>
                    <Check
                        id="sso-required"
                        label="Require single sign-on"
                        value=fields.sso_required
                        disabled=Signal::derive(move || !fields.sso_available.get() && !fields.sso_required.get())
                    >
                        {move || if fields.sso_available.get() {
                            "Members sign in only through your identity provider: passwords, passkeys and recovery codes stop working."
                        } else {
                            "Your organization has no identity provider yet (see Identity provider below)."
                        }}
                    </Check>
                    <Check id="require-2fa" label="Require two-factor authentication" value=fields.require_2fa>
                        "A password alone no longer signs in: members use a passkey, or a password with an authenticator code."
                    </Check>
                </fieldset>
                <fieldset>
                    <legend>"Passkeys"</legend>
                    {[
                        (PasskeyPolicy::Offered, "Offered", "Members may add passkeys and sign in with them."),
                        (PasskeyPolicy::Required, "Required", "Members without a passkey are asked for one at each sign-in; from the date below they must add one to go on."),
                        (PasskeyPolicy::Off, "Off", "Passkeys are neither added nor used; sessions they opened end."),
                    ]
                        .into_iter()
                        .map(|(mode, label, hint)| {
                            let id = format!("passkeys-{}", mode.as_str());
                            let hint_id = format!("{id}-hint");
                            view! {
                                <div class="choice">
                                    <label class="check">
                                        <input
                                            type="radio"
                                            name="passkeys"
                                            id=id
                                            value=mode.as_str()
                                            prop:checked=move || fields.passkeys.get() == mode
                                            on:change=move |_| fields.passkeys.set(mode)
                                            aria-describedby=hint_id.clone()
                                        />
                                        {label}
                                    </label>
                                    <p class="hint" id=hint_id>{hint}</p>
                                </div>
                            }
                        })
                        .collect_view()}
                    <div class="field" hidden=move || fields.passkeys.get() != PasskeyPolicy::Required>
                        <label for="required-from">"Required from (UTC)"</label>
                        <input id="required-from" type="date" bind:value=fields.required_from />
                    </div>
                    <Check id="device-bound-only" label="Accept only passkeys bound to one device" value=fields.device_bound_only>
                        "Security keys and a device's own passkeys count; passkeys synced by a password manager are refused."
                    </Check>
                </fieldset>
                <fieldset>
                    <legend>"Lockout"</legend>
                    <NumberField id="lockout-attempts" label="Failed attempts before a lockout" unit="in 15 minutes" value=fields.lockout_attempts />
                    <NumberField id="lockout-minutes" label="Lockout length" unit="minutes" value=fields.lockout_minutes />
                </fieldset>
                <fieldset>
                    <legend>"Sessions"</legend>
                    <NumberField id="max-session" label="Longest session" unit="hours" value=fields.max_session_hours />
                    <NumberField id="idle-timeout" label="Idle sign-out" unit="minutes without use" value=fields.idle_minutes />
                </fieldset>
                <button type="submit" class="primary" aria-disabled=move || save.pending().get().then_some("true")>
                    "Review changes"
                </button>
            </form>
            {move || preview.get().map(|change| view! {
                <div class="confirm" role="group" aria-label="Confirm policy change">
                    <p>{consequence(&change)}</p>
                    <button type="button" class="primary" on:click=move |_| run(true)>"Save changes"</button>
                    <button type="button" on:click=move |_| preview.set(None)>"Cancel"</button>
                </div>
            })}
            <Outcome notice error />
        </section>
        <super::sso::SsoSection gate />
    }
}

/// A checkbox, its label, and its hint below (`children`), linked by
/// `aria-describedby`.
#[component]
fn Check(
    id: &'static str,
    label: &'static str,
    value: RwSignal<bool>,
    #[prop(optional, into)] disabled: Signal<bool>,
    children: Children,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    view! {
        <label class="check">
            <input
                type="checkbox"
                id=id
                prop:checked=move || value.get()
                disabled=move || disabled.get()
                on:change=move |ev| value.set(event_target_checked(&ev))
                aria-describedby=hint_id.clone()
            />
            {label}
        </label>
        <p class="hint" id=hint_id>{children()}</p>
    }
}

/// A number with its unit after it.
#[component]
fn NumberField(
    id: &'static str,
    label: &'static str,
    unit: &'static str,
    value: RwSignal<String>,
) -> impl IntoView {
    let unit_id = format!("{id}-unit");
    view! {
        <div class="field number-field">
            <label for=id>{label}</label>
            <span>
                <input id=id type="number" min="0" step="any" required aria-describedby=unit_id.clone() bind:value=value />
                " " <span id=unit_id>{unit}</span>
            </span>
        </div>
    }
}
