//! A small form kit for the panels. Inputs keep exactly what was typed
//! (strings); a form parses them on submit with [`Parse`], so "abc" in a
//! number field becomes a message next to that field and never a
//! `Command`. The engine's refusals (`CommandError { field, message }`)
//! land next to the field they name ([`field_for_error`]). Every input has
//! a `<label>`; an input in error gets `aria-invalid` and
//! `aria-describedby` pointing at its message.

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::ApplyThen;
use crate::collections::VecMap;
use crate::engine::command::{Command, CommandError};

/// Messages by field name.
pub type Errors = VecMap<String, String>;

/// What a form holds: its values as typed, and the messages to show.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FormState {
    values: VecMap<String, String>,
    errors: Errors,
    /// A refusal that names no field of this form (shown by the submit button).
    pub general: Option<String>,
    /// What the last successful submit did.
    pub done: Option<String>,
}

pub enum FormAction {
    Set(String, String),
    /// Remove fields (rows of a variable list).
    Remove(Vec<String>),
    Refused {
        errors: Errors,
        general: Option<String>,
    },
    /// The command was applied: say so, and reset `reset` fields to these values.
    Applied {
        message: String,
        reset: Vec<(String, String)>,
    },
}

impl Reducible for FormState {
    type Action = FormAction;

    fn reduce(self: Rc<Self>, action: FormAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            FormAction::Set(name, value) => {
                // Editing a field clears its message (it is about the old value) and the outcome.
                next.errors.remove(&name);
                next.done = None;
                next.values.insert(name, value);
            }
            FormAction::Remove(names) => {
                for name in names {
                    next.values.remove(&name);
                    next.errors.remove(&name);
                }
            }
            FormAction::Refused { errors, general } => {
                next.errors = errors;
                next.general = general;
                next.done = None;
            }
            FormAction::Applied { message, reset } => {
                next.errors.clear();
                next.general = None;
                next.done = Some(message);
                for (name, value) in reset {
                    next.values.insert(name, value);
                }
            }
        }
        Rc::new(next)
    }
}

impl FormState {
    pub fn new(initial: Vec<(&str, String)>) -> Self {
        FormState { values: initial.into_iter().map(|(k, v)| (k.to_string(), v)).collect(), ..FormState::default() }
    }

    /// The text of a field ("" when it has none).
    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn checked(&self, name: &str) -> bool {
        self.value(name) == "true"
    }

    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.general.is_some()
    }

    /// Field names, in order.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }
}

pub type FormHandle = UseReducerHandle<FormState>;

