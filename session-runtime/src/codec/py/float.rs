//! Python's `float.__repr__` (and `json`'s spelling of it): the shortest
//! digits that read back, with Python's tie-break and exponent rules.
//!
//! Hand-written: Rust's shortest formatting (`ryu`, `{}`) picks the other
//! candidate where two are equally near (`1276771017414697.25` is
//! `...97.2` in Python) and writes exponents differently (`1e16` against
//! Python's `1e+16`); the float vectors in `json/write.rs`'s tests pin
//! Python's output.

use std::fmt::Write as _;

/// `f` as Python's `json` writes it, as a value or as a dict key.
pub(crate) fn json_float_str(f: f64, s: &mut String) {
    if f.is_nan() {
        s.push_str("NaN");
    } else if f.is_infinite() {
        s.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        python_float_str(f, s);
    }
}

/// The shortest digits that read back as `x` (finite, not negative), and
/// the decimal exponent of the first one: `x ≈ d.ddd × 10^exp`.
///
/// Rust's shortest formatting, with Python's choice where two candidates are
/// equally short and equally near: `x` exactly halfway between them. Python
/// (David Gay's `dtoa`) then takes the one with an even last digit
/// (`1276771017414697.25` is `1276771017414697.2`), Rust the upper one.
fn shortest_digits(x: f64) -> (String, i32) {
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let odd_last = digits.bytes().last().is_some_and(|d| d % 2 == 1);
    if let (true, Ok(d)) = (odd_last, digits.parse::<u64>()) {
        // `x` is `d × 10^q` rounded; the neighbours `d ± 1` are as near if
        // `x` is exactly `(10d ∓ 5) × 10^(q-1)`.
        let q = exp - (digits.len() as i32 - 1);
        for (neighbour, midpoint) in [(d - 1, 10 * d - 5), (d + 1, 10 * d + 5)] {
            if !is_exactly(x, midpoint, q - 1) {
                continue;
            }
            let text = neighbour.to_string();
            let reads_back = format!("{text}e{q}").parse::<f64>() == Ok(x);
            if reads_back && text.len() == digits.len() && !text.ends_with('0') {
                digits = text;
            }
            break;
        }
    }
    (digits, exp)
}

/// Whether `x` (finite, not negative) is exactly `n × 10^k`.
fn is_exactly(x: f64, n: u64, k: i32) -> bool {
    if x == 0.0 || n == 0 {
        return x == 0.0 && n == 0;
    }
    // x = m × 2^e with m odd.
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let (mut m, mut e) = if biased == 0 {
        (bits & ((1 << 52) - 1), -1074)
    } else {
        ((bits & ((1 << 52) - 1)) | (1 << 52), biased - 1075)
    };
    e += m.trailing_zeros() as i32;
    m >>= m.trailing_zeros();
    // n × 10^k = odd(n) × 5^k × 2^(k + v2(n)).
    let v2 = n.trailing_zeros() as i32;
    let odd = u128::from(n >> v2);
    let odd = if k >= 0 {
        let Some(t) = 5u128
            .checked_pow(k.unsigned_abs())
            .and_then(|p| odd.checked_mul(p))
        else {
            return false;
        };
        t
    } else {
        match 5u128.checked_pow(k.unsigned_abs()) {
            Some(p) if odd % p == 0 => odd / p,
            _ => return false,
        }
    };
    odd == u128::from(m) && e == k + v2
}

/// Python's `repr(float)` for a finite value (`nan`/`inf` spelled as Python).
pub(crate) fn python_float_str(f: f64, s: &mut String) {
    if f.is_nan() {
        s.push_str("nan");
        return;
    }
    if f.is_infinite() {
        s.push_str(if f > 0.0 { "inf" } else { "-inf" });
        return;
    }
    let (digits, exp) = shortest_digits(f.abs());
    if f.is_sign_negative() {
        s.push('-');
    }
    if !(-4..16).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        s.push_str(first);
        if !rest.is_empty() {
            s.push('.');
            s.push_str(rest);
        }
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(s, "e{sign}{:02}", exp.unsigned_abs());
    } else if exp >= 0 {
        let int_len = usize::try_from(exp).unwrap_or(0) + 1;
        if digits.len() <= int_len {
            s.push_str(&digits);
            s.extend(std::iter::repeat_n('0', int_len - digits.len()));
            s.push_str(".0");
        } else {
            let (int_part, frac) = digits.split_at(int_len);
            s.push_str(int_part);
            s.push('.');
            s.push_str(frac);
        }
    } else {
        s.push_str("0.");
        s.extend(std::iter::repeat_n(
            '0',
            usize::try_from(-exp - 1).unwrap_or(0),
        ));
        s.push_str(&digits);
    }
}
