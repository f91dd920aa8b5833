//! Floats as text, without core's float formatting.
//!
//! `format!("{x}")` and `format!("{x:.1}")` pull core's Grisu/Dragon code and its tables into
//! the wasm (about 11 KB). serde_json already carries ryu (shortest round-trip digits) for
//! serializing floats, and fixed decimals are exact integer arithmetic, so these two functions
//! give the same text as core's `Display` without it. Every float the crate formats goes
//! through here; a single `{x}` on an `f64` left anywhere brings core's code back.

/// The text of `format!("{x}")`: the shortest digits that read back as `x`, never in
/// exponent notation (`0.0000001`, `1e21` as `1000000000000000000000`), `-0` for negative zero.
pub fn display(x: f64) -> String {
    if !x.is_finite() {
        return non_finite(x).to_string();
    }
    // serde_json writes finite floats with ryu: `1.0`, `0.3`, `1e-7`, `1.5e21`, `-0.0`.
    // Not `expect`: it would keep serde_json::Error's `Debug` in the wasm (~1 KB).
    let ryu = serde_json::to_string(&x).unwrap_or_else(|_| panic!("a finite float serializes"));
    let (negative, ryu) = match ryu.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, ryu.as_str()),
    };
    let (mantissa, exponent) = match ryu.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().expect("ryu writes an integer exponent")),
        None => (ryu, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // The value is digits * 10^power, at most 17 significant digits.
    let mut digits: u64 = format!("{int}{frac}").parse().expect("ryu writes digits");
    let mut power = exponent - frac.len() as i32;
    if digits != 0 && halfway_above(x.abs(), digits, power) {
        // Two shortest candidates, `x` exactly between them: ryu takes the even one, core the
        // upper one.
        digits += 1;
    }
    while digits != 0 && digits.is_multiple_of(10) {
        digits /= 10;
        power += 1;
    }
    let digits = digits.to_string();
    let point = digits.len() as i32 + power; // the value is 0.<digits> * 10^point
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if digits == "0" {
        out.push('0');
    } else if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-point) as usize));
        out.push_str(&digits);
    } else if point as usize >= digits.len() {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', point as usize - digits.len()));
    } else {
        let (whole, fraction) = digits.split_at(point as usize);
        out.push_str(whole);
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// Whether `magnitude` is exactly `(digits + 1/2) * 10^power`, by integer arithmetic:
/// `m * 2^f` (m odd) against `(2 digits + 1) * 2^(power-1) * 5^power`.
fn halfway_above(magnitude: f64, digits: u64, power: i32) -> bool {
    let bits = magnitude.to_bits();
    let biased = (bits >> 52) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (m, f) = if biased == 0 { (fraction, -1074) } else { (fraction | (1 << 52), biased - 1075) };
    let zeros = m.trailing_zeros();
    let (m, f) = (m >> zeros, f + zeros as i32);
    let odd = 2 * digits + 1;
    let five_pow = |k: i32| 5u64.checked_pow(k.unsigned_abs());
    if power >= 0 {
        f + 1 == power && five_pow(power).and_then(|p| p.checked_mul(odd)) == Some(m)
    } else {
        f + 1 - power == 0 && five_pow(power).and_then(|p| p.checked_mul(m)) == Some(odd)
    }
}

/// The text of `format!("{x:.decimals$}")`: `x` rounded to `decimals` places, ties to even
/// on the exact binary value (`0.125` → `0.12`, `0.35` → `0.3`), `-0.0` for small negatives.
/// Exact for |x| < 2^64 and up to 3 decimals (every use here: coordinates, speeds, ratios).
pub fn fixed(x: f64, decimals: u32) -> String {
    assert!(decimals <= 3, "at most 3 decimals");
    if !x.is_finite() {
        return non_finite(x).to_string();
    }
    let mut out = String::new();
    if x.is_sign_negative() {
        out.push('-');
    }
    let magnitude = x.abs();
    if magnitude >= 18446744073709551616.0 {
        // Beyond 2^64 (never shown here): the shortest digits, where core would print the
        // exact binary value's.
        out.push_str(&display(magnitude));
        push_decimals(&mut out, "", decimals);
        return out;
    }
    // magnitude = mantissa * 2^exponent exactly, mantissa < 2^53.
    let bits = magnitude.to_bits();
    let biased = (bits >> 52) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, exponent) = if biased == 0 { (fraction, -1074) } else { (fraction | (1 << 52), biased - 1075) };
    if exponent >= 0 {
        // An integer below 2^64.
        out.push_str(&(mantissa << exponent).to_string());
        push_decimals(&mut out, "", decimals);
        return out;
    }
    // Below 2^53: mantissa * 10^decimals < 2^63, then shifted right with rounding.
    let value = u128::from(mantissa * 10u64.pow(decimals));
    let shift = (-exponent) as u32;
    let scaled = if shift > 100 {
        0 // below 2^-47: rounds to zero at 3 decimals
    } else {
        let quotient = value >> shift;
        let remainder = value - (quotient << shift);
        let half = 1u128 << (shift - 1);
        let up = remainder > half || (remainder == half && quotient % 2 == 1);
        quotient as u64 + u64::from(up)
    };
    let digits = scaled.to_string();
    let split = digits.len().saturating_sub(decimals as usize);
    let (whole, fraction) = digits.split_at(split);
    out.push_str(if whole.is_empty() { "0" } else { whole });
    push_decimals(&mut out, fraction, decimals);
    out
}

