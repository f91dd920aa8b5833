//! The app mounts in a real DOM, renders what the engine computes, and
//! turns clicks into commands.

use std::time::Duration;

use kafka_playground::ui::App;
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

async fn mount() -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::platform::time::sleep(Duration::from_millis(100)).await;
    root
}

#[wasm_bindgen_test]
async fn app_renders_the_clusters_brokers_and_partitions_from_the_engine() {
    let root = mount().await;
    for id in 1..=3 {
        assert_eq!(text(&root, &format!("broker-{id}-state")), "running");
    }
    let summary = text(&root, "partition-orders-0-summary");
    assert!(summary.starts_with("orders-0: leader broker "), "{summary}");
    assert!(summary.contains("ISR"), "{summary}");
}

#[wasm_bindgen_test]
async fn the_clock_runs_and_pause_stops_it() {
    let root = mount().await;
    let t0 = text(&root, "sim-clock");
    yew::platform::time::sleep(Duration::from_millis(300)).await;
    let t1 = text(&root, "sim-clock");
    assert_ne!(t0, t1, "the simulated clock moves while playing");
    click(&root, "play-pause");
    yew::platform::time::sleep(Duration::from_millis(50)).await;
    let t2 = text(&root, "sim-clock");
    yew::platform::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(t2, text(&root, "sim-clock"), "paused: the clock stands still");
}

#[wasm_bindgen_test]
async fn the_kill_button_crashes_the_broker() {
    let root = mount().await;
    click(&root, "kill-1");
    yew::platform::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(text(&root, "broker-1-state"), "crashed");
    assert!(text(&root, "status").contains("kill_broker applied"), "{}", text(&root, "status"));
    // A crashed broker offers Restart instead of Kill.
    assert!(root.query_selector("[data-testid=kill-1]").unwrap().is_none());
    click(&root, "restart-1");
    yew::platform::time::sleep(Duration::from_millis(50)).await;
    assert_ne!(text(&root, "broker-1-state"), "crashed");
}
