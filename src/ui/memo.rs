//! One component for every view that is drawn again only when its data
//! changed: a partition's log, a broker's card, the network's nodes, the
//! event rows. Each is plain data (`MemoView`: equal data draws the same)
//! and a function; a component type of its own was Yew's per-component
//! code once more in the wasm for each, where a `MemoView` is one vtable.

use std::any::Any;
use std::rc::Rc;

use yew::prelude::*;
use yew::virtual_dom::Key;

/// Data that draws a view; [`memo`] skips drawing equal data again.
pub trait MemoView: Any {
    fn view(&self) -> Html;
    /// Whether `previous` is equal data of the same type (so it drew the same).
    fn same(&self, previous: &dyn Any) -> bool;
}

/// `MemoView::same` for a `PartialEq` type.
pub fn same_as<T: PartialEq + 'static>(this: &T, previous: &dyn Any) -> bool {
    previous.downcast_ref::<T>() == Some(this)
}

#[derive(Properties, Clone)]
pub struct MemoProps {
    data: Rc<dyn MemoView>,
}

impl PartialEq for MemoProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.data, &other.data) || self.data.same(&*other.data as &dyn Any)
    }
}

#[function_component(Memo)]
fn memo_component(props: &MemoProps) -> Html {
    props.data.view()
}

/// `data`'s view, drawn again only when the data changed (`key`: its key in a list).
#[inline(never)]
pub fn memo(key: Option<Key>, data: Rc<dyn MemoView>) -> Html {
    match key {
        Some(key) => html! { <Memo {key} {data} /> },
        None => html! { <Memo {data} /> },
    }
}