/// A form's state, created once with these initial values. (A thin
/// generic shell over one hook: a `use_reducer` per form was a copy of
/// Yew's reducer machinery per form in the wasm.)
pub fn use_form(initial: impl FnOnce() -> Vec<(&'static str, String)> + 'static) -> impl Hook<Output = FormHandle> {
    use_form_state(Box::new(initial))
}

#[hook]
fn use_form_state(initial: Box<dyn FnOnce() -> Vec<(&'static str, String)>>) -> FormHandle {
    use_reducer(move || FormState::new(initial()))
}

/// The element id (and `data-testid`) of a field: `create-topic-config-retention-ms`.
pub fn input_id(form_id: &str, name: &str) -> String {
    format!("{form_id}-{}", name.replace(['.', '_'], "-"))
}

/// Where a refusal from the engine goes: the field it names (through
/// `aliases`, then by name), a `config.<name>` field whose name starts the
/// message (config validation names the config it refuses), the first field
/// under it (`tp` → `tp.topic`), or nowhere (`None`: a general message).
pub fn field_for_error(error: &CommandError, fields: &[&str], aliases: &[(&str, &str)]) -> Option<String> {
    let field = error.field.as_deref()?;
    if let Some((_, to)) = aliases.iter().find(|(from, _)| *from == field) {
        return Some(to.to_string());
    }
    if fields.contains(&field) {
        return Some(field.to_string());
    }
    if field == "config" {
        let named = fields
            .iter()
            .filter_map(|f| f.strip_prefix("config.").map(|name| (f, name)))
            .filter(|(_, name)| error.message.starts_with(name))
            .max_by_key(|(_, name)| name.len());
        // A config the form does not show: a general message.
        return named.map(|(f, _)| f.to_string());
    }
    let prefix = format!("{field}.");
    fields.iter().find(|f| f.starts_with(&prefix)).map(|f| f.to_string())
}

/// Parses a form's values, collecting one message per bad field. Each
/// getter returns a placeholder value on error; call [`Parse::finish`]
/// before using any of them.
pub struct Parse<'a> {
    form: &'a FormState,
    errors: Errors,
}

impl<'a> Parse<'a> {
    pub fn new(form: &'a FormState) -> Self {
        Parse { form, errors: Errors::new() }
    }

    pub fn fail(&mut self, name: &str, message: impl Into<String>) {
        self.errors.entry(name.to_string()).or_insert_with(|| message.into());
    }

    /// The trimmed text.
    pub fn text(&self, name: &str) -> String {
        self.form.value(name).trim().to_string()
    }

    /// The trimmed text, or `None` when empty.
    pub fn optional_text(&self, name: &str) -> Option<String> {
        Some(self.text(name)).filter(|t| !t.is_empty())
    }

    /// Non-empty text.
    pub fn required(&mut self, name: &str, what: &str) -> String {
        let text = self.text(name);
        if text.is_empty() {
            self.fail(name, format!("enter {what}"));
        }
        text
    }

    pub fn checked(&self, name: &str) -> bool {
        self.form.checked(name)
    }

    /// A whole number (`_` allowed as a separator).
    pub fn int<T>(&mut self, name: &str) -> T
    where
        T: TryFrom<i64> + Default + Bounded,
    {
        match parse_int::<T>(self.form.value(name)) {
            Ok(Some(v)) => v,
            Ok(None) => {
                self.fail(name, "enter a whole number");
                T::default()
            }
            Err(message) => {
                self.fail(name, message);
                T::default()
            }
        }
    }

    /// A whole number, or `None` when the field is empty.
    pub fn optional_int<T>(&mut self, name: &str) -> Option<T>
    where
        T: TryFrom<i64> + Default + Bounded,
    {
        match parse_int::<T>(self.form.value(name)) {
            Ok(v) => v,
            Err(message) => {
                self.fail(name, message);
                None
            }
        }
    }

    /// A finite decimal number.
    pub fn number(&mut self, name: &str) -> f64 {
        let text = self.text(name).replace('_', "");
        match crate::float_text::parse(&text) {
            Some(v) if v.is_finite() => v,
            _ if text.is_empty() => {
                self.fail(name, "enter a number");
                0.0
            }
            _ => {
                self.fail(name, format!("{text:?} is not a number"));
                0.0
            }
        }
    }

    /// The collected messages, if any.
    pub fn finish(self) -> Result<(), Errors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

/// The limits of an integer type, for messages.
pub trait Bounded {
    const MIN_I64: i64;
    const MAX_I64: i64;
}
impl Bounded for i32 {
    const MIN_I64: i64 = i32::MIN as i64;
    const MAX_I64: i64 = i32::MAX as i64;
}
impl Bounded for i64 {
    const MIN_I64: i64 = i64::MIN;
    const MAX_I64: i64 = i64::MAX;
}
impl Bounded for u32 {
    const MIN_I64: i64 = 0;
    const MAX_I64: i64 = u32::MAX as i64;
}

/// `Ok(None)` for an empty field; an error message for anything that is
/// not a whole number within `T`'s range.
pub fn parse_int<T>(text: &str) -> Result<Option<T>, String>
where
    T: TryFrom<i64> + Bounded,
{
    let cleaned = text.trim().replace('_', "");
    if cleaned.is_empty() {
        return Ok(None);
    }
    let Ok(wide) = cleaned.parse::<i64>() else {
        let looks_numeric = cleaned.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'));
        return Err(if looks_numeric && cleaned.contains('.') {
            format!("{cleaned:?} is not a whole number")
        } else if looks_numeric && cleaned.chars().any(|c| c.is_ascii_digit()) {
            format!("{cleaned:?} is out of range")
        } else {
            format!("{cleaned:?} is not a number")
        });
    };
    T::try_from(wide).map(Some).map_err(|_| {
        if wide < T::MIN_I64 {
            format!("must be at least {}", T::MIN_I64)
        } else {
            format!("must be at most {}", T::MAX_I64)
        }
    })
}

/// Sends `command` and shows the outcome: the engine's refusal next to
/// its field, or `message` (with `reset` fields set back) on success.
pub fn apply(
    form: &FormHandle,
    on_apply: &ApplyThen,
    command: Command,
    message: String,
    reset: Vec<(String, String)>,
    aliases: &'static [(&'static str, &'static str)],
) {
    let reply = {
        let form = form.clone();
        Callback::from(move |result: Result<(), CommandError>| match result {
            Ok(()) => form.dispatch(FormAction::Applied { message: message.clone(), reset: reset.clone() }),
            Err(error) => {
                let fields: Vec<&str> = form.fields().collect();
                let field = field_for_error(&error, &fields, aliases);
                let mut errors = Errors::new();
                let general = match field {
                    Some(f) => {
                        errors.insert(f, error.message.clone());
                        None
                    }
                    None => Some(error.to_string()),
                };
                form.dispatch(FormAction::Refused { errors, general });
            }
        })
    };
    on_apply.emit((command, reply));
}

/// Shows parse errors.
pub fn refuse(form: &FormHandle, errors: Errors) {
    form.dispatch(FormAction::Refused { errors, general: None });
}

// ------------------------------------------------------------- rendering

/// A labelled text input (numbers are text inputs too: we parse them, so
/// "abc" gets our message rather than the browser's silent empty value).
#[derive(Clone, Default)]
pub struct Text<'a> {
    pub name: &'a str,
    pub label: &'a str,
    /// Shown under the input (and read with it).
    pub hint: Option<String>,
    pub placeholder: Option<String>,
    /// `numeric` / `decimal` for the on-screen keyboard.
    pub inputmode: Option<&'static str>,
    /// The id of a `<datalist>` with suggestions.
    pub list: Option<String>,
}

impl Text<'_> {
    pub fn render(&self, form: &FormHandle, form_id: &str) -> Html {
        let id = input_id(form_id, self.name);
        let oninput = {
            let form = form.clone();
            let name = self.name.to_string();
            Callback::from(move |e: InputEvent| {
                let input: HtmlInputElement = e.target_unchecked_into();
                form.dispatch(FormAction::Set(name.clone(), input.value()));
            })
        };
        let error = form.error(self.name);
        html! {
            <div class="field">
                <label for={id.clone()}>{ self.label }</label>
                <input type="text" id={id.clone()} data-testid={id.clone()} name={self.name.to_string()}
                    value={form.value(self.name).to_string()}
                    placeholder={self.placeholder.clone()}
                    inputmode={self.inputmode}
                    list={self.list.clone()}
                    autocomplete="off"
                    aria-invalid={error.is_some().then_some("true")}
                    aria-describedby={describedby(&id, self.hint.is_some(), error.is_some())}
                    {oninput} />
                { hint_and_error(&id, self.hint.as_deref(), error) }
            </div>
        }
    }
}

