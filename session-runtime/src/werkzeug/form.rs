//! `request.form` as Werkzeug 3.1 builds it, for the CSRF token lookup
//! (Flask-WTF reads the token from `request.form`).
//!
//! - **urlencoded** bodies: Python's `parse_qsl` as Werkzeug calls it, by
//!   hand because Werkzeug re-quotes escapes that are not UTF-8 and a
//!   general decoder (`form_urlencoded`) does not, which changes the CSRF
//!   verdict (see `urlencoded`).
//! - **`parse_options_header`** (the `Content-Type` and each part's
//!   `Content-Disposition`) and the **`multipart/form-data`** decoder
//!   (`sansio.multipart.MultipartDecoder` on a complete body) are ports,
//!   written by hand because a mixed Flask/Rust app would notice the
//!   difference from a general-purpose parser such as `multer`: Werkzeug
//!   accepts bare `\n` or `\r` line breaks, a preamble, blanks after a
//!   boundary, folded part headers and RFC 2231 `name*=utf-8''…` parameters,
//!   and it gives an *empty* form (not an error) for a part without
//!   `Content-Disposition` or a body without its closing boundary. The unit
//!   tests below pin each of these against Werkzeug 3.1's output.
//!
//! Every piece runs in time linear in its input: option dictionaries are
//! hash-indexed (`PyDict` in [`super::http`]), boundaries are found with `memchr`'s SIMD
//! search, and each scan starts where the last one ended
//! (`parsing_time_is_linear` in `tests/hardening.rs` measures it).
//!
//! Limits are Flask 3.1's, as [`FormLimits`]: an urlencoded body over
//! `MAX_FORM_MEMORY_SIZE` (500 000 bytes), a multipart field or a part's
//! headers over it, or more than `MAX_FORM_PARTS` (1 000) parts are too
//! large (Flask answers 413); so is a part header with more than
//! [`MAX_HEADER_PARAMS`] parameters, a limit Werkzeug does not have. Unlike
//! Werkzeug, a part without a `name` is left out (Flask-WTF would fail on
//! it with a 500).

use super::http::parse_options_header_limited;
use super::urls::{Invalid, decode_bytes, percent_decode};

/// Flask 3.1's `MAX_FORM_MEMORY_SIZE`: the most bytes an urlencoded body,
/// or a multipart field (not a file) or a part's headers, may hold.
pub(crate) const MAX_FORM_MEMORY_SIZE: usize = 500_000;
/// Flask 3.1's `MAX_FORM_PARTS`: the most parts a multipart body may have.
pub(crate) const MAX_FORM_PARTS: usize = 1_000;
/// The most parameters one part's `Content-Disposition` or `Content-Type`
/// may carry. Werkzeug has no such limit (its part headers are bounded by
/// `MAX_FORM_MEMORY_SIZE` only); a real form part carries two or three
/// (`name`, `filename`, `filename*`), so 64 refuses nothing a browser sends.
pub(crate) const MAX_HEADER_PARAMS: usize = 64;

/// The limits a form body is read under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FormLimits {
    /// Flask's `MAX_FORM_MEMORY_SIZE`.
    pub(crate) max_form_memory_size: usize,
    /// Flask's `MAX_FORM_PARTS`.
    pub(crate) max_form_parts: usize,
    /// [`MAX_HEADER_PARAMS`].
    pub(crate) max_header_params: usize,
}

#[cfg(test)]
impl FormLimits {
    /// Flask 3.1's defaults.
    pub(crate) const FLASK: FormLimits = FormLimits {
        max_form_memory_size: MAX_FORM_MEMORY_SIZE,
        max_form_parts: MAX_FORM_PARTS,
        max_header_params: MAX_HEADER_PARAMS,
    };
}

/// The body breaks the form limits ([`FormLimits`]): Werkzeug raises
/// `RequestEntityTooLarge` (413).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct FormTooLarge;

/// Why a multipart body gives no form.
enum Failure {
    /// Werkzeug raises `ValueError`: the form is empty.
    Unparsable,
    /// Werkzeug raises `RequestEntityTooLarge`.
    TooLarge,
}