/// Appends `.` and `fraction` left-padded with zeros to `decimals` digits (nothing for 0).
fn push_decimals(out: &mut String, fraction: &str, decimals: u32) {
    if decimals > 0 {
        out.push('.');
        out.extend(std::iter::repeat_n('0', decimals as usize - fraction.len()));
        out.push_str(fraction);
    }
}

/// `text.parse::<f64>().ok()` in the browser, without core's float parsing: the text is checked
/// against the grammar `str::parse` accepts, then converted by JavaScript's `parseFloat`, which
/// reads the whole of such a text as one decimal literal and rounds correctly, as core does.
#[cfg(feature = "web")]
pub fn parse(text: &str) -> Option<f64> {
    Some(match classify(text)? {
        Parsed::Decimal => js_sys::Number::parse_float(text),
        Parsed::Infinite { negative: false } => f64::INFINITY,
        Parsed::Infinite { negative: true } => f64::NEG_INFINITY,
        Parsed::NaN => f64::NAN,
    })
}

#[cfg_attr(not(feature = "web"), allow(dead_code))]
enum Parsed {
    Decimal,
    Infinite { negative: bool },
    NaN,
}

/// What `str::parse::<f64>` would read `text` as: `[+-]? (inf | infinity | nan)` (any case),
/// or `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`; `None` where it fails.
#[cfg_attr(not(feature = "web"), allow(dead_code))]
fn classify(text: &str) -> Option<Parsed> {
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest.eq_ignore_ascii_case("inf") || rest.eq_ignore_ascii_case("infinity") {
        return Some(Parsed::Infinite { negative });
    }
    if rest.eq_ignore_ascii_case("nan") {
        return Some(Parsed::NaN);
    }
    let digits = |s: &str| s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let int = digits(rest);
    let mut at = int;
    let mut frac = 0;
    if rest[at..].starts_with('.') {
        frac = digits(&rest[at + 1..]);
        at += 1 + frac;
    }
    if int + frac == 0 {
        return None;
    }
    if rest[at..].starts_with(['e', 'E']) {
        at += 1;
        if rest[at..].starts_with(['+', '-']) {
            at += 1;
        }
        let exponent = digits(&rest[at..]);
        if exponent == 0 {
            return None;
        }
        at += exponent;
    }
    (at == rest.len()).then_some(Parsed::Decimal)
}

fn non_finite(x: f64) -> &'static str {
    if x.is_nan() {
        "NaN"
    } else if x > 0.0 {
        "inf"
    } else {
        "-inf"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values like the ones shown (coordinates, speeds, probabilities, rates, ratios), edge
    /// cases, and a sweep of bit patterns.
    fn samples() -> Vec<f64> {
        let mut values = vec![
            f64::from_bits(0x4302_f5a9_40e2_7caa),
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            1.5,
            2.5,
            0.25,
            0.125,
            0.35,
            0.05,
            0.1,
            0.2,
            0.3,
            1e-7,
            1.5e-7,
            1e15,
            1e16,
            1.5e16,
            1e21,
            1.5e21,
            123.456,
            999.95,
            0.995,
            9.995,
            1e-300,
            5e-324,
            1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            18446744073709550000.0,
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for i in 0..20_000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            values.push(f64::from_bits(state));
            values.push((state >> 40) as f64 / 1000.0);
            values.push(i as f64 * 0.05 - 300.0);
            values.push((state >> 11) as f64 / (1u64 << 53) as f64);
            // Few fractional bits at 15-17 digits: exactly halfway between two shortest
            // candidates now and then.
            values.push((state >> 11) as f64 / f64::from(1u32 << (i % 8)));
            values.push((state >> (11 - i % 11)) as f64);
        }
        values
    }

    #[test]
    fn classify_accepts_what_core_parses() {
        let mut texts: Vec<String> = [
            "",
            "+",
            "-",
            ".",
            "1",
            "-1",
            "+1",
            "1.",
            ".5",
            "-.5",
            "+.5e3",
            "1e",
            "1e+",
            "1e-5",
            "1E5",
            "1.5e+07",
            "e5",
            ".e5",
            "1.2.3",
            "inf",
            "-Infinity",
            "+INF",
            "infinit",
            "NaN",
            "-nan",
            "nan1",
            " 1",
            "1 ",
            "0x10",
            "1_000",
            "00.000",
            "1e400",
            "1e-400",
            "٣",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let alphabet: Vec<char> = "0159.eE+-inaf x".chars().collect();
        let mut state = 3u64;
        for i in 0..50_000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let len = 1 + i % 7;
            texts.push((0..len).map(|k| alphabet[((state >> (8 * k + 3)) % alphabet.len() as u64) as usize]).collect());
        }
        for text in texts {
            let core = text.parse::<f64>();
            match classify(&text) {
                None => assert!(core.is_err(), "{text:?}"),
                Some(Parsed::Decimal) => assert!(core.is_ok_and(|v| !v.is_nan()), "{text:?}"),
                Some(Parsed::Infinite { negative }) => assert_eq!(core, Ok(if negative { -1.0 } else { 1.0 } / 0.0)),
                Some(Parsed::NaN) => assert!(core.is_ok_and(f64::is_nan), "{text:?}"),
            }
        }
    }

    #[test]
    fn display_is_cores_display() {
        for x in samples() {
            assert_eq!(display(x), format!("{x}"), "bits {:#x}", x.to_bits());
        }
    }

    #[test]
    fn fixed_is_cores_precision_format() {
        for x in samples().into_iter().filter(|x| x.abs() < 18446744073709551616.0 || !x.is_finite()) {
            for decimals in 0..=3 {
                assert_eq!(fixed(x, decimals), format!("{x:.*}", decimals as usize), "bits {:#x}", x.to_bits());
            }
        }
    }
}
