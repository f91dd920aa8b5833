//! JSON text to a `serde_json::Value`: the one JSON text parser of the crate (scenario files,
//! share links, autosave, `__transaction_state` records, the topic form), native and wasm alike.
//!
//! Why not `serde_json::from_str`: serde_json's `Deserializer` is generic over its visitor, and
//! through serde's `Unexpected` it carries core's `f64` `Display` (Grisu/Dragon and tables)
//! into the wasm even though a `Value` never reaches that arm; a throwaway build with the text
//! parsing stubbed out was 12.7 KB gzipped smaller (488,676 → 475,978 B). This parser is a
//! few hundred lines with the same semantics (BENCHMARKS.md, issue 6):
//!
//! - RFC 8259, strict: no trailing commas, comments, leading zeros, `NaN`/`Infinity`; whitespace
//!   is space, tab, LF and CR; anything after the value is refused.
//! - Strings: every escape, `\uXXXX` surrogate pairs; a lone surrogate and a raw control
//!   character (below U+0020) are refused.
//! - A repeated key: the last one wins (as `Value` does).
//! - Nesting deeper than 127 arrays/objects is refused (serde_json's recursion limit), so a
//!   hostile `[[[[…` cannot overflow the stack.
//! - Numbers: a non-negative integer that fits `u64` is a `u64`, a negative one that fits `i64`
//!   an `i64`, anything else an `f64` (`-0` is `-0.0`, as serde_json gives). Floats are
//!   correctly rounded (serde_json without `float_roundtrip` is not always): `str::parse`
//!   natively, JavaScript's `parseFloat` in the browser (`float_text::parse`; core's float
//!   parser would bring dec2flt and its tables into the wasm), both correctly rounded, so both
//!   read the same value. A number beyond `f64` is refused (`number out of range`).
//! - Errors are serde_json's texts and positions (`expected `,` or `}` at line 3 column 5`):
//!   lines from 1, columns counted in bytes.

use std::fmt;

use serde_json::{Map, Number, Value};

/// A syntax error: serde_json's reason and where (line from 1, column in bytes, 0 before the
/// first byte of a line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub reason: &'static str,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at line {} column {}", self.reason, self.line, self.column)
    }
}

const EOF_VALUE: &str = "EOF while parsing a value";
const EOF_LIST: &str = "EOF while parsing a list";
const EOF_OBJECT: &str = "EOF while parsing an object";
const EOF_STRING: &str = "EOF while parsing a string";
const EXPECTED_COLON: &str = "expected `:`";
const EXPECTED_LIST_COMMA_OR_END: &str = "expected `,` or `]`";
const EXPECTED_OBJECT_COMMA_OR_END: &str = "expected `,` or `}`";
const EXPECTED_IDENT: &str = "expected ident";
const EXPECTED_VALUE: &str = "expected value";
const INVALID_ESCAPE: &str = "invalid escape";
const INVALID_NUMBER: &str = "invalid number";
const OUT_OF_RANGE: &str = "number out of range";
const CONTROL_CHARACTER: &str = "control character (\\u0000-\\u001F) found while parsing a string";
const KEY_MUST_BE_A_STRING: &str = "key must be a string";
const LONE_SURROGATE: &str = "lone leading surrogate in hex escape";
const TRAILING_COMMA: &str = "trailing comma";
const TRAILING_CHARACTERS: &str = "trailing characters";
const END_OF_HEX_ESCAPE: &str = "unexpected end of hex escape";
const RECURSION_LIMIT: &str = "recursion limit exceeded";

/// Parses one JSON value (see the module doc for the rules).
pub fn parse(text: &str) -> Result<Value> {
    let mut parser = Parser { text, bytes: text.as_bytes(), at: 0, depth: 128 };
    let value = parser.value()?;
    match parser.whitespace() {
        Some(_) => Err(parser.peek_error(TRAILING_CHARACTERS)),
        None => Ok(value),
    }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// The next byte to read.
    at: usize,
    /// How many more arrays/objects may open (serde_json's `remaining_depth`).
    depth: u32,
}