/// The fields (not files) of a form body, in order, as `request.form` holds
/// them.
pub(crate) fn form_fields(
    content_type: &str,
    body: &[u8],
    limits: FormLimits,
) -> Result<Vec<(String, String)>, FormTooLarge> {
    if content_type.is_empty() {
        return Ok(Vec::new());
    }
    let (mimetype, options) =
        parse_options_header_limited(content_type, limits.max_header_params).ok_or(FormTooLarge)?;
    match mimetype.to_lowercase().as_str() {
        "application/x-www-form-urlencoded" => {
            if body.len() > limits.max_form_memory_size {
                return Err(FormTooLarge);
            }
            Ok(urlencoded(body).unwrap_or_default())
        }
        "multipart/form-data" => {
            let boundary = get(&options, "boundary").unwrap_or_default();
            if boundary.is_empty() || !boundary.is_ascii() {
                return Ok(Vec::new());
            }
            match multipart(body, boundary.as_bytes(), limits) {
                Ok(fields) => Ok(fields),
                Err(Failure::Unparsable) => Ok(Vec::new()),
                Err(Failure::TooLarge) => Err(FormTooLarge),
            }
        }
        _ => Ok(Vec::new()),
    }
}

fn get<'o>(options: &'o [(String, String)], key: &str) -> Option<&'o str> {
    options
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// `parse_qsl(body.decode(), keep_blank_values=True,
/// errors="werkzeug.url_quote")`; `None` when the body is not UTF-8.
///
/// Written by hand rather than with `form_urlencoded`, which a live test
/// against Flask-WTF showed to differ where a client would notice:
/// `form_urlencoded` turns an escape that is not UTF-8 into U+FFFD, which
/// itsdangerous' base64 decoding skips, so `csrf_token=<token>%FF` was
/// accepted here and refused by Flask (`form_tokens_are_found_as_flask_wtf_finds_them`
/// in `tests/csrf_flask_interop.rs`); Werkzeug re-quotes it (`%FF`). One
/// pass over the body: linear.
fn urlencoded(body: &[u8]) -> Option<Vec<(String, String)>> {
    let text = std::str::from_utf8(body).ok()?;
    let decode = |s: &str| percent_decode(&s.replace('+', " "), "utf-8", Invalid::Requote);
    Some(
        text.split('&')
            .filter(|field| !field.is_empty())
            .map(|field| {
                let (name, value) = field.split_once('=').unwrap_or((field, ""));
                (decode(name), decode(value))
            })
            .collect(),
    )
}

/// A line break as Werkzeug's multipart patterns match it (`\r\n`, `\n`
/// or `\r`, in that order) at `at`: its length.
fn line_break(b: &[u8], at: usize) -> Option<usize> {
    match (b.get(at), b.get(at + 1)) {
        (Some(b'\r'), Some(b'\n')) => Some(2),
        (Some(b'\n' | b'\r'), _) => Some(1),
        _ => None,
    }
}

/// Horizontal whitespace of Werkzeug's `[^\S\n\r]` (bytes `\s` without the
/// line breaks).
fn is_hspace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | 0x0b | 0x0c)
}

/// Werkzeug's boundary patterns searched from `from`: `(start, end,
/// closing)` of the first match, `closing` for the final `--boundary--`.
/// The leading line break is optional before the first boundary
/// (`preamble_re`) and required after a part (`boundary_re`).
///
/// The regex's leftmost match, found by searching for `--boundary` (with
/// SIMD, a file upload can be megabytes) and looking back for the line
/// break: a match whose marker is at `q` starts at `q - 2` (after `\r\n`),
/// `q - 1` (after `\n` or `\r`) or, where the break is optional, `q`.
/// The first marker that gives a match gives the leftmost one: a later
/// marker `q' > q` starts at `q' - 2 >= q - 1` or later, so it could start
/// earlier only at `q - 1`, after a `\r\n` at `q - 1`: a line break where
/// this marker's first `-` is.
/// [`find_boundary_scan`] is the direct port it is tested against.
fn find_boundary(
    b: &[u8],
    boundary: &[u8],
    from: usize,
    break_required: bool,
) -> Option<(usize, usize, bool)> {
    let marker = [b"--".as_slice(), boundary].concat();
    let finder = memchr::memmem::Finder::new(&marker);
    let mut search = from;
    while let Some(i) = b.get(search..).and_then(|rest| finder.find(rest)) {
        let q = search + i;
        search = q + 1;
        let Some((end, closing)) = boundary_tail(b, boundary, q) else {
            continue;
        };
        let start = if q >= from + 2 && &b[q - 2..q] == b"\r\n" {
            Some(q - 2)
        } else if q > from && matches!(b[q - 1], b'\n' | b'\r') {
            Some(q - 1)
        } else {
            (!break_required).then_some(q)
        };
        if let Some(start) = start {
            return Some((start, end, closing));
        }
    }
    None
}

