//! The app mounts in a real DOM and shows what the engine computes.

use std::time::Duration;

use kafka_playground::ui::App;
use wasm_bindgen_test::wasm_bindgen_test;

fn text_of(root: &web_sys::Element, test_id: &str) -> String {
    root.query_selector(&format!("[data-testid={test_id}]"))
        .expect("valid selector")
        .unwrap_or_else(|| panic!("no element with data-testid={test_id}"))
        .text_content()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn app_renders_record_and_batch_sizes_from_the_engine() {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();

    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::platform::time::sleep(Duration::from_millis(50)).await;

    // An empty value and a null key: 7 bytes; an empty batch is its header.
    assert_eq!(text_of(&root, "record-size"), "7 bytes");
    assert_eq!(text_of(&root, "batch-count"), "0 records");
    assert_eq!(text_of(&root, "batch-size"), "61 bytes");
}
