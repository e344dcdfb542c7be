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