/// [`find_boundary`] by trying every start position in turn, as the regex
/// does.
#[cfg(test)]
fn find_boundary_scan(
    b: &[u8],
    boundary: &[u8],
    from: usize,
    break_required: bool,
) -> Option<(usize, usize, bool)> {
    (from..b.len()).find_map(|start| {
        let after_break = line_break(b, start).map(|n| start + n);
        let without = (!break_required).then_some(start);
        [after_break, without]
            .into_iter()
            .flatten()
            .find_map(|at| boundary_tail(b, boundary, at))
            .map(|(end, closing)| (start, end, closing))
    })
}

/// `--boundary` then `--`, blanks and an optional line break, or blanks
/// and a required line break, at `at`: the end of the match and whether it
/// closes the body.
fn boundary_tail(b: &[u8], boundary: &[u8], at: usize) -> Option<(usize, bool)> {
    let rest = b.get(at..)?;
    let rest = rest.strip_prefix(b"--")?.strip_prefix(boundary)?;
    let base = at + 2 + boundary.len();
    if rest.starts_with(b"--") {
        let mut p = base + 2;
        while b.get(p).copied().is_some_and(is_hspace) {
            p += 1;
        }
        return Some((p + line_break(b, p).unwrap_or(0), true));
    }
    let mut p = base;
    while b.get(p).copied().is_some_and(is_hspace) {
        p += 1;
    }
    line_break(b, p).map(|n| (p + n, false))
}

/// The first blank line (`\r\n\r\n`, `\r\r` or `\n\n`) from `from`.
fn find_blank_line(b: &[u8], from: usize) -> Option<(usize, usize)> {
    (from..b.len()).find_map(|i| {
        let rest = &b[i..];
        if rest.starts_with(b"\r\n\r\n") {
            Some((i, i + 4))
        } else if rest.starts_with(b"\r\r") || rest.starts_with(b"\n\n") {
            Some((i, i + 2))
        } else {
            None
        }
    })
}