/// A labelled `<select>`. A value that is not among `options` shows (and
/// submits, see [`selected`]) the first option.
pub struct Select<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub hint: Option<String>,
    /// (value, text)
    pub options: Vec<(String, String)>,
}

impl Select<'_> {
    pub fn render(&self, form: &FormHandle, form_id: &str) -> Html {
        let id = input_id(form_id, self.name);
        let onchange = {
            let form = form.clone();
            let name = self.name.to_string();
            Callback::from(move |e: Event| {
                let select: HtmlSelectElement = e.target_unchecked_into();
                form.dispatch(FormAction::Set(name.clone(), select.value()));
            })
        };
        let current = selected(form.value(self.name), &self.options).unwrap_or_default();
        let error = form.error(self.name);
        html! {
            <div class="field">
                <label for={id.clone()}>{ self.label }</label>
                <select id={id.clone()} data-testid={id.clone()} name={self.name.to_string()}
                    disabled={self.options.is_empty()}
                    aria-invalid={error.is_some().then_some("true")}
                    aria-describedby={describedby(&id, self.hint.is_some(), error.is_some())}
                    {onchange}>
                    { for self.options.iter().map(|(value, text)| html! {
                        <option value={value.clone()} selected={*value == current}>{ text.clone() }</option>
                    }) }
                </select>
                { hint_and_error(&id, self.hint.as_deref(), error) }
            </div>
        }
    }
}

