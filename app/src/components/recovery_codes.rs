//! Ten new recovery codes, shown once: after the first passkey, on demand
//! in My Account, and after a passkey set up at the enrolment step. The
//! person copies them or downloads them as a text file.

use crate::actions::task;
use crate::browser::save;
use leptos::html;
use leptos::prelude::*;

/// The codes, for `owner` ("ada@example.com · Acme Security"), with Copy
/// and Download. With `reveal`, scrolled into view when shown (not under
/// a result that must stay in view, such as "Passkey added").
#[component]
pub fn RecoveryCodesList(
    codes: Vec<String>,
    owner: String,
    #[prop(optional)] reveal: bool,
) -> impl IntoView {
    let text = format!(
        "Latchkey recovery codes for {owner}\nEach code signs in once. Newer codes replace these.\n\n{}\n",
        codes.join("\n")
    );
    let url = save::file_url(&text);
    if let Some(url) = url.clone() {
        on_cleanup(move || save::release(&url));
    }
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let copy = task(move || {
        let text = text.clone();
        async move {
            if save::copy(&text).await {
                notice.try_set(Some("Copied to the clipboard.".into()));
            } else {
                error.try_set(Some(
                    "The browser did not let the page copy them: select the codes and copy them, or download them."
                        .into(),
                ));
            }
        }
    });
    let panel = NodeRef::<html::Div>::new();
    if reveal {
        Effect::new(move |_| {
            if let Some(panel) = panel.get() {
                crate::browser::focus::reveal(&panel);
            }
        });
    }
    view! {
        <div class="recovery-codes" node_ref=panel>
            <p>
                "These are your recovery codes. Keep them somewhere safe, such as a password manager or on paper. "
                "Each one signs you in once if you lose your passkeys. They replace any codes you had before, "
                <strong>"and this is the only time they are shown."</strong>
            </p>
            <ul class="codes" aria-label="Your recovery codes">
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ul>
            <div class="button-row">
                <button
                    type="button"
                    class="secondary"
                    on:click=move |_| {
                        notice.set(None);
                        error.set(None);
                        copy.dispatch(());
                    }
                >
                    "Copy"
                </button>
                {url.map(|href| view! {
                    <a class="button" href=href download="latchkey-recovery-codes.txt">"Download"</a>
                })}
            </div>
            // Copy's result. Not an `Outcome`: the panel may sit under the
            // first passkey's, which stays the section's one result.
            <div class="copy-result">
                <p role="status" class="notice" class:empty=move || notice.with(Option::is_none)>
                    {move || notice.get()}
                </p>
                <p role="alert" class="error" class:empty=move || error.with(Option::is_none)>
                    {move || error.get()}
                </p>
            </div>
        </div>
    }
}