/// A part's headers as Werkzeug's decoder reads them (continuation lines
/// joined, one header per line, names and values trimmed); `None` when
/// they are not UTF-8.
fn part_headers(raw: &[u8]) -> Option<Vec<(String, String)>> {
    // `(?:\r\n|\n|\r)[ \t]` becomes one space.
    let mut joined = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if let Some(n) = line_break(raw, i)
            && matches!(raw.get(i + n), Some(b' ' | b'\t'))
        {
            joined.push(b' ');
            i += n + 1;
            continue;
        }
        joined.push(raw[i]);
        i += 1;
    }
    let text = std::str::from_utf8(&joined).ok()?;
    Some(
        text.split("\r\n")
            .flat_map(|l| l.split(['\n', '\r']))
            .map(|line| line.trim_matches([' ', '\t']))
            .filter(|line| !line.is_empty())
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap_or((line, ""));
                (
                    name.trim_matches([' ', '\t']).to_owned(),
                    value.trim_matches([' ', '\t']).to_owned(),
                )
            })
            .collect(),
    )
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Werkzeug's `MultipartDecoder` and `MultiPartParser.parse` on a complete
/// body: the fields, or where Werkzeug raises `ValueError` (Flask's form is
/// then empty) or `RequestEntityTooLarge`.
fn multipart(
    body: &[u8],
    boundary: &[u8],
    limits: FormLimits,
) -> Result<Vec<(String, String)>, Failure> {
    use Failure::Unparsable;
    let mut fields = Vec::new();
    let (_, end, closing) = find_boundary(body, boundary, 0, false).ok_or(Unparsable)?;
    if closing {
        return Ok(fields);
    }
    let mut pos = end;
    for part in 1.. {
        // Part headers, up to a blank line; the body starts after its
        // first line break.
        // Werkzeug holds a part's headers in its buffer, which may not grow
        // past `MAX_FORM_MEMORY_SIZE`.
        let header_limit = pos.saturating_add(limits.max_form_memory_size);
        let Some((blank_start, blank_end)) = find_blank_line(body, pos) else {
            return Err(if body.len() > header_limit {
                Failure::TooLarge
            } else {
                Unparsable
            });
        };
        if blank_start > header_limit {
            return Err(Failure::TooLarge);
        }
        let headers = part_headers(&body[pos..blank_start]).ok_or(Unparsable)?;
        let headers_end = (blank_start + blank_end) / 2;
        let disposition = header(&headers, "content-disposition").ok_or(Unparsable)?;
        if part > limits.max_form_parts {
            return Err(Failure::TooLarge);
        }
        let (_, params) = parse_options_header_limited(disposition, limits.max_header_params)
            .ok_or(Failure::TooLarge)?;
        let name = get(&params, "name").map(str::to_owned);
        let is_file = get(&params, "filename").is_some();
        let data_start = headers_end + line_break(body, headers_end).unwrap_or(0);
        // The data ends at the next boundary, which must follow a line
        // break (searched from where the headers ended).
        let Some((data_end, next, closing)) = find_boundary(body, boundary, headers_end, true)
        else {
            // The part never ends: Werkzeug hands over its data up to where
            // a boundary could still begin, then fails the form (unless a
            // field has grown too large first).
            let streamed = streamed_before_failing(&body[data_start..], boundary.len());
            return Err(if !is_file && streamed > limits.max_form_memory_size {
                Failure::TooLarge
            } else {
                Unparsable
            });
        };
        let data = body.get(data_start..data_end).unwrap_or_default();
        if !is_file && data.len() > limits.max_form_memory_size {
            return Err(Failure::TooLarge);
        }
        if let (Some(name), false) = (name, is_file) {
            let charset = header(&headers, "content-type")
                .and_then(|ct| parse_options_header_limited(ct, limits.max_header_params))
                .and_then(|(_, p)| get(&p, "charset").map(str::to_lowercase))
                .filter(|c| ["ascii", "us-ascii", "utf-8", "iso-8859-1"].contains(&c.as_str()))
                .unwrap_or_else(|| "utf-8".to_owned());
            let mut value = String::new();
            decode_bytes(data, &charset, Invalid::Replace, &mut value);
            fields.push((name, value));
        }
        if closing {
            return Ok(fields);
        }
        pos = next;
    }
    unreachable!("the part loop only ends by returning")
}

