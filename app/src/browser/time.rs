//! Times shown to people: Unix seconds from the server, written in the
//! browser's time zone.

/// `unix` (seconds) through `toLocale…String` with these options.
fn local(unix: i64, members: &[(&str, &str)], with_time: bool) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
    let options = js_sys::Object::new();
    for (key, value) in members {
        let _ = js_sys::Reflect::set(&options, &(*key).into(), &(*value).into());
    }
    if with_time {
        date.to_locale_string("en-GB", &options).into()
    } else {
        date.to_locale_date_string("en-GB", &options).into()
    }
}

/// A short date ("3 Nov 2026").
pub fn date(unix: i64) -> String {
    local(
        unix,
        &[("year", "numeric"), ("month", "short"), ("day", "numeric")],
        false,
    )
}

/// A short date and time to the minute ("3 Nov 2026, 14:05").
pub fn date_time(unix: i64) -> String {
    local(
        unix,
        &[
            ("year", "numeric"),
            ("month", "short"),
            ("day", "numeric"),
            ("hour", "2-digit"),
            ("minute", "2-digit"),
        ],
        true,
    )
}

/// The UTC day of `unix` (seconds) as `YYYY-MM-DD`, what a date input holds.
pub fn utc_day(unix: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
    let iso: String = date.to_iso_string().into();
    iso.get(..10).unwrap_or_default().to_owned()
}

/// `YYYY-MM-DD` as the Unix time (seconds) of that day's start in UTC.
pub fn utc_day_start(text: &str) -> Option<i64> {
    let ms = js_sys::Date::parse(text);
    // `Date.parse` reads a date-only ISO string as UTC midnight.
    (!ms.is_nan() && text.len() == 10).then(|| (ms / 1000.0) as i64)
}
