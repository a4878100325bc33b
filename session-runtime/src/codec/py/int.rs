//! Python's `int()` and `str.isdigit()` as the parsers Flask relies on
//! use them (`email.utils` for `" d"` dates, `uuid.UUID` for `" u"`): the
//! text goes through CPython's decimal-and-space transform first, so any
//! Unicode decimal digit counts and a non-ASCII space reads as a space.
//!
//! The tables are Unicode 14.0 (Python 3.11), generated with
//! `unicodedata.decimal(c) == 0` and `str.isdigit()` over every code point.

/// First code point (digit zero) of each run of ten Unicode decimal digits.
const DECIMAL_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// Inclusive ranges of the characters Python's `str.isdigit()` accepts.
const DIGIT_RANGES: [(u32, u32); 81] = [
    (0x30, 0x39),
    (0xB2, 0xB3),
    (0xB9, 0xB9),
    (0x660, 0x669),
    (0x6F0, 0x6F9),
    (0x7C0, 0x7C9),
    (0x966, 0x96F),
    (0x9E6, 0x9EF),
    (0xA66, 0xA6F),
    (0xAE6, 0xAEF),
    (0xB66, 0xB6F),
    (0xBE6, 0xBEF),
    (0xC66, 0xC6F),
    (0xCE6, 0xCEF),
    (0xD66, 0xD6F),
    (0xDE6, 0xDEF),
    (0xE50, 0xE59),
    (0xED0, 0xED9),
    (0xF20, 0xF29),
    (0x1040, 0x1049),
    (0x1090, 0x1099),
    (0x1369, 0x1371),
    (0x17E0, 0x17E9),
    (0x1810, 0x1819),
    (0x1946, 0x194F),
    (0x19D0, 0x19DA),
    (0x1A80, 0x1A89),
    (0x1A90, 0x1A99),
    (0x1B50, 0x1B59),
    (0x1BB0, 0x1BB9),
    (0x1C40, 0x1C49),
    (0x1C50, 0x1C59),
    (0x2070, 0x2070),
    (0x2074, 0x2079),
    (0x2080, 0x2089),
    (0x2460, 0x2468),
    (0x2474, 0x247C),
    (0x2488, 0x2490),
    (0x24EA, 0x24EA),
    (0x24F5, 0x24FD),
    (0x24FF, 0x24FF),
    (0x2776, 0x277E),
    (0x2780, 0x2788),
    (0x278A, 0x2792),
    (0xA620, 0xA629),
    (0xA8D0, 0xA8D9),
    (0xA900, 0xA909),
    (0xA9D0, 0xA9D9),
    (0xA9F0, 0xA9F9),
    (0xAA50, 0xAA59),
    (0xABF0, 0xABF9),
    (0xFF10, 0xFF19),
    (0x104A0, 0x104A9),
    (0x10A40, 0x10A43),
    (0x10D30, 0x10D39),
    (0x10E60, 0x10E68),
    (0x11052, 0x1105A),
    (0x11066, 0x1106F),
    (0x110F0, 0x110F9),
    (0x11136, 0x1113F),
    (0x111D0, 0x111D9),
    (0x112F0, 0x112F9),
    (0x11450, 0x11459),
    (0x114D0, 0x114D9),
    (0x11650, 0x11659),
    (0x116C0, 0x116C9),
    (0x11730, 0x11739),
    (0x118E0, 0x118E9),
    (0x11950, 0x11959),
    (0x11C50, 0x11C59),
    (0x11D50, 0x11D59),
    (0x11DA0, 0x11DA9),
    (0x16A60, 0x16A69),
    (0x16AC0, 0x16AC9),
    (0x16B50, 0x16B59),
    (0x1D7CE, 0x1D7FF),
    (0x1E140, 0x1E149),
    (0x1E2F0, 0x1E2F9),
    (0x1E950, 0x1E959),
    (0x1F100, 0x1F10A),
    (0x1FBF0, 0x1FBF9),
];

/// Python's limit on the digits of a decimal `int()` (3.11's default
/// `sys.get_int_max_str_digits()`), for JSON integers too.
pub(crate) const MAX_STR_DIGITS: usize = 4300;

/// Python's `str.isspace()`.
pub(crate) fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | '\u{1C}'..='\u{1F}' | ' ' | '\u{85}' | '\u{A0}'
            | '\u{1680}' | '\u{2000}'..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}'
            | '\u{205F}' | '\u{3000}'
    )
}

/// Python's `str.isdigit()` on one character.
pub(crate) fn is_digit(c: char) -> bool {
    let c = u32::from(c);
    let i = DIGIT_RANGES.partition_point(|&(_, hi)| hi < c);
    DIGIT_RANGES.get(i).is_some_and(|&(lo, _)| lo <= c)
}

/// The value of a Unicode decimal digit (what Python's `int()` accepts).
fn decimal(c: char) -> Option<u8> {
    let c = u32::from(c);
    let i = DECIMAL_ZEROS.partition_point(|&z| z <= c).checked_sub(1)?;
    u8::try_from(c - DECIMAL_ZEROS[i]).ok().filter(|&d| d < 10)
}

