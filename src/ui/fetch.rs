//! Fetching a lesson's scenario file from the site the app is served from
//! (`scenarios/<id>.json`, a relative URL: it works under a sub-path and
//! never leaves the page's origin).

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::Callback;

fn get(target: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(target, &JsValue::from_str(key)).ok().filter(|v| !v.is_undefined())
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
        let ok = get(&response, "ok").and_then(|v| v.as_bool()).unwrap_or(false);
        if !ok {
            let status = get(&response, "status").and_then(|v| v.as_f64()).unwrap_or(0.0);
            then.emit(Err(format!("could not fetch {url_shown}: HTTP {status}")));
            return;
        }
        let text = get(&response, "text")
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .and_then(|f| f.call0(&response).ok())
            .and_then(|p| p.dyn_into::<js_sys::Promise>().ok());
        let Some(text) = text else {
            then.emit(Err(format!("could not read {url_shown}")));
            return;
        };
        let done = Closure::once(move |text: JsValue| then.emit(Ok(text.as_string().unwrap_or_default())));
        let _ = text.then(&done);
        done.forget();
    });
    let _ = window.fetch_with_str(url).then2(&got, &failed);
    got.forget();
    failed.forget();
}
