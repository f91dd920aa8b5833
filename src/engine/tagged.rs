//! Internally tagged enums (`{"type": "drop", ...}`) read through `serde_json::Value`.
//!
//! serde's derived `Deserialize` for an internally tagged enum buffers the object in its
//! private `Content` and runs a visitor per variant over it, for every deserializer the enum is
//! read from: `Fault` and `KeyPattern` cost 11 and 7.5 KB of wasm that way. Reading the object
//! into a `Value` (code the scenario parser has anyway) and taking the fields out of it in
//! plain functions accepts the same JSON with the same messages: `missing field `type``,
//! serde's `unknown variant` / `unknown field` texts, and each field's own type errors.
//! Differences, all on input that is wrong anyway: with two problems, the one reported is the
//! first in key order rather than input order; a non-empty JSON array is refused as the wrong
//! type (serde reads it as the variant's fields in order); read from text (the native
//! loader), a repeated key is taken last-wins, as the browser's `Value` path always did, and
//! serde_json's ` at line L column C` is not appended (`Scenario::from_json` strips it).

use serde::de::{DeserializeOwned, Error as _, Unexpected};
use serde_json::{Error, Map, Value};

/// The object's fields and its `type` tag read as `T` (a fieldless enum naming the
/// variants, which gives serde's `unknown variant` message).
pub fn untag<T: DeserializeOwned>(value: Value, expecting: &'static str) -> Result<(T, Map<String, Value>), Error> {
    let mut fields = match value {
        Value::Object(fields) => fields,
        Value::Array(items) if items.is_empty() => return Err(Error::missing_field("type")),
        other => return Err(Error::invalid_type(unexpected(&other), &expecting)),
    };
    let tag = fields.remove("type").ok_or_else(|| Error::missing_field("type"))?;
    if !tag.is_string() {
        return Err(Error::invalid_type(unexpected(&tag), &"variant identifier"));
    }
    Ok((serde_json::from_value(tag)?, fields))
}

/// How serde names a value of the wrong type.
fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (None, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// Refuses a field the variant does not have, naming the ones it has (`listed`) or, as serde
/// does for variants with a flattened struct, only the field.
pub fn only(fields: &Map<String, Value>, allowed: &'static [&'static str], listed: bool) -> Result<(), Error> {
    match fields.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(field) if listed => Err(Error::unknown_field(field, allowed)),
        Some(field) => Err(Error::custom(format_args!("unknown field `{field}`"))),
    }
}

/// The field, if given (`null` is given: it is read as `T`).
pub fn field<T: DeserializeOwned>(fields: &mut Map<String, Value>, name: &str) -> Result<Option<T>, Error> {
    fields.remove(name).map(serde_json::from_value).transpose()
}

/// A field the variant cannot do without.
pub fn required<T: DeserializeOwned>(fields: &mut Map<String, Value>, name: &'static str) -> Result<T, Error> {
    field(fields, name)?.ok_or_else(|| Error::missing_field(name))
}

#[cfg(test)]
mod tests {
    use crate::engine::client::KeyPattern;
    use crate::engine::ids::NodeId;
    use crate::engine::net::{Fault, LinkMatch};

    fn fault(json: &str) -> Result<Fault, String> {
        serde_json::from_value(serde_json::from_str(json).unwrap()).map_err(|e| e.to_string())
    }

    fn keys(json: &str) -> Result<KeyPattern, String> {
        serde_json::from_value(serde_json::from_str(json).unwrap()).map_err(|e| e.to_string())
    }

