//! Moving keyboard focus where the person's attention goes next: the first
//! field of a new step, a message that appeared (WCAG 2.2 SC 2.4.3, focus
//! order; SC 3.3.1, error identification).

use leptos::html::ElementType;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Focuses the element of `node` once it is in the page. Used for the first
/// field of each sign-in step: `autofocus` only works on page load, so
/// without this focus falls back to `<body>` when a step replaces another.
pub fn on_mount<E>(node: NodeRef<E>)
where
    E: ElementType,
    E::Output: JsCast + Clone + 'static,
{
    Effect::new(move |_| {
        if let Some(element) = node.get() {
            if let Some(element) = element.dyn_ref::<web_sys::HtmlElement>() {
                let _ = element.focus();
            }
        }
    });
}

/// The element that has focus now, to give it back later (as a dialog
/// does when it closes).
pub fn active() -> Option<web_sys::HtmlElement> {
    web_sys::window()?
        .document()?
        .active_element()?
        .dyn_into::<web_sys::HtmlElement>()
        .ok()
}

/// Scrolls `element` into view if it is not, without moving focus: for a
/// result message that appears below the button that caused it.
pub fn reveal(element: &web_sys::Element) {
    let options = web_sys::ScrollIntoViewOptions::new();
    options.set_block(web_sys::ScrollLogicalPosition::Nearest);
    element.scroll_into_view_with_scroll_into_view_options(&options);
}

/// Focuses the element with this `id`, if it is in the page: where focus
/// goes when the control that had it disappears (a deleted passkey's card),
/// or where a message sends the person next (the email field).
pub fn by_id(id: &str) {
    let element = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}

/// Keeps Tab and Shift+Tab inside `container` (a modal dialog): from its
/// last focusable control Tab goes to its first, and the other way round.
/// A native modal `<dialog>` makes the page behind it inert, but lets Tab
/// leave for the browser's own controls (WAI-ARIA APG, "Dialog (Modal)").
pub fn keep_tab_within(ev: &web_sys::KeyboardEvent, container: &web_sys::Element) {
    if ev.key() != "Tab" {
        return;
    }
    let Ok(found) = container.query_selector_all(
        "button:not([disabled]), input:not([disabled]):not([type=hidden]), a[href], [tabindex]:not([tabindex='-1'])",
    ) else {
        return;
    };
    let focusable: Vec<web_sys::HtmlElement> = (0..found.length())
        .filter_map(|i| found.item(i))
        .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
        // Hidden controls have no layout box.
        .filter(|el| el.offset_parent().is_some())
        .collect();
    let (Some(first), Some(last)) = (focusable.first(), focusable.last()) else {
        return;
    };
    let current = active();
    let wrap_to = if ev.shift_key() {
        (current.as_ref() == Some(first) || current.is_none()).then_some(last)
    } else {
        (current.as_ref() == Some(last)).then_some(first)
    };
    if let Some(target) = wrap_to {
        ev.prevent_default();
        let _ = target.focus();
    }
}
