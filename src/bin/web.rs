//! Browser entry point (built by Trunk for wasm32 with the `web` feature).

fn main() {
    yew::Renderer::<kafka_playground::ui::App>::new().render();
}