type Result<T> = std::result::Result<T, JsonError>;

impl Parser<'_> {
    /// An error positioned after the bytes read so far (serde_json's `error`).
    fn error(&self, reason: &'static str) -> JsonError {
        self.error_at(reason, self.at)
    }

    /// An error positioned at the byte not yet read, counting it (serde_json's `peek_error`).
    fn peek_error(&self, reason: &'static str) -> JsonError {
        self.error_at(reason, (self.at + 1).min(self.bytes.len()))
    }

    fn error_at(&self, reason: &'static str, index: usize) -> JsonError {
        let before = &self.bytes[..index];
        let start_of_line = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let line = 1 + before[..start_of_line].iter().filter(|&&b| b == b'\n').count();
        JsonError { reason, line, column: index - start_of_line }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    /// Skips whitespace; the next byte, not read.
    fn whitespace(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.at += 1;
        }
        self.peek()
    }

    fn value(&mut self) -> Result<Value> {
        let Some(first) = self.whitespace() else { return Err(self.peek_error(EOF_VALUE)) };
        Ok(match first {
            b'n' => self.ident(b"null", Value::Null)?,
            b't' => self.ident(b"true", Value::Bool(true))?,
            b'f' => self.ident(b"false", Value::Bool(false))?,
            b'-' | b'0'..=b'9' => Value::Number(self.number()?),
            b'"' => {
                self.at += 1;
                Value::String(self.string()?)
            }
            b'[' => {
                self.enter()?;
                let array = self.array();
                self.depth += 1;
                Value::Array(array?)
            }
            b'{' => {
                self.enter()?;
                let object = self.object();
                self.depth += 1;
                Value::Object(object?)
            }
            _ => return Err(self.peek_error(EXPECTED_VALUE)),
        })
    }

    /// One more level of nesting, refused at serde_json's limit (before the bracket is read).
    fn enter(&mut self) -> Result<()> {
        self.depth -= 1;
        if self.depth == 0 {
            self.depth += 1;
            return Err(self.peek_error(RECURSION_LIMIT));
        }
        self.at += 1;
        Ok(())
    }

    fn ident(&mut self, word: &[u8], value: Value) -> Result<Value> {
        self.at += 1;
        for &expected in &word[1..] {
            match self.next() {
                None => return Err(self.error(EOF_VALUE)),
                Some(b) if b != expected => return Err(self.error(EXPECTED_IDENT)),
                Some(_) => {}
            }
        }
        Ok(value)
    }

    /// After `[`.
    fn array(&mut self) -> Result<Vec<Value>> {
        let mut items = Vec::new();
        loop {
            match self.whitespace() {
                None => return Err(self.peek_error(EOF_LIST)),
                Some(b']') => break,
                Some(_) if items.is_empty() => {}
                Some(b',') => {
                    self.at += 1;
                    match self.whitespace() {
                        Some(b']') => return Err(self.peek_error(TRAILING_COMMA)),
                        Some(_) => {}
                        None => return Err(self.peek_error(EOF_VALUE)),
                    }
                }
                Some(_) => return Err(self.peek_error(EXPECTED_LIST_COMMA_OR_END)),
            }
            items.push(self.value()?);
        }
        self.at += 1;
        Ok(items)
    }

    /// After `{`.
    fn object(&mut self) -> Result<Map<String, Value>> {
        let mut map = Map::new();
        let mut first = true;
        loop {
            match self.whitespace() {
                None => return Err(self.peek_error(EOF_OBJECT)),
                Some(b'}') => break,
                Some(b) if first => {
                    first = false;
                    if b != b'"' {
                        return Err(self.peek_error(KEY_MUST_BE_A_STRING));
                    }
                }
                Some(b',') => {
                    self.at += 1;
                    match self.whitespace() {
                        Some(b'"') => {}
                        Some(b'}') => return Err(self.peek_error(TRAILING_COMMA)),
                        Some(_) => return Err(self.peek_error(KEY_MUST_BE_A_STRING)),
                        None => return Err(self.peek_error(EOF_VALUE)),
                    }
                }
                Some(_) => return Err(self.peek_error(EXPECTED_OBJECT_COMMA_OR_END)),
            }
            self.at += 1;
            let key = self.string()?;
            match self.whitespace() {
                Some(b':') => self.at += 1,
                Some(_) => return Err(self.peek_error(EXPECTED_COLON)),
                None => return Err(self.peek_error(EOF_OBJECT)),
            }
            let value = self.value()?;
            map.insert(key, value);
        }
        self.at += 1;
        Ok(map)
    }

    /// After the opening `"`.
    fn string(&mut self) -> Result<String> {
        let mut out = String::new();
        let mut start = self.at;
        loop {
            let Some(b) = self.peek() else { return Err(self.error(EOF_STRING)) };
            match b {
                b'"' => {
                    out.push_str(&self.text[start..self.at]);
                    self.at += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(&self.text[start..self.at]);
                    self.at += 1;
                    self.escape(&mut out)?;
                    start = self.at;
                }
                0..=0x1f => {
                    self.at += 1;
                    return Err(self.error(CONTROL_CHARACTER));
                }
                _ => self.at += 1,
            }
        }
    }

    fn next_in_string(&mut self) -> Result<u8> {
        self.next().ok_or_else(|| self.error(EOF_STRING))
    }

    /// After `\`.
    fn escape(&mut self, out: &mut String) -> Result<()> {
        let c = match self.next_in_string()? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\x08',
            b'f' => '\x0c',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(out),
            _ => return Err(self.error(INVALID_ESCAPE)),
        };
        out.push(c);
        Ok(())
    }

    /// After `\u`: a character, or a surrogate pair `\uD83D\uDE00`.
    fn unicode_escape(&mut self, out: &mut String) -> Result<()> {
        let mut n = self.hex4()?;
        if (0xDC00..=0xDFFF).contains(&n) {
            return Err(self.error(LONE_SURROGATE));
        }
        loop {
            if !(0xD800..=0xDBFF).contains(&n) {
                out.push(char::from_u32(n).expect("not a surrogate"));
                return Ok(());
            }
            for expected in [b'\\', b'u'] {
                match self.peek() {
                    None => return Err(self.error(EOF_STRING)),
                    Some(b) => {
                        self.at += 1;
                        if b != expected {
                            return Err(self.error(END_OF_HEX_ESCAPE));
                        }
                    }
                }
            }
            let low = self.hex4()?;
            if !(0xDC00..=0xDFFF).contains(&low) {
                // serde_json refuses here even when `low` is itself a leading surrogate.
                return Err(self.error(LONE_SURROGATE));
            }
            n = (((n - 0xD800) << 10) | (low - 0xDC00)) + 0x1_0000;
        }
    }

    fn hex4(&mut self) -> Result<u32> {
        let mut n = 0;
        let mut valid = true;
        for _ in 0..4 {
            let b = self.next_in_string()?;
            match (b as char).to_digit(16) {
                Some(d) => n = n * 16 + d,
                None => valid = false,
            }
        }
        if valid {
            Ok(n)
        } else {
            Err(self.error(INVALID_ESCAPE))
        }
    }

    /// At `-` or a digit.
    fn number(&mut self) -> Result<Number> {
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        // The integer part: `0` or a non-zero digit and more; its value while it fits a u64.
        let mut magnitude = Some(0u64);
        match self.next() {
            None => return Err(self.error(EOF_VALUE)),
            Some(b'0') => {
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.peek_error(INVALID_NUMBER));
                }
            }
            Some(b'1'..=b'9') => {
                self.at -= 1;
                while let Some(d @ b'0'..=b'9') = self.peek() {
                    self.at += 1;
                    magnitude = magnitude.and_then(|m| m.checked_mul(10)?.checked_add(u64::from(d - b'0')));
                }
            }
            Some(_) => return Err(self.error(INVALID_NUMBER)),
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            integer = false;
            self.at += 1;
            if self.digits() == 0 {
                return Err(self.peek_error(if self.peek().is_some() { INVALID_NUMBER } else { EOF_VALUE }));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            integer = false;
            let nonzero = self.text[start..self.at].bytes().any(|b| (b'1'..=b'9').contains(&b));
            self.at += 1;
            let positive_exponent = match self.peek() {
                Some(b'+') => {
                    self.at += 1;
                    true
                }
                Some(b'-') => {
                    self.at += 1;
                    false
                }
                _ => true,
            };
            let mut exponent = match self.next() {
                None => return Err(self.error(EOF_VALUE)),
                Some(d @ b'0'..=b'9') => Some(i32::from(d - b'0')),
                Some(_) => return Err(self.error(INVALID_NUMBER)),
            };
            while let Some(d @ b'0'..=b'9') = self.peek() {
                self.at += 1;
                exponent = exponent.and_then(|e| e.checked_mul(10)?.checked_add(i32::from(d - b'0')));
                if exponent.is_none() && positive_exponent && nonzero {
                    // serde_json refuses at the digit its exponent overflows at (any digit is
                    // beyond the range then: the exponent is above i32::MAX).
                    return Err(self.error(OUT_OF_RANGE));
                }
            }
        }
        if integer {
            match (negative, magnitude) {
                (false, Some(m)) => return Ok(Number::from(m)),
                (true, Some(m)) if m != 0 && m <= 1 << 63 => return Ok(Number::from((m as i64).wrapping_neg())),
                _ => {}
            }
        }
        let x = float(&self.text[start..self.at]);
        Number::from_f64(x).ok_or_else(|| self.error(OUT_OF_RANGE))
    }

    /// Reads ASCII digits; how many.
    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        self.at - start
    }
}