/// The value a select submits: `value` if it is an option, else the first option.
pub fn selected(value: &str, options: &[(String, String)]) -> Option<String> {
    options.iter().find(|(v, _)| v == value).or(options.first()).map(|(v, _)| v.clone())
}

/// A labelled checkbox (its value is "true" or "false").
pub struct Check<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub hint: Option<String>,
}

impl Check<'_> {
    pub fn render(&self, form: &FormHandle, form_id: &str) -> Html {
        let id = input_id(form_id, self.name);
        let onchange = {
            let form = form.clone();
            let name = self.name.to_string();
            Callback::from(move |e: Event| {
                let input: HtmlInputElement = e.target_unchecked_into();
                form.dispatch(FormAction::Set(name.clone(), input.checked().to_string()));
            })
        };
        let error = form.error(self.name);
        html! {
            <div class="field field-check">
                <label for={id.clone()}>
                    <input type="checkbox" id={id.clone()} data-testid={id.clone()} name={self.name.to_string()}
                        checked={form.checked(self.name)}
                        aria-invalid={error.is_some().then_some("true")}
                        aria-describedby={describedby(&id, self.hint.is_some(), error.is_some())}
                        {onchange} />
                    { " " }{ self.label }
                </label>
                { hint_and_error(&id, self.hint.as_deref(), error) }
            </div>
        }
    }
}

fn describedby(id: &str, hint: bool, error: bool) -> Option<String> {
    let mut ids = Vec::new();
    if error {
        ids.push(format!("{id}-error"));
    }
    if hint {
        ids.push(format!("{id}-hint"));
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}

fn hint_and_error(id: &str, hint: Option<&str>, error: Option<&str>) -> Html {
    html! {
        <>
            if let Some(hint) = hint {
                <span class="hint" id={format!("{id}-hint")}>{ hint.to_string() }</span>
            }
            if let Some(error) = error {
                <span class="field-error" id={format!("{id}-error")} data-testid={format!("{id}-error")} role="alert">
                    { error.to_string() }
                </span>
            }
        </>
    }
}

/// The submit button, the general refusal and the success message.
pub fn footer(form: &FormHandle, form_id: &str, submit: &str) -> Html {
    html! {
        <div class="form-footer">
            <button type="submit" class="btn btn-primary" data-testid={format!("{form_id}-submit")}>{ submit.to_string() }</button>
            if let Some(general) = &form.general {
                <span class="field-error" role="alert" data-testid={format!("{form_id}-error")}>{ general.clone() }</span>
            }
            if let Some(done) = &form.done {
                <span class="form-done" role="status" data-testid={format!("{form_id}-done")}>{ done.clone() }</span>
            }
        </div>
    }
}

/// An `onsubmit` that stops the page from navigating and runs `submit`.
pub fn on_submit(submit: impl Fn() + 'static) -> Callback<SubmitEvent> {
    Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        submit();
    })
}
