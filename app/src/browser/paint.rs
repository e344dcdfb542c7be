//! Waiting for the first paint, so that requests the page does not need to
//! show itself start after it is on screen, not before.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Resolves once the browser has painted the frame being built now: the
/// next animation frame runs just before that paint, and a task queued from
/// it runs just after. Resolves at once where there is no window.
pub async fn after_next_paint() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let window_in_frame = window.clone();
        let on_frame = Closure::once_into_js(move || {
            let queued = window_in_frame
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
                .is_ok();
            if !queued {
                let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
            }
        });
        if window
            .request_animation_frame(on_frame.unchecked_ref())
            .is_err()
        {
            let _ = on_frame
                .unchecked_ref::<js_sys::Function>()
                .call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    // Never rejected.
    let _ = JsFuture::from(promise).await;
}