/// CPython's `_PyUnicode_TransformDecimalAndSpaceToASCII` followed by the
/// strip `int()` does: ASCII (below DEL) is kept, other spaces become `' '`,
/// other decimal digits their ASCII digit; anything else is `None`. Only
/// ASCII whitespace is stripped afterwards (so `\x1c` is refused while
/// U+3000 is not).
fn ascii_int_text(s: &str) -> Option<String> {
    let ascii = s
        .chars()
        .map(|c| match c {
            '\0'..='\u{7E}' => Some(c),
            c if is_space(c) => Some(' '),
            c => decimal(c).map(|d| char::from(b'0' + d)),
        })
        .collect::<Option<String>>()?;
    Some(
        ascii
            .trim_matches([' ', '\t', '\n', '\u{0B}', '\u{0C}', '\r'])
            .to_owned(),
    )
}

/// Splits an optional sign off and checks Python's underscore rule (single
/// underscores between digits only); returns `(negative, digits)`.
fn signed_body(s: &str) -> Option<(bool, &str)> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let ok =
        !body.is_empty() && !body.starts_with('_') && !body.ends_with('_') && !body.contains("__");
    ok.then_some((neg, body))
}

/// Python's `int(s)` in base 10. `None` where Python raises `ValueError`
/// (including more than 4 300 digits). A value beyond `i64` saturates: the
/// callers only compare values with limits far inside `i64`.
pub(crate) fn int10(s: &str) -> Option<i64> {
    let text = ascii_int_text(s)?;
    let (neg, body) = signed_body(&text)?;
    let mut digits = 0usize;
    let mut v: i64 = 0;
    for c in body.chars().filter(|&c| c != '_') {
        let d = c.to_digit(10)?;
        digits += 1;
        v = v.saturating_mul(10).saturating_add(i64::from(d));
    }
    if digits > MAX_STR_DIGITS {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// Python's `int(s, 16)` restricted to non-negative values below 2^128
/// (`None` otherwise, or where Python raises).
pub(crate) fn int16(s: &str) -> Option<u128> {
    let text = ascii_int_text(s)?;
    let (neg, body) = signed_body(&text)?;
    let body = body
        .strip_prefix("0x")
        .or_else(|| body.strip_prefix("0X"))
        .map_or(Some(body), |rest| {
            let rest = rest.strip_prefix('_').unwrap_or(rest);
            (!rest.is_empty() && !rest.starts_with('_')).then_some(rest)
        })?;
    let mut v: u128 = 0;
    for c in body.chars().filter(|&c| c != '_') {
        v = v
            .checked_mul(16)?
            .checked_add(u128::from(c.to_digit(16)?))?;
    }
    (!neg || v == 0).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every expectation below was confirmed with CPython 3.11.7.

    #[test]
    fn int10_reads_what_python_int_reads() {
        let cases: &[(&str, Option<i64>)] = &[
            ("42", Some(42)),
            ("0005", Some(5)),
            ("-17", Some(-17)),
            ("+1_000", Some(1000)),
            (" 5 ", Some(5)),
            ("\u{85}5", Some(5)),
            ("\u{3000}5", Some(5)),
            ("\u{661}\u{662}", Some(12)),
            ("5_\u{661}", Some(51)),
            ("+\u{661}", Some(1)),
            ("\u{FF12}\u{FF10}\u{FF12}\u{FF14}", Some(2024)),
            ("\u{1C}5", None),
            ("5\u{1F}", None),
            ("\u{7F}5", None),
            ("\u{B2}", None),
            ("1__0", None),
            ("_1", None),
            ("1_", None),
            ("", None),
            ("-", None),
            ("1.5", None),
        ];
        for &(text, want) in cases {
            assert_eq!(int10(text), want, "{text:?}");
        }
    }

    #[test]
    fn int10_saturates_and_keeps_python_s_digit_limit() {
        assert_eq!(int10("99999999999999999999999"), Some(i64::MAX));
        assert_eq!(int10("-99999999999999999999999"), Some(-i64::MAX));
        assert_eq!(int10(&"1".repeat(4300)), Some(i64::MAX));
        assert_eq!(int10(&"1".repeat(4301)), None);
        // Leading zeros count; underscores do not.
        assert_eq!(int10(&format!("0{}", "9".repeat(4300))), None);
        assert_eq!(int10(&format!("{}9", "9_".repeat(3000))), Some(i64::MAX));
    }

    #[test]
    fn int16_reads_what_python_int_base_16_reads() {
        let cases: &[(&str, Option<u128>)] = &[
            ("1f", Some(31)),
            ("0x1F", Some(31)),
            ("0x_1f", Some(31)),
            ("0x", None),
            ("0x__1f", None),
            ("0x\u{661}f", Some(31)),
            ("-0", Some(0)),
            ("-1", None),
            ("\u{1C}1", None),
            ("\u{85}1", Some(1)),
        ];
        for &(text, want) in cases {
            assert_eq!(int16(text), want, "{text:?}");
        }
    }

    #[test]
    fn digits_follow_python_s_tables() {
        for c in [
            '0',
            '9',
            '\u{B2}',
            '\u{661}',
            '\u{1369}',
            '\u{2460}',
            '\u{1F10A}',
        ] {
            assert!(is_digit(c), "{c:?}");
        }
        for c in ['a', '/', ':', '\u{BD}', '\u{2167}', '\u{1372}', '\u{1F10B}'] {
            assert!(!is_digit(c), "{c:?}");
        }
        assert_eq!(decimal('\u{1D7FF}'), Some(9));
        assert_eq!(decimal('\u{1D7CE}'), Some(0));
        assert_eq!(decimal('\u{1369}'), None);
        assert_eq!(decimal('/'), None);
    }
}
