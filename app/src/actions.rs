//! Acting on an [`Action`]'s result once per result.

use leptos::prelude::*;

/// Calls `f` with each new result of `action`. `f` runs untracked: what it
/// reads (or dispatches) must not make it run again for the same result —
/// a re-run would, say, retry a change the person confirmed once.
pub fn on_result<I, O>(action: Action<I, O>, f: impl Fn(O) + 'static)
where
    I: 'static,
    O: Clone + 'static,
{
    Effect::new(move |_| {
        if let Some(result) = action.value().get() {
            untrack(|| f(result));
        }
    });
}
