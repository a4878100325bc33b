//! Re-spelling of JSON text: the same document in another valid spelling.
//!
//! Used to check `sessionkit sign`'s promise that tagged JSON "in any valid
//! spelling" gives Flask's canonical cookie. The input is JSON as Flask
//! writes it (ASCII, compact); the output differs in whitespace, key order,
//! repeated keys (an earlier occurrence that the last one overrides, as
//! Python's `json` does), string escapes (escaped or literal characters,
//! surrogate pairs as one literal character) and float spellings that keep
//! the exact decimal value (`1.5` as `1.50`, `1.5e0`, `1.5E+0`).

/// A small deterministic generator (xorshift64*), so a failing case is named
/// by its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

enum Json {
    Object(Vec<(String, Json)>),
    Array(Vec<Json>),
    /// The raw text between the quotes (escapes kept).
    Str(String),
    /// A number or a literal (`true`, `NaN`, ...), as written.
    Token(String),
}

/// Re-spells `canonical` (JSON as Flask writes it) using `rng`.
///
/// # Panics
///
/// If `canonical` is not compact ASCII JSON.
pub fn respell(canonical: &str, rng: &mut Rng) -> String {
    let bytes = canonical.as_bytes();
    let mut at = 0;
    let doc = parse(bytes, &mut at);
    assert_eq!(at, bytes.len(), "trailing text in {canonical}");
    let mut out = String::new();
    space(rng, &mut out);
    write(&doc, rng, &mut out);
    space(rng, &mut out);
    out
}

fn parse(b: &[u8], at: &mut usize) -> Json {
    match b[*at] {
        b'{' => {
            *at += 1;
            let mut pairs = Vec::new();
            while b[*at] != b'}' {
                let Json::Str(key) = parse(b, at) else {
                    panic!("a key that is not a string")
                };
                assert_eq!(b[*at], b':');
                *at += 1;
                pairs.push((key, parse(b, at)));
                if b[*at] == b',' {
                    *at += 1;
                }
            }
            *at += 1;
            Json::Object(pairs)
        }
        b'[' => {
            *at += 1;
            let mut items = Vec::new();
            while b[*at] != b']' {
                items.push(parse(b, at));
                if b[*at] == b',' {
                    *at += 1;
                }
            }
            *at += 1;
            Json::Array(items)
        }
        b'"' => {
            let start = *at + 1;
            let mut i = start;
            while b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            *at = i + 1;
            Json::Str(String::from_utf8(b[start..i].to_vec()).unwrap())
        }
        _ => {
            let start = *at;
            while !matches!(b[*at], b',' | b']' | b'}') {
                *at += 1;
                if *at == b.len() {
                    break;
                }
            }
            Json::Token(String::from_utf8(b[start..*at].to_vec()).unwrap())
        }
    }
}

fn space(rng: &mut Rng, out: &mut String) {
    out.push_str(["", "", "", " ", "\n", "\t", "\r\n  "][rng.below(7)]);
}

fn write(doc: &Json, rng: &mut Rng, out: &mut String) {
    match doc {
        Json::Object(pairs) => {
            let mut order: Vec<(&str, Option<&Json>)> =
                pairs.iter().map(|(k, v)| (k.as_str(), Some(v))).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, rng.below(i + 1));
            }
            // An earlier occurrence of a key, overridden by the real one.
            if !order.is_empty() && rng.chance(20) {
                let key = order[rng.below(order.len())].0;
                order.insert(0, (key, None));
            }
            delimited(('{', '}'), order, rng, out, |(key, value), rng, out| {
                write_str(key, rng, out);
                space(rng, out);
                out.push(':');
                space(rng, out);
                match value {
                    Some(v) => write(v, rng, out),
                    None => out.push_str(["\"dup\"", "[0]", "{}", "null"][rng.below(4)]),
                }
            });
        }
        Json::Array(items) => delimited(('[', ']'), items, rng, out, write),
        Json::Str(raw) => write_str(raw, rng, out),
        Json::Token(t) => write_token(t, rng, out),
    }
}

/// `items` between `brackets`, comma-separated, with random space around
/// each item.
fn delimited<T>(
    brackets: (char, char),
    items: impl IntoIterator<Item = T>,
    rng: &mut Rng,
    out: &mut String,
    mut each: impl FnMut(T, &mut Rng, &mut String),
) {
    out.push(brackets.0);
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        space(rng, out);
        each(item, rng, out);
        space(rng, out);
    }
    out.push(brackets.1);
}

/// `raw` is escaped ASCII string content; each character is written
/// escaped or literally, at random, when both are valid.
fn write_str(raw: &str, rng: &mut Rng, out: &mut String) {
    out.push('"');
    let b = raw.as_bytes();
    let hex4 = |i: usize| u32::from_str_radix(&raw[i..i + 4], 16).unwrap();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            let c = char::from(b[i]);
            if rng.chance(15) {
                escape(u32::from(c), rng, out);
            } else if c == '/' && rng.chance(50) {
                out.push_str("\\/");
            } else {
                out.push(c);
            }
            i += 1;
            continue;
        }
        if b[i + 1] != b'u' {
            // \" \\ \n and friends: kept, or as \u escapes.
            let code = match b[i + 1] {
                b'n' => Some(0x0a),
                b't' => Some(0x09),
                b'r' => Some(0x0d),
                b'b' => Some(0x08),
                b'f' => Some(0x0c),
                _ => None,
            };
            match code {
                Some(code) if rng.chance(50) => escape(code, rng, out),
                _ => out.push_str(&raw[i..i + 2]),
            }
            i += 2;
            continue;
        }
        let unit = hex4(i + 2);
        let pair = (0xD800..0xDC00).contains(&unit)
            && b.get(i + 6..i + 8) == Some(b"\\u")
            && (0xDC00..0xE000).contains(&hex4(i + 8));
        if pair {
            if rng.chance(50) {
                let c = 0x10000 + ((unit - 0xD800) << 10) + (hex4(i + 8) - 0xDC00);
                out.push(char::from_u32(c).unwrap());
            } else {
                escape(unit, rng, out);
                escape(hex4(i + 8), rng, out);
            }
            i += 12;
            continue;
        }
        match char::from_u32(unit) {
            Some(c) if unit >= 0x20 && c != '"' && c != '\\' && rng.chance(50) => out.push(c),
            _ => escape(unit, rng, out),
        }
        i += 6;
    }
    out.push('"');
}

fn escape(unit: u32, rng: &mut Rng, out: &mut String) {
    if rng.chance(50) {
        out.push_str(&format!("\\u{unit:04x}"));
    } else {
        out.push_str(&format!("\\u{unit:04X}"));
    }
}

/// Floats in another spelling of the same decimal value; integers and
/// literals as they are.
fn write_token(t: &str, rng: &mut Rng, out: &mut String) {
    let number = t.starts_with(|c: char| c == '-' || c.is_ascii_digit()) && t != "-Infinity";
    let is_float = number && t.contains(['.', 'e']);
    if !is_float {
        out.push_str(t);
        return;
    }
    let (mantissa, exponent) = match t.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (t, None),
    };
    out.push_str(mantissa);
    if mantissa.contains('.') && rng.chance(30) {
        out.push_str("00");
    }
    let exponent = exponent.unwrap_or(if rng.chance(50) { "" } else { "+0" });
    if exponent.is_empty() {
        return;
    }
    out.push(if rng.chance(50) { 'e' } else { 'E' });
    let digits = exponent.trim_start_matches('+');
    if exponent.starts_with('-') || rng.chance(50) {
        out.push_str(exponent);
    } else {
        out.push_str(digits);
    }
}