/// A JSON number's text as the nearest `f64` (infinite beyond its range).
#[cfg(not(all(target_arch = "wasm32", feature = "web")))]
fn float(text: &str) -> f64 {
    text.parse().expect("a JSON number is a Rust float literal")
}

/// A JSON number's text as the nearest `f64`, by JavaScript (see the module doc).
#[cfg(all(target_arch = "wasm32", feature = "web"))]
fn float(text: &str) -> f64 {
    crate::float_text::parse(text).expect("a JSON number is a Rust float literal")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::parse;

    /// Our result against serde_json's: both accept (equal values, floats within serde_json's
    /// rounding) or both refuse with the same message.
    fn agree(text: &str) {
        let ours = parse(text);
        let theirs = serde_json::from_str::<Value>(text);
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => assert!(close(a, b), "{text:?}: {a} vs {b}"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{text:?}"),
            _ => panic!("{text:?}: ours {ours:?}, serde_json {theirs:?}"),
        }
    }

    /// Equal, except that floats may differ in the last bits (serde_json's own parsing is not
    /// correctly rounded); ours are checked against `str::parse` elsewhere.
    fn close(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) if x.is_f64() && y.is_f64() => {
                let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                x == y || ((x - y) / x).abs() < 1e-15 || (x - y).abs() < 1e-300
            }
            (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| close(x, y)),
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|((k, x), (l, y))| k == l && close(x, y))
            }
            _ => a == b,
        }
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn values() {
        assert_eq!(parse(" null ").unwrap(), Value::Null);
        assert_eq!(parse("true").unwrap(), json!(true));
        assert_eq!(parse("\t\r\n false").unwrap(), json!(false));
        assert_eq!(parse("\"a\"").unwrap(), json!("a"));
        assert_eq!(parse("[1, -2, 3.5, \"x\", [], {}]").unwrap(), json!([1, -2, 3.5, "x", [], {}]));
        assert_eq!(parse("{\"a\": {\"b\": [null]}}").unwrap(), json!({"a": {"b": [null]}}));
        assert_eq!(parse("{\"a\": 1, \"a\": 2}").unwrap(), json!({"a": 2}), "the last of a repeated key");
        for text in ["[1,]", "{\"a\":1,}", "// c\n1", "01", "-01", "NaN", "Infinity", "-Infinity", "\u{a0}1", "1 2"] {
            assert!(parse(text).is_err(), "{text:?}");
            agree(text);
        }
    }

    #[test]
    fn numbers() {
        let n = |text: &str| match parse(text).unwrap() {
            Value::Number(n) => n,
            other => panic!("{other}"),
        };
        assert_eq!(n("0").as_u64(), Some(0));
        assert_eq!(n("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(n("-9223372036854775808").as_i64(), Some(i64::MIN));
        assert!(n("-1").is_i64());
        assert!(n("1.0").is_f64());
        assert_eq!(n("18446744073709551616").as_f64(), Some(18446744073709551616.0));
        assert_eq!(n("-9223372036854775809").as_f64(), Some(-9223372036854775809.0));
        let minus_zero = n("-0").as_f64().unwrap();
        assert!(minus_zero == 0.0 && minus_zero.is_sign_negative(), "-0 is the float -0.0, as serde_json reads it");
        assert_eq!(serde_json::from_str::<Value>("-0").unwrap().as_f64().map(f64::is_sign_negative), Some(true));
        assert_eq!(n("-0.0").as_f64().map(f64::is_sign_negative), Some(true));
        assert_eq!(n("1e-400").as_f64(), Some(0.0));
        assert_eq!(n("0e99999999999999").as_f64(), Some(0.0));
        assert_eq!(n("1.7976931348623157e308").as_f64(), Some(f64::MAX));
        // Correctly rounded where serde_json (without float_roundtrip) is one bit off.
        for text in ["0.1", "2.2250738585072014e-308", "5e-324", "9007199254740993", "0.30000000000000004", "1e23"] {
            assert_eq!(n(text).as_f64(), Some(text.parse::<f64>().unwrap()), "{text}");
        }
        for text in ["1e400", "-1e400", "1e99999999999999", "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792"] {
            assert!(err(text).starts_with("number out of range at line 1 column "), "{text}");
            agree(text);
        }
        for text in ["1.", "1.e5", ".5", "1e", "1e+", "-", "+1", "0x10", "1_0", "00", "-a", "1.5e+x"] {
            assert!(parse(text).is_err(), "{text}");
            agree(text);
        }
    }

    #[test]
    fn strings() {
        let s = |text: &str| parse(text).unwrap().as_str().unwrap().to_string();
        assert_eq!(s(r#""\"\\\/\b\f\n\r\t""#), "\"\\/\u{8}\u{c}\n\r\t");
        assert_eq!(s(r#""\u0041\u00e9\u20AC""#), "Aé€");
        assert_eq!(s(r#""\ud83d\ude00 é 😀""#), "😀 é 😀");
        assert_eq!(s("\"\u{7f}\""), "\u{7f}", "DEL is no control character to JSON");
        assert_eq!(
            err("\"a\u{1}\""),
            "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 3"
        );
        assert_eq!(err("\"\\x\""), "invalid escape at line 1 column 3");
        assert_eq!(err("\"\\u12G4\""), "invalid escape at line 1 column 7");
        assert_eq!(err("\"\\udc00\""), "lone leading surrogate in hex escape at line 1 column 7");
        assert_eq!(err("\"\\ud800\""), "unexpected end of hex escape at line 1 column 8");
        assert_eq!(err("\"\\ud800\\n\""), "unexpected end of hex escape at line 1 column 9");
        assert_eq!(err("\"\\ud800\\u0041\""), "lone leading surrogate in hex escape at line 1 column 13");
        assert_eq!(err("\"abc"), "EOF while parsing a string at line 1 column 4");
        for text in [
            "\"\\ud800\\ud800\"",
            "\"\\ud800\\udc00\\ud800\"",
            "\"\\u",
            "\"\\ud800",
            "\"\\ud800\\",
            "\"\\",
            "\"\t\"",
            "\"\n\"",
            "\"é\\é\"",
            "{\"a\u{0}\":1}",
        ] {
            agree(text);
        }
    }

    #[test]
    fn errors_are_serde_jsons() {
        assert_eq!(err(""), "EOF while parsing a value at line 1 column 0");
        assert_eq!(err("{\n  \"a\": 1\n  \"b\": 2}"), "expected `,` or `}` at line 3 column 3");
        assert_eq!(err("[1] x"), "trailing characters at line 1 column 5");
        assert_eq!(err("nul"), "EOF while parsing a value at line 1 column 3");
        assert_eq!(err("nulx"), "expected ident at line 1 column 4");
        for text in [
            "",
            " ",
            "[",
            "[1",
            "[1,",
            "[1 2]",
            "[,1]",
            "{",
            "{\"a\"",
            "{\"a\":",
            "{\"a\" 1}",
            "{1:2}",
            "{\"a\":1 \"b\":2}",
            "{\"a\":1,",
            "{\"a\":1,2}",
            "{,}",
            "]",
            "}",
            ":",
            "\"a\":",
            "tru",
            "truex",
            "[true false]",
            "{\"a\":1}}",
            "[1]]",
            "\n\n  [1,\n  ]",
            "\r\n{\"a\"\n:\n",
            "é",
            "[\"é\", é]",
            "-",
            "-.",
            "1.x",
            "1e",
            "1ex",
            "1e+",
        ] {
            agree(text);
        }
    }

    #[test]
    fn nesting_is_limited_like_serde_json() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(&deep(127)).is_ok());
        assert_eq!(err(&deep(128)), "recursion limit exceeded at line 1 column 128");
        agree(&deep(127));
        agree(&deep(128));
        agree(&"{\"a\":".repeat(200));
        // Far deeper than any stack: refused at the limit, not overflowing.
        assert!(parse(&"[".repeat(100_000)).is_err());
        assert!(parse(&deep(100_000)).is_err());
        assert!(parse(&"{\"\":".repeat(100_000)).is_err());
        // The limit is on depth, not on how many arrays a text holds.
        assert!(parse(&format!("[{}1]", "[1],".repeat(10_000))).is_ok());
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<u64>().prop_map(|n| json!(n)),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_filter("finite", |x| x.is_finite()).prop_map(|x| json!(x)),
            (-1e6f64..1e6).prop_map(|x| json!(x)),
            "\\PC*".prop_map(Value::String),
            "[\\x00-\\x7f\u{d7ff}\u{e000}\u{10000}-\u{10ffff}]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(6, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::vec(("[a-z\"\\\\\u{0}-\u{1f}é]{0,4}", inner), 0..8)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Every Value written (compact and pretty) reads back exactly (floats included: ryu
        /// writes the shortest text that reads back, and ours are correctly rounded), as
        /// serde_json reads it too.
        #[test]
        fn written_values_read_back(v in value()) {
            for text in [serde_json::to_string(&v).unwrap(), serde_json::to_string_pretty(&v).unwrap()] {
                prop_assert_eq!(&parse(&text).unwrap(), &v);
                agree(&text);
            }
        }

        /// Mutated texts: accepted by both with the same value, or refused by both with the same
        /// message (reason and position).
        #[test]
        fn mutated_texts_agree(
            v in value(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), 0..3u8, prop::sample::select(
                b" \t\n\r[]{},:\"\\/0123456789-+.eEtrufalsnbx\x00\x1fu".to_vec())), 1..4),
        ) {
            let mut bytes = serde_json::to_vec_pretty(&v).unwrap();
            for (at, op, b) in edits {
                let i = at.index(bytes.len() + 1);
                match op {
                    0 => bytes.insert(i, b),
                    1 if i < bytes.len() => { bytes.remove(i); }
                    _ if i < bytes.len() => bytes[i] = b,
                    _ => bytes.push(b),
                }
            }
            if let Ok(text) = std::str::from_utf8(&bytes) {
                agree(text);
            }
        }

        /// Random short texts over JSON's alphabet.
        #[test]
        fn random_texts_agree(text in "[ \\n\\[\\]{},:\"\\\\0-9a-fu.eE+-]{0,12}") {
            agree(&text);
        }
    }
}
