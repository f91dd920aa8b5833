//! Class attributes built by one shared function.
//!
//! `classes!` expands at every element into its own `IndexSet` pushes; this
//! builds the same space-separated string (same order, empty names left out)
//! in one place, which keeps the view functions small in the wasm bundle.

/// `base`, then each name whose flag is set, separated by single spaces.
#[inline(never)]
pub fn class_list(base: &str, extra: &[(bool, &str)]) -> String {
    let mut c = String::with_capacity(48);
    c.push_str(base);
    for &(on, name) in extra {
        if on && !name.is_empty() {
            if !c.is_empty() {
                c.push(' ');
            }
            c.push_str(name);
        }
    }
    c
}