    /// The messages are those the derived internally tagged `Deserialize` gave.
    #[test]
    fn faults_read_and_refused_as_the_derived_enum_did() {
        let all = r#"{"type":"drop","from":{"broker":1},"to":"controller","both_ways":true,"kind":"Fetch","count":3,"probability":0.5}"#;
        let link = LinkMatch {
            from: Some(NodeId::Broker(1)),
            to: Some(NodeId::Controller),
            both_ways: true,
            kind: Some("Fetch".into()),
        };
        assert_eq!(fault(all), Ok(Fault::Drop { link, count: Some(3), probability: 0.5 }));
        let drop_all = Fault::Drop { link: LinkMatch::default(), count: None, probability: 1.0 };
        assert_eq!(fault(r#"{"count":null,"type":"drop","from":null}"#), Ok(drop_all));
        assert_eq!(
            fault(r#"{"type":"isolate","node":{"broker":1}}"#),
            Ok(Fault::Isolate { node: NodeId::Broker(1), except: vec![] })
        );
        let refused = [
            (r#"{"type":"drop","probability":null}"#, "invalid type: null, expected f64"),
            (r#"{"type":"drop","both_ways":null}"#, "invalid type: null, expected a boolean"),
            (r#"{"type":"drop","extra_ms":5}"#, "unknown field `extra_ms`"),
            (r#"{"type":"drop","count":-1}"#, "invalid value: integer `-1`, expected u32"),
            (
                r#"{"type":"drop","from":"bogus"}"#,
                "unknown variant `bogus`, expected one of `controller`, `broker`, `client`",
            ),
            (r#"{"type":"delay"}"#, "missing field `extra_ms`"),
            (r#"{"type":"delay","extra_ms":null}"#, "invalid type: null, expected i64"),
            (r#"{"type":"delay","extra_ms":5,"count":1}"#, "unknown field `count`"),
            (r#"{"type":"partition","side_a":[]}"#, "missing field `side_b`"),
            (
                r#"{"type":"partition","side_a":[],"side_b":[],"from":null}"#,
                "unknown field `from`, expected `side_a` or `side_b`",
            ),
            (r#"{"type":"isolate","node":{"broker":1},"except":null}"#, "invalid type: null, expected a sequence"),
            (r#"{"type":"isolate"}"#, "missing field `node`"),
            (
                r#"{"type":"explode"}"#,
                "unknown variant `explode`, expected one of `drop`, `delay`, `partition`, `isolate`",
            ),
            (r#"{"type":5}"#, "invalid type: integer `5`, expected variant identifier"),
            (r#"{"node":{"broker":1}}"#, "missing field `type`"),
            (r#"[]"#, "missing field `type`"),
            (r#""drop""#, "invalid type: string \"drop\", expected internally tagged enum Fault"),
            (r#"null"#, "invalid type: null, expected internally tagged enum Fault"),
        ];
        for (json, message) in refused {
            assert_eq!(fault(json), Err(message.to_string()), "{json}");
        }
    }

    #[test]
    fn key_patterns_read_and_refused_as_the_derived_enum_did() {
        assert_eq!(keys(r#"{"type":"none","prefix":5}"#), Ok(KeyPattern::None));
        assert_eq!(
            keys(r#"{"cardinality":3,"type":"random","prefix":"k"}"#),
            Ok(KeyPattern::Random { prefix: "k".into(), cardinality: 3 })
        );
        assert_eq!(keys(r#"{"type":"fixed","key":"a"}"#), Ok(KeyPattern::Fixed { key: "a".into() }));
        let refused = [
            (r#"{"type":"sequential","prefix":"k"}"#, "missing field `cardinality`"),
            (r#"{"type":"sequential","cardinality":3}"#, "missing field `prefix`"),
            (r#"{"type":"sequential","prefix":null,"cardinality":3}"#, "invalid type: null, expected a string"),
            (
                r#"{"type":"sequential","prefix":"k","cardinality":3,"key":"x"}"#,
                "unknown field `key`, expected `prefix` or `cardinality`",
            ),
            (r#"{"type":"fixed","key":"a","extra":1}"#, "unknown field `extra`, expected `key`"),
            (
                r#"{"type":"hashed"}"#,
                "unknown variant `hashed`, expected one of `none`, `sequential`, `random`, `fixed`",
            ),
            (r#"{"key":"a"}"#, "missing field `type`"),
            (r#""none""#, "invalid type: string \"none\", expected internally tagged enum KeyPattern"),
        ];
        for (json, message) in refused {
            assert_eq!(keys(json), Err(message.to_string()), "{json}");
        }
    }
}