/// How many bytes of a part that never ends Werkzeug's decoder hands over
/// before it runs out of input: its `_last_partial_boundary_index` applied
/// until it gives nothing more.
fn streamed_before_failing(mut data: &[u8], boundary_len: usize) -> usize {
    let mut streamed = 0;
    loop {
        // A line break within the last `\r\n--boundary` bytes may start a
        // boundary: data from there on is held back.
        let complete = data.len().checked_sub(4 + boundary_len);
        let held = |c: u8| match data.iter().rposition(|&b| b == c) {
            Some(i) if complete.is_none_or(|complete| i >= complete) => i,
            _ => data.len(),
        };
        let n = held(b'\n').min(held(b'\r'));
        if n == 0 {
            return streamed;
        }
        streamed += n;
        data = &data[n..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::werkzeug::http::parse_options_header;

    fn form_fields(content_type: &str, body: &[u8]) -> Result<Vec<(String, String)>, FormTooLarge> {
        super::form_fields(content_type, body, FormLimits::FLASK)
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn options_headers_as_werkzeug_reads_them() {
        // Each expected value is Werkzeug 3.1's `parse_options_header`.
        for (header, value, options) in [
            (
                "multipart/form-data; boundary=\"XyZ\"",
                "multipart/form-data",
                &[("boundary", "XyZ")][..],
            ),
            (
                "form-data; name*=utf-8''csrf%5Ftoken",
                "form-data",
                &[("name", "csrf_token")],
            ),
            (
                "form-data; name=\"a\\\"b\"; filename=x",
                "form-data",
                &[("name", "a\"b"), ("filename", "x")],
            ),
            ("text/plain; charset", "text/plain", &[]),
            ("a; k*0=\"x\"; k*1=y", "a", &[("k", "xy")]),
            ("a; name=\"unclosed", "a", &[]),
            ("a; NAME=v; name=w", "a", &[("name", "w")]),
            ("a; k*=iso-8859-1''%E9", "a", &[("k", "é")]),
            ("form-data; name=x; flag", "form-data", &[("name", "x")]),
            (
                "form-data; name=\"a\"; filename*=utf-8''%C3%A9; x",
                "form-data",
                &[("name", "a"), ("filename", "é")],
            ),
            // No value before the `;`, or nothing after it: no options.
            ("; name=\"csrf_token\"", "", &[]),
            ("text/plain;", "text/plain", &[]),
            // A continuation replaces a plain value, and the reverse.
            (
                "form-data; name=a; name*0=b; name*1=c",
                "form-data",
                &[("name", "bc")],
            ),
            ("form-data; name*0=b; name=a", "form-data", &[("name", "a")]),
            // A continuation, or a plain value, leaves the other keys alone.
            (
                "form-data; name=\"a\"; filename*0=\"x\"; filename*1=y",
                "form-data",
                &[("name", "a"), ("filename", "xy")],
            ),
            (
                "a; b*0*=iso-8859-1''%E9; a=plain; b*1*=%E9",
                "a",
                &[("a", "plain"), ("b", "\u{e9}\u{e9}")],
            ),
            // RFC 2231 markers only at the end of a key.
            ("a; k*1x=v", "a", &[("k*1x", "v")]),
            ("a; k**=v", "a", &[("k*", "v")]),
            ("a; k*0x*=v", "a", &[("k*0x", "v")]),
            ("a; k*0*=utf-8''%C3%A9; k*1=x", "a", &[("k", "éx")]),
            ("a; k*0*=utf-8''%C3%A9; k*1*=%C3%A8", "a", &[("k", "éè")]),
            // A plain value drops the charset of the continuation it ends;
            // a continuation moves its key to the end, as Werkzeug's dict does.
            (
                "a; k*0*=iso-8859-1''%E9; k=plain; k*1*=%E9",
                "a",
                &[("k", "%E9")],
            ),
            ("a; k=plain; j=1; k*0=x", "a", &[("j", "1"), ("k", "x")]),
            // Any run of spaces and tabs after a `;`.
            ("a;  k=v", "a", &[("k", "v")]),
            ("a;\t\t k=v;  \tj=w", "a", &[("k", "v"), ("j", "w")]),
            // A value without a key is skipped.
            ("a; =v", "a", &[]),
            ("a; =v; k=w", "a", &[("k", "w")]),
            ("a; =\"q\"; k=w", "a", &[("k", "w")]),
            // `charset'language'value` needs a value; an empty charset
            // names no encoding; a language is allowed and ignored.
            ("a; k*=utf-8'en'", "a", &[("k", "utf-8'en'")]),
            ("a; k*=utf-8''", "a", &[("k", "utf-8''")]),
            ("a; k*='en'%41", "a", &[("k", "%41")]),
            ("a; k*=utf-8'en'%C3%A9", "a", &[("k", "\u{e9}")]),
            // ASCII replaces each byte above 0x7f, even in valid UTF-8.
            (
                "a; k*=us-ascii''%C3%A9x",
                "a",
                &[("k", "\u{fffd}\u{fffd}x")],
            ),
            ("a; k*=ascii''%41%FF", "a", &[("k", "A\u{fffd}")]),
            ("a; k*=US-ASCII''%C3%A9", "a", &[("k", "\u{fffd}\u{fffd}")]),
            // A charset or language that is not a token: the text as given.
            ("a; k*=\"ut f'en'x\"", "a", &[("k", "\"ut f'en'x\"")]),
            ("a; k*=\"utf-8'e n'x\"", "a", &[("k", "\"utf-8'e n'x\"")]),
        ] {
            assert_eq!(
                parse_options_header(header),
                (value.to_owned(), pairs(options)),
                "{header}"
            );
        }
    }

    #[test]
    fn boundary_search_agrees_with_trying_every_start() {
        // Bytes from the pieces boundaries are made of, in every order.
        let pieces: [&[u8]; 8] = [b"-", b"--", b"B", b"\r", b"\n", b"\r\n", b" ", b"x"];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut matches = 0;
        for _ in 0..20_000 {
            let mut text = Vec::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut bits = seed;
            for _ in 0..(bits % 12) {
                bits = bits.rotate_right(5);
                text.extend_from_slice(pieces[(bits % 8) as usize]);
            }
            let from = (seed >> 40) as usize % (text.len() + 1);
            for boundary in [&b"B"[..], b"-", b"B-"] {
                for required in [false, true] {
                    let fast = find_boundary(&text, boundary, from, required);
                    let scan = find_boundary_scan(&text, boundary, from, required);
                    assert_eq!(fast, scan, "{text:?} {boundary:?} from {from} {required}");
                    matches += usize::from(fast.is_some());
                }
            }
        }
        assert!(matches > 1000, "only {matches} matches");
    }

    #[test]
    fn multipart_limits_as_flask_sets_them() {
        // Each expected outcome is Werkzeug's with Flask 3.1's limits
        // (`RequestEntityTooLarge` where this says `Err`).
        let ct = "multipart/form-data; boundary=B";
        let field = |n: usize, terminated: bool, file: bool| {
            let mut b = format!(
                "--B\r\nContent-Disposition: form-data; name=\"a\"{}\r\n\r\n",
                if file { "; filename=\"x\"" } else { "" }
            )
            .into_bytes();
            b.resize(b.len() + n, b'x');
            if terminated {
                b.extend_from_slice(b"\r\n--B--\r\n");
            }
            b
        };
        assert_eq!(
            form_fields(ct, &field(500_000, true, false)).map(|f| f.len()),
            Ok(1)
        );
        assert_eq!(
            form_fields(ct, &field(500_001, true, false)),
            Err(FormTooLarge)
        );
        assert_eq!(
            form_fields(ct, &field(600_000, false, false)),
            Err(FormTooLarge)
        );
        assert_eq!(form_fields(ct, &field(1_000, false, false)), Ok(vec![]));
        assert_eq!(form_fields(ct, &field(600_000, true, true)), Ok(vec![]));
        // What an unfinished part streams: up to a line break that could
        // start a boundary.
        let mut held_back = field(500_000, false, false);
        held_back.extend_from_slice(b"\r\n--");
        assert_eq!(form_fields(ct, &held_back), Ok(vec![]));
        let mut over = field(500_001, false, false);
        over.extend_from_slice(b"\r\n--");
        assert_eq!(form_fields(ct, &over), Err(FormTooLarge));
        // Held back only within the last `\r\n--boundary` bytes (12 for an
        // 8-byte boundary) of what arrived.
        for (tail, want) in [
            (11, Ok(vec![])),
            (12, Err(FormTooLarge)),
            (20, Err(FormTooLarge)),
        ] {
            let mut b =
                b"--BOUNDARY\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n".to_vec();
            b.resize(b.len() + 500_000, b'x');
            b.push(b'\r');
            b.resize(b.len() + tail, b'x');
            assert_eq!(
                form_fields("multipart/form-data; boundary=BOUNDARY", &b),
                want,
                "{tail}"
            );
        }
        let parts = |n: usize| {
            let mut b = b"--B\r\nContent-Disposition: form-data; name=\"p\"\r\n\r\nv\r\n".repeat(n);
            b.extend_from_slice(b"--B--\r\n");
            b
        };
        assert_eq!(form_fields(ct, &parts(1_000)).map(|f| f.len()), Ok(1_000));
        assert_eq!(form_fields(ct, &parts(1_001)), Err(FormTooLarge));
    }

    #[test]
    fn form_bodies_as_werkzeug_reads_them() {
        // Each expected value is `request.form` in Werkzeug 3.1.
        let url = "application/x-www-form-urlencoded";
        assert_eq!(
            form_fields(url, b"a=1&&b&c=%FF%41+x&csrf_token=x%2By"),
            Ok(pairs(&[
                ("a", "1"),
                ("b", ""),
                ("c", "%FFA x"),
                ("csrf_token", "x+y")
            ]))
        );
        assert_eq!(form_fields(url, b"a=\xff"), Ok(pairs(&[])));
        let multipart = "multipart/form-data; boundary=B";
        let mixed = b"pre\r\n--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--B\nContent-Disposition: form-data; name=f; filename=x\n\nfile\n--B\rContent-Disposition: form-data; name=b\r\rtwo\r--B--";
        assert_eq!(
            form_fields(multipart, mixed),
            Ok(pairs(&[("a", "1"), ("b", "two")]))
        );
        // No closing boundary, or a part without Content-Disposition: empty.
        let unclosed = b"--B\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--B";
        assert_eq!(form_fields(multipart, unclosed), Ok(pairs(&[])));
        assert_eq!(
            form_fields(multipart, b"--B\r\nX: y\r\n\r\n1\r\n--B--"),
            Ok(pairs(&[]))
        );
        let latin1 = b"--B\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Disposition: form-data; name=a\r\n\r\n\xe9\r\n--B--";
        assert_eq!(form_fields(multipart, latin1), Ok(pairs(&[("a", "é")])));
        assert_eq!(form_fields("multipart/form-data", mixed), Ok(pairs(&[])));
        // Blanks (space, tab, VT, FF) may follow a boundary; other text may not.
        let blanks = b"--B \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--B\x0b\x0c\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n2\r\n--B-- \t\r\n";
        assert_eq!(
            form_fields(multipart, blanks),
            Ok(pairs(&[("a", "1"), ("b", "2")]))
        );
        // A header line folded onto the next (CR LF or LF, then a tab or space).
        let folded = b"--B\r\nContent-Disposition: form-data;\r\n\tname=\"a\"\r\n\r\n1\r\n--B\r\nContent-Disposition: form-data;\n name=\"b\"\r\n\r\n2\r\n--B--";
        assert_eq!(
            form_fields(multipart, folded),
            Ok(pairs(&[("a", "1"), ("b", "2")]))
        );
        // A blank line right after a boundary starts the part's headers:
        // Werkzeug looks for the end of the headers after the boundary's
        // line break.
        for body in [
            &b"--B\r\n\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--B--"[..],
            b"--B\n\nContent-Disposition: form-data; name=\"a\"\n\n1\n--B--",
        ] {
            assert_eq!(form_fields(multipart, body), Ok(pairs(&[("a", "1")])));
        }
        let second = b"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--B\r\n\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n2\r\n--B--";
        assert_eq!(
            form_fields(multipart, second),
            Ok(pairs(&[("a", "1"), ("b", "2")]))
        );
        // The fold becomes exactly one space, inside a quoted name too.
        let folded_name =
            b"--B\r\nContent-Disposition: form-data; name=\"csrf\r\n token\"\r\n\r\n1\r\n--B--";
        assert_eq!(
            form_fields(multipart, folded_name),
            Ok(pairs(&[("csrf token", "1")]))
        );
        let text_after = b"--B x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--B--";
        assert_eq!(form_fields(multipart, text_after), Ok(pairs(&[])));
        assert_eq!(form_fields("text/plain", b"csrf_token=x"), Ok(pairs(&[])));
        // An empty or non-ASCII boundary is refused before the body is read
        // (Werkzeug: "Missing boundary", or a failed ASCII encode), even when
        // the body is written with it.
        let empty = b"--\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n----";
        assert_eq!(
            form_fields("multipart/form-data; boundary=\"\"", empty),
            Ok(pairs(&[]))
        );
        let accented =
            "--\u{e9}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--\u{e9}--";
        for ct in [
            "multipart/form-data; boundary=\"\u{e9}\"",
            "multipart/form-data; boundary*=utf-8''%C3%A9",
        ] {
            assert_eq!(form_fields(ct, accented.as_bytes()), Ok(pairs(&[])), "{ct}");
        }
    }
}
