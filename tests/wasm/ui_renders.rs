//! The app mounts in a real DOM, renders what the engine computes, and
//! turns clicks into commands.

use std::time::Duration;

use kafka_playground::ui::Boot;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

fn find(root: &web_sys::Element, selector: &str) -> web_sys::Element {
    root.query_selector(selector).expect("valid selector").unwrap_or_else(|| panic!("nothing matches {selector}"))
}

fn text(root: &web_sys::Element, test_id: &str) -> String {
    find(root, &format!("[data-testid={test_id}]")).text_content().unwrap_or_default()
}

fn click(root: &web_sys::Element, test_id: &str) {
    find(root, &format!("[data-testid={test_id}]")).dyn_into::<web_sys::HtmlElement>().unwrap().click();
}

/// Waits (up to 5 s: other tests' apps share the page) until the element's text satisfies `ok`.
async fn wait_text(root: &web_sys::Element, test_id: &str, ok: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        if let Some(e) = root.query_selector(&format!("[data-testid={test_id}]")).expect("valid selector") {
            last = e.text_content().unwrap_or_default();
            if ok(&last) {
                return last;
            }
        }
        yew::platform::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("[data-testid={test_id}] never matched; last text {last:?}");
}

async fn mount() -> web_sys::Element {
    crate::panels::mount_app(Boot::default()).await
}

#[wasm_bindgen_test]
async fn app_renders_the_clusters_brokers_and_partitions_from_the_engine() {
    let root = mount().await;
    for id in 1..=3 {
        wait_text(&root, &format!("broker-{id}-state"), |t| t == "running").await;
    }
    let summary = wait_text(&root, "partition-orders-0-summary", |t| !t.is_empty()).await;
    assert!(summary.starts_with("orders-0: leader broker "), "{summary}");
    assert!(summary.contains("ISR"), "{summary}");
}

#[wasm_bindgen_test]
async fn the_clock_runs_and_pause_stops_it() {
    let root = mount().await;
    let t0 = wait_text(&root, "sim-clock", |t| !t.is_empty()).await;
    wait_text(&root, "sim-clock", |t| t != t0).await;
    click(&root, "play-pause");
    wait_text(&root, "play-pause", |t| t.contains("Play")).await;
    let t2 = text(&root, "sim-clock");
    yew::platform::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(t2, text(&root, "sim-clock"), "paused: the clock stands still");
}

#[wasm_bindgen_test]
async fn the_kill_button_crashes_the_broker() {
    let root = mount().await;
    wait_text(&root, "broker-1-state", |t| t == "running").await;
    click(&root, "kill-1");
    wait_text(&root, "broker-1-state", |t| t == "crashed").await;
    wait_text(&root, "status", |t| t.contains("kill_broker applied")).await;
    // A crashed broker offers Restart instead of Kill.
    assert!(root.query_selector("[data-testid=kill-1]").unwrap().is_none());
    click(&root, "restart-1");
    wait_text(&root, "broker-1-state", |t| t != "crashed").await;
}
