//! Form primitives every page uses, so that each field and message is
//! accessible the same way (WCAG 2.2 SC 1.3.1, 3.3.1, 3.3.2, 4.1.3): a
//! field with its label, hint and error; a result line announced where the
//! person is looking; the wait for a passkey prompt.

use crate::browser::{focus, webauthn};
use leptos::html;
use leptos::prelude::*;

/// What a text field is for, which picks its type, keyboard and autofill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// `autocomplete` as given (e.g. `"username webauthn"`).
    Email(&'static str),
    Text(&'static str),
    /// `autocomplete` as given (`"current-password"`).
    Password(&'static str),
    /// A 6-digit one-time code.
    Code,
}

/// The password rules, as the hint of a new-password field (one function on
/// the server, NIST SP 800-63B-4): `Some(true)` when the account has a
/// passkey or two-factor authentication (8 characters at least),
/// `Some(false)` when it has neither (15), `None` when the page cannot tell.
pub fn password_rule(strong: Option<bool>) -> &'static str {
    match strong {
        Some(true) => "At least 8 characters, at most 128. Not your email address or your organization's name.",
        Some(false) => "At least 15 characters, at most 128. Not your email address or your organization's name.",
        None => "At least 15 characters (8 if you have a passkey or two-factor authentication), at most 128. \
                 Not your email address or your organization's name.",
    }
}

/// A labelled input. When `error` holds a message the input is marked
/// `aria-invalid` and the message, shown under it, is linked by
/// `aria-describedby` (after the hint, if any). With `focus`, the input
/// takes keyboard focus when it appears.
#[component]
pub fn Field(
    id: &'static str,
    label: &'static str,
    kind: FieldKind,
    value: RwSignal<String>,
    /// The field's message, when it is at fault.
    #[prop(optional, into)]
    error: MaybeProp<String>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] focus: bool,
    /// The field may be left empty (it is `required` otherwise).
    #[prop(optional)]
    optional: bool,
) -> impl IntoView {
    let input = NodeRef::<html::Input>::new();
    if focus {
        focus::on_mount(input);
    }
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let ids: Vec<&str> = [
                hint.map(|_| hint_id.as_str()),
                error.get().is_some().then_some(error_id.as_str()),
            ]
            .into_iter()
            .flatten()
            .collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let (input_type, autocomplete) = match kind {
        FieldKind::Email(a) => ("email", a),
        FieldKind::Text(a) => ("text", a),
        FieldKind::Password(a) => ("password", a),
        FieldKind::Code => ("text", "one-time-code"),
    };
    let code = kind == FieldKind::Code;
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            <input
                id=id
                name=id
                type=input_type
                autocomplete=autocomplete
                autocapitalize="none"
                spellcheck="false"
                inputmode=code.then_some("numeric")
                maxlength=code.then_some("6")
                required=!optional
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described_by
                node_ref=input
                bind:value=value
            />
            {move || error.get().map(|e| view! { <p class="field-error" role="alert" id=error_id.clone()>{e}</p> })}
        </div>
    }
}

/// The result of an action, under the control that caused it: a notice
/// (`role="status"`, announced politely) or an error (`role="alert"`).
/// The live regions are always in the page, so that screen readers
/// announce what appears in them; a new message is scrolled into view.
#[component]
pub fn Outcome(
    #[prop(optional, into)] notice: MaybeProp<String>,
    #[prop(optional, into)] error: MaybeProp<String>,
) -> impl IntoView {
    let region = NodeRef::<html::Div>::new();
    Effect::new(move |_| {
        let shown = notice.get().is_some() || error.get().is_some();
        if let (true, Some(region)) = (shown, region.get()) {
            focus::reveal(&region);
        }
    });
    view! {
        <div class="outcome" node_ref=region>
            <p role="status" class="notice" class:empty=move || notice.get().is_none()>
                {move || notice.get()}
            </p>
            <p role="alert" class="error" class:empty=move || error.get().is_none()>
                {move || error.get()}
            </p>
        </div>
    }
}

/// Shown while the browser's passkey prompt is open: what is happening,
/// and a Cancel that aborts the request.
#[component]
pub fn PasskeyWait(#[prop(into)] waiting: Signal<bool>) -> impl IntoView {
    view! {
        {move || waiting.get().then(|| view! {
            <div class="passkey-wait" role="status">
                <span class="spinner" aria-hidden="true"></span>
                <span>"Waiting for your passkey…"</span>
                <button type="button" class="link-button" on:click=|_| webauthn::cancel()>
                    "Cancel"
                </button>
            </div>
        })}
    }
}
