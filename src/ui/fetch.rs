//! Text from the browser: a lesson's scenario file fetched from the site
//! the app is served from (`scenarios/<id>.json`, a relative URL: it works
//! under a sub-path and never leaves the page's origin), and a file the
//! person picked (import). Both are read through the same `.text()` promise.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::Callback;

/// `target[key]`, if it is defined.
pub fn get(target: &JsValue, key: &JsValue) -> Option<JsValue> {
    js_sys::Reflect::get(target, key).ok().filter(|v| !v.is_undefined())
}

/// Reads `body` (a `Response` or a `Blob`/`File`) as text with its `.text()`
/// and hands it to `then`; `false` if it has no such method.
pub fn read_text(body: &JsValue, then: impl FnOnce(String) + 'static) -> bool {
    let text = get(body, &"text".into())
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(body).ok())
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok());
    let Some(text) = text else { return false };
    let done = Closure::once(move |text: JsValue| then(text.as_string().unwrap_or_default()));
    let _ = text.then(&done);
    done.forget();
    true
}

/// Calls `then` with the text at `url`, or with why it could not be had
/// (no network, HTTP status). The promises are driven by the browser; the
/// closures free themselves once called.
pub fn fetch_text(url: &str, then: Callback<Result<String, String>>) {
    let Some(window) = web_sys::window() else { return };
    let url_shown = url.to_string();
    let failed = {
        let (then, url) = (then.clone(), url_shown.clone());
        Closure::once(move |_: JsValue| then.emit(Err(format!("could not fetch {url} (offline?)"))))
    };
    let got = Closure::once(move |response: JsValue| {
        let ok = get(&response, &"ok".into()).and_then(|v| v.as_bool()).unwrap_or(false);
        if !ok {
            // An integer (`404`): as u16, since formatting the f64 would bring core's float
            // `Display` into the wasm for this one message.
            let status = get(&response, &"status".into()).and_then(|v| v.as_f64()).unwrap_or(0.0) as u16;
            then.emit(Err(format!("could not fetch {url_shown}: HTTP {status}")));
            return;
        }
        let reply = then.clone();
        if !read_text(&response, move |text| reply.emit(Ok(text))) {
            then.emit(Err(format!("could not read {url_shown}")));
        }
    });
    let _ = window.fetch_with_str(url).then2(&got, &failed);
    got.forget();
    failed.forget();
}
