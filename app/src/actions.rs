//! The app's one kind of [`Action`]: a task the person starts, whose
//! `pending()` drives the busy state of its button and whose future shows
//! its own result.
//!
//! Every task is an `Action<(), ()>`, reading its inputs from signals when
//! dispatched: one instantiation of the action machinery for the whole
//! app instead of one per input and output type, which kept the page
//! within its weight budget (BENCHMARKS.md, "Page weight").

use leptos::prelude::*;
use std::future::Future;
use std::pin::Pin;

/// A task's work with its future boxed: every task is then one type.
type Work = Box<dyn Fn() -> Pin<Box<dyn Future<Output = ()>>>>;

/// A task: `dispatch(())` starts it, `pending()` says it is running.
pub type Task = Action<(), ()>;

/// A task running `work` each time it is dispatched. `work` is called at
/// once (so it reads its inputs then); its future carries on after the
/// page may have been left, so it must only `set` signals afterwards,
/// never `get` them (a disposed signal panics when read).
pub fn task<F, Fu>(work: F) -> Task
where
    F: Fn() -> Fu + 'static,
    Fu: Future<Output = ()> + 'static,
{
    erased(Box::new(move || Box::pin(work())))
}

/// The action machinery, and its future wrapper, compiled once for the
/// whole app rather than once per task (about 20 KB of wasm).
fn erased(work: Work) -> Task {
    Action::new_local(move |_: &()| work())
}
