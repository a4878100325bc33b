//! Werkzeug's `werkzeug.http` (and `werkzeug.sansio.utils.get_host`): the
//! cookie and header parsing and formatting that Flask's requests and
//! responses go through, and HTTP dates.
//!
//! Hand-written ports, each pinned by a unit test below to what Werkzeug
//! 3.1 returns for the same input, because the general-purpose crates
//! differ where a client sees it: the `cookie` crate renders attributes in
//! its own order (Werkzeug's is `Domain`, `Expires`, `Max-Age`, `Secure`,
//! `HttpOnly`, `Path`, `SameSite`, `Partitioned`) and does not quote values
//! with octal escapes, and its parser does not split a `Cookie` header as
//! Werkzeug's `_cookie_re` does (`cookies_are_split_as_werkzeug_splits_them`).
//! HTTP dates come from the codec's [`DateTime`], which must already match
//! Werkzeug's `http_date` byte for byte for the tagged-JSON ` d` tag, whose
//! datetimes start at year 1; `httpdate` formats only 1970–9999 (it takes a
//! `SystemTime`), and a remember-me cookie's `Expires` can lie before 1970
//! (`expires_before_1970_rounds_down_as_werkzeug_does` in
//! `tests/flask_login.rs`). `Expires` dates are cached per second. Every
//! function here runs in time linear in its input.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::ops::Range;
use std::time::{Duration, SystemTime};

use cookie::Cookie;
use http::header::{COOKIE, HeaderMap, HeaderValue, VARY};

use super::urls::{Invalid, percent_decode};
use crate::codec::DateTime;
use crate::error::{ConfigError, SaveError};

/// A token character of RFC 9110 (`tchar`): ASCII letters and digits and
/// ``!#$%&'*+-.^_`|~``. Werkzeug's parameter patterns (`[\w!#$%&'*+\-.^`|~]`
/// with ASCII `\w`) are the same set.
pub(crate) fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// A non-empty string of [`is_token_char`]s: a cookie name, a header
/// value that needs no quotes.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_token_char)
}

/// Werkzeug's domain rule: drop from the first `:`, strip leading dots,
/// encode with Python's IDNA 2003 codec ([`super::idna2003`]: ASCII labels
/// keep their case, `ß` becomes `ss`). A domain that this leaves empty
/// (`""`, `"."`, `":8443"`) is still written, as `Domain=`, exactly as
/// Werkzeug writes it (browsers ignore an empty `Domain`).
pub(crate) fn werkzeug_domain(domain: &str) -> Result<Option<String>, ConfigError> {
    let host = domain
        .split(':')
        .next()
        .unwrap_or_default()
        .trim_start_matches('.');
    match super::idna2003::to_ascii(host) {
        // Control characters cannot be sent in a header (Werkzeug would
        // write them and the server would fail on the response).
        Ok(d) if !d.bytes().any(|b| b.is_ascii_control()) => Ok(Some(d)),
        _ => Err(ConfigError::Domain(domain.to_owned())),
    }
}

/// Werkzeug's path quoting: `quote(path, safe="%!$&'()*+,/:=@")`.
pub(crate) fn werkzeug_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~%!$&'()*+,/:=@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Werkzeug's cookie value unquoting: `"..."` with `\ooo` and `\x` escapes.
fn unquote(value: &str) -> Cow<'_, str> {
    let Some(inner) = quoted_inner(value) else {
        return value.into();
    };
    let bytes = inner.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'\\' {
            let octal = bytes
                .get(i + 1..i + 4)
                .filter(|d| matches!(d, [b'0'..=b'3', b'0'..=b'7', b'0'..=b'7']));
            if let Some(d) = octal {
                out.push(d.iter().fold(0u8, |acc, &c| (acc << 3) | (c - b'0')));
                i += 4;
                continue;
            }
            if let Some(&next) = bytes.get(i + 1) {
                out.push(next);
                i += 2;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned().into()
}

/// The value of the first cookie named `name` in the request's `Cookie`
/// headers (Werkzeug: the first one wins), unquoted.
pub(crate) fn request_cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<Cow<'h, str>> {
    headers
        .get_all(COOKIE)
        .iter()
        .find_map(|header| find_cookie(header.as_bytes(), name))
}

/// The first cookie called `name` in one `Cookie` header, unquoted, as
/// Werkzeug 3.1's `parse_cookie` reads it: borrowed from the header when it
/// needs no unescaping. (Its delimiters are ASCII, so the header is read as
/// bytes; a value that is not UTF-8 is read as Latin-1, where Werkzeug
/// would fail the request.)
fn find_cookie<'t>(bytes: &'t [u8], name: &str) -> Option<Cow<'t, str>> {
    let mut pos = 0;
    while pos < bytes.len() {
        match cookie_at(bytes, pos) {
            Some((key, value, end)) => {
                if &bytes[key] == name.as_bytes() {
                    let raw = &bytes[value];
                    return Some(match std::str::from_utf8(raw) {
                        Ok(text) => unquote(text),
                        Err(_) => {
                            let text = latin1(raw);
                            Cow::Owned(unquote(&text).into_owned())
                        }
                    });
                }
                pos = end;
            }
            // Werkzeug skips what it cannot read up to the next `;`.
            None => match memchr::memchr(b';', &bytes[pos..]) {
                Some(i) => pos += i + 1,
                None => break,
            },
        }
    }
    None
}

/// Werkzeug's cookie pattern matched at `pos` (its `_cookie_re`: optional
/// blanks, a key of anything but blanks, `=`, `"` and `;`, then optionally
/// `=` and a quoted value with backslash escapes or a token without blanks,
/// quotes and `;`, then blanks and `;` or the end): the key, the raw value
/// and where the next cookie starts. `None` when the pattern does not match
/// there.
#[allow(clippy::type_complexity)]
fn cookie_at(b: &[u8], pos: usize) -> Option<(Range<usize>, Range<usize>, usize)> {
    let blanks = |mut p: usize| {
        while matches!(b.get(p), Some(b' ' | b'\t')) {
            p += 1;
        }
        p
    };
    // Blanks, then `;` or the end of the text: where the next cookie starts.
    let end_at = |p: usize| match b.get(blanks(p)) {
        None => Some(b.len()),
        Some(b';') => Some(blanks(p) + 1),
        Some(_) => None,
    };
    let start = blanks(pos);
    let mut p = start;
    while b
        .get(p)
        .is_some_and(|c| !matches!(c, b' ' | b'\t' | b'=' | b'"' | b';'))
    {
        p += 1;
    }
    if p == start {
        return None;
    }
    let key = start..p;
    let after_key = blanks(p);
    if b.get(after_key) != Some(&b'=') {
        return end_at(p).map(|end| (key, p..p, end));
    }
    let v = blanks(after_key + 1);
    if b.get(v) == Some(&b'"') {
        // A quoted value: up to the first `"` not escaped by a backslash
        // (which escapes any character but a newline).
        let mut q = v + 1;
        let close = loop {
            match b.get(q) {
                Some(b'"') => break Some(q),
                Some(b'\\') if b.get(q + 1).is_some_and(|&c| c != b'\n') => q += 2,
                Some(b'\\') | None => break None,
                Some(_) => q += 1,
            }
        };
        if let Some(end) = close.and_then(|c| end_at(c + 1)) {
            return Some((key, v..close.unwrap_or(v) + 1, end));
        }
    }
    // A token value: up to a blank, `"` or `;` (the session cookie's value
    // is long, so this is searched for rather than walked).
    let rest = &b[v..];
    let stop = memchr::memchr3(b' ', b'"', b';', rest).unwrap_or(rest.len());
    let t = v + memchr::memchr(b'\t', &rest[..stop]).unwrap_or(stop);
    end_at(t).map(|end| (key, v..t, end))
}

thread_local! {
    /// The last `Expires` date rendered on this thread and its Unix time: a
    /// busy server sends the same second many times over.
    static EXPIRES: RefCell<(Option<i64>, String)> = const { RefCell::new((None, String::new())) };
}

/// The last second an HTTP date can carry: 9999-12-31 23:59:59 UTC.
pub(crate) const LAST_HTTP_DATE: u64 = 253_402_300_799;

/// Seconds since the Unix epoch (0 before it).
pub(crate) fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// `t` as Unix seconds for an `Expires` date, or
/// [`SaveError::ExpiresOutOfRange`] after 9999-12-31.
pub(crate) fn expires_secs(t: SystemTime) -> Result<i64, SaveError> {
    let secs = unix_secs(t);
    if secs > LAST_HTTP_DATE {
        return Err(SaveError::ExpiresOutOfRange);
    }
    i64::try_from(secs).map_err(|_| SaveError::ExpiresOutOfRange)
}

/// Appends `secs` as an HTTP date (`Thu, 01 Jan 1970 00:00:00 GMT`);
/// `false` (nothing appended) outside the representable years.
pub(crate) fn push_http_date(secs: i64, line: &mut String) -> bool {
    crate::scratch::with(&EXPIRES, |(cached, text)| {
        if *cached != Some(secs) {
            let Some(d) = DateTime::from_unix(secs) else {
                return false;
            };
            text.clear();
            d.write_http_date(text);
            *cached = Some(secs);
        }
        line.push_str(text);
        true
    })
}

/// Adds `Cookie` to `Vary` as Werkzeug's `response.vary.add("Cookie")`
/// does: the first `Vary` header is read as a list of items (compared
/// case-insensitively); if `Cookie` is not among them, every `Vary` header is
/// replaced by one holding the set's items, each quoted when it is not a
/// token, and `Cookie`. Otherwise the headers are left as they are.
pub(crate) fn add_vary_cookie(headers: &mut HeaderMap) {
    match headers.entry(VARY) {
        http::header::Entry::Vacant(slot) => {
            slot.insert(HeaderValue::from_static("Cookie"));
        }
        http::header::Entry::Occupied(_) => merge_vary_cookie(headers),
    }
}

/// [`add_vary_cookie`] when the response already has a `Vary` header.
#[cold]
fn merge_vary_cookie(headers: &mut HeaderMap) {
    let Some(first) = headers.get(VARY) else {
        return;
    };
    // Plain ASCII without quotes (nearly every `Vary`): its items are the
    // comma-separated pieces, blanks trimmed, so `Cookie` can be looked for
    // without building the list. (A header value holds no ASCII whitespace
    // but spaces and tabs, so `trim_ascii` trims what Werkzeug trims.)
    let bytes = first.as_bytes();
    if bytes.is_ascii()
        && !bytes.contains(&b'"')
        && bytes.split(|&b| b == b',').any(|item| {
            item.trim_ascii_start()
                .trim_ascii_end()
                .eq_ignore_ascii_case(b"cookie")
        })
    {
        return;
    }
    let text = match std::str::from_utf8(first.as_bytes()) {
        Ok(t) => Cow::Borrowed(t),
        Err(_) => Cow::Owned(latin1(first.as_bytes())),
    };
    let mut items = parse_list_header(&text);
    // (`HeaderSet` keeps repeated items as they are.)
    if items.iter().any(|item| item.to_lowercase() == "cookie") {
        return;
    }
    items.push("Cookie".to_owned());
    let mut line = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            line.push_str(", ");
        }
        quote_header_value(item, &mut line);
    }
    if let Ok(v) = HeaderValue::from_bytes(line.as_bytes()) {
        headers.insert(VARY, v);
    }
}

/// Werkzeug's `parse_list_header`: comma-separated items, commas inside
/// quoted strings kept, blanks around items and empty items dropped,
/// surrounding quotes (and the backslash escapes inside them) removed; an
/// unclosed quoted string makes the whole list empty.
fn parse_list_header(value: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut item = String::new();
    let (mut escape, mut quote) = (false, false);
    for c in value.chars() {
        if escape {
            escape = false;
        } else if quote {
            match c {
                '\\' => escape = true,
                '"' => quote = false,
                _ => {}
            }
        } else if c == ',' {
            items.push(std::mem::take(&mut item));
            continue;
        } else if c == '"' {
            quote = true;
        }
        item.push(c);
    }
    if quote {
        return Vec::new();
    }
    items.push(item);
    items
        .iter()
        .map(|item| item.trim_matches([' ', '\t']))
        .filter(|item| !item.is_empty())
        .map(unquote_header_value)
        .collect()
}

/// Werkzeug's `quote_header_value`: a token as it is, anything else (the
/// empty string included) in quotes with `\` and `"` escaped.
fn quote_header_value(value: &str, out: &mut String) {
    if is_token(value) {
        out.push_str(value);
        return;
    }
    out.push('"');
    for c in value.chars() {
        if c == '\\' || c == '"' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// Renders a cookie in Werkzeug's attribute order.
///
/// # Examples
///
/// ```
/// use sessionkit::interface::format_set_cookie;
///
/// let cookie = cookie::Cookie::build(("theme", "dark")).path("/").http_only(true).build();
/// assert_eq!(format_set_cookie(&cookie), "theme=dark; HttpOnly; Path=/");
/// ```
pub fn format_set_cookie(c: &Cookie<'_>) -> String {
    let mut s = format!("{}={}", c.name(), c.value());
    let expires = c
        .expires_datetime()
        .and_then(|t| DateTime::from_unix(t.unix_timestamp()))
        .and_then(|d| d.http_date());
    CookieAttributes {
        domain: c.domain(),
        expires: expires.as_deref(),
        max_age: c.max_age().map(|age| age.whole_seconds()),
        secure: c.secure() == Some(true),
        http_only: c.http_only() == Some(true),
        path: c.path(),
        same_site: c.same_site(),
        partitioned: c.partitioned() == Some(true),
    }
    .write(&mut s);
    s
}

/// The attributes Werkzeug's `dump_cookie` writes after `name=value`, each
/// only when set, in its order: `Domain`, `Expires`, `Max-Age`, `Secure`
/// (also for `Partitioned`), `HttpOnly`, `Path`, `SameSite`,
/// `Partitioned`. Values are written as given (the path already quoted).
#[derive(Debug, Default)]
pub(crate) struct CookieAttributes<'a> {
    pub(crate) domain: Option<&'a str>,
    pub(crate) expires: Option<&'a str>,
    pub(crate) max_age: Option<i64>,
    pub(crate) secure: bool,
    pub(crate) http_only: bool,
    pub(crate) path: Option<&'a str>,
    pub(crate) same_site: Option<cookie::SameSite>,
    pub(crate) partitioned: bool,
}

impl CookieAttributes<'_> {
    /// Appends `; Name=value` for each attribute that is set.
    pub(crate) fn write(&self, out: &mut String) {
        if let Some(d) = self.domain {
            out.push_str("; Domain=");
            out.push_str(d);
        }
        if let Some(e) = self.expires {
            out.push_str("; Expires=");
            out.push_str(e);
        }
        if let Some(age) = self.max_age {
            let _ = write!(out, "; Max-Age={age}");
        }
        if self.secure || self.partitioned {
            out.push_str("; Secure");
        }
        if self.http_only {
            out.push_str("; HttpOnly");
        }
        if let Some(p) = self.path {
            out.push_str("; Path=");
            out.push_str(p);
        }
        if let Some(ss) = self.same_site {
            let _ = write!(out, "; SameSite={ss}");
        }
        if self.partitioned {
            out.push_str("; Partitioned");
        }
    }
}

/// Werkzeug's `dump_cookie` value: as it is when it only has
/// `[\w!#$%&'()*+\-./:<=>?@\[\]^`{|}~]`, else in quotes with `"` and `\`
/// escaped and the bytes `\x00`–`\x19`, `,`, `;` and `\x7f`–`\xff` of its
/// UTF-8 written as `\ooo`.
pub(crate) fn push_cookie_value(out: &mut String, value: &str) {
    let plain = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_!#$%&'()*+-./:<=>?@[]^`{|}~".contains(&b));
    if plain {
        out.push_str(value);
        return;
    }
    out.push('"');
    for b in value.bytes() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x00..=0x19 | b',' | b';' | 0x7f..=0xff => {
                let _ = write!(out, "\\{b:03o}");
            }
            _ => out.push(char::from(b)),
        }
    }
    out.push('"');
}

/// Header bytes as the text a WSGI app sees: each byte one Latin-1
/// character.
pub(crate) fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// What is between the quotes of a value that starts and ends with `"`.
pub(crate) fn quoted_inner(value: &str) -> Option<&str> {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .filter(|_| value.len() >= 2)
}

/// Werkzeug's `unquote_header_value`: a quoted value loses its quotes and
/// the backslash of each escape (not before a line break).
pub(crate) fn unquote_header_value(value: &str) -> String {
    let Some(inner) = quoted_inner(value) else {
        return value.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&next) if c == '\\' && next != '\n' => {
                out.push(next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

/// A Python `dict` with string keys: insertion order kept, a value set
/// again keeps its place, a deleted key set again goes to the end; every
/// operation O(1) (entries are tombstoned, not shifted), so a header with
/// many parameters parses in linear time.
struct PyDict<V> {
    entries: Vec<Option<(String, V)>>,
    index: std::collections::HashMap<String, usize>,
}

impl<V> PyDict<V> {
    fn new() -> Self {
        PyDict {
            entries: Vec::new(),
            index: std::collections::HashMap::new(),
        }
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let i = *self.index.get(key)?;
        self.entries[i].as_mut().map(|(_, v)| v)
    }

    fn get(&self, key: &str) -> Option<&V> {
        let i = *self.index.get(key)?;
        self.entries[i].as_ref().map(|(_, v)| v)
    }

    fn set(&mut self, key: &str, value: V) {
        match self.get_mut(key) {
            Some(slot) => *slot = value,
            None => {
                self.index.insert(key.to_owned(), self.entries.len());
                self.entries.push(Some((key.to_owned(), value)));
            }
        }
    }

    fn remove(&mut self, key: &str) {
        if let Some(i) = self.index.remove(key) {
            self.entries[i] = None;
        }
    }

    fn into_pairs(self) -> impl Iterator<Item = (String, V)> {
        self.entries.into_iter().flatten()
    }
}

/// Werkzeug's `parse_options_header`: the value before the first `;` and
/// its `key=value` parameters (keys lowercased; quoted values unquoted;
/// RFC 2231 `key*=charset''value` and `key*0=` continuations).
#[cfg(test)]
pub(crate) fn parse_options_header(value: &str) -> (String, Vec<(String, String)>) {
    parse_options_header_limited(value, usize::MAX).unwrap_or_default()
}

/// [`parse_options_header`], or `None` when the value carries more than
/// `max_params` parameters (`max_params` 0: only the value before the `;`).
pub(crate) fn parse_options_header_limited(
    value: &str,
    max_params: usize,
) -> Option<(String, Vec<(String, String)>)> {
    let (head, rest) = value.split_once(';').unwrap_or((value, ""));
    let head = head.trim_matches([' ', '\t']);
    let rest = rest.trim_matches([' ', '\t']);
    if head.is_empty() || rest.is_empty() || max_params == 0 {
        return Some((head.to_owned(), Vec::new()));
    }
    let parts = option_parts(rest, max_params)?;
    let mut options: PyDict<String> = PyDict::new();
    let mut continuations: PyDict<Vec<String>> = PyDict::new();
    let mut encodings: PyDict<String> = PyDict::new();
    for (key, raw) in parts {
        let (key, continued, charset) = split_marks(&key);
        let mut encoding: Option<String> = None;
        let value = if charset {
            let mut raw = raw;
            if let Some((enc, encoded)) = charset_value(&raw) {
                encoding = Some(enc.to_lowercase());
                raw = encoded.to_owned();
            }
            if encoding.as_deref().is_none_or(str::is_empty) && continued {
                encoding = encodings.get(key).cloned();
            }
            match encoding.as_deref() {
                Some(e @ ("ascii" | "us-ascii" | "utf-8" | "iso-8859-1")) => {
                    percent_decode(&raw, e, Invalid::Replace)
                }
                _ => raw,
            }
        } else {
            unquote_header_value(&raw).replace("%22", "\"")
        };
        if continued {
            options.remove(key);
            match continuations.get_mut(key) {
                Some(values) => values.push(value),
                None => continuations.set(key, vec![value]),
            }
            if let Some(e) = encoding.filter(|e| !e.is_empty()) {
                encodings.set(key, e);
            }
        } else {
            continuations.remove(key);
            encodings.remove(key);
            options.set(key, value);
        }
    }
    for (key, values) in continuations.into_pairs() {
        options.set(&key, values.concat());
    }
    let options = options.into_pairs().collect();
    Some((head.to_owned(), options))
}

/// The `key=value` parts of the text after the first `;`, values as
/// written (a token, or a quoted string with its quotes).
fn option_parts(rest: &str, max_params: usize) -> Option<Vec<(String, String)>> {
    let mut parts = Vec::new();
    let mut scan = 0;
    while scan < rest.len() {
        let key_len = rest[scan..]
            .find(|c: char| !is_token_char(c))
            .unwrap_or(rest.len() - scan);
        if key_len > 0 && rest[scan + key_len..].starts_with('=') {
            let key = rest[scan..scan + key_len].to_ascii_lowercase();
            scan += key_len + 1;
            let token_len = rest[scan..]
                .find(|c: char| !is_token_char(c))
                .unwrap_or(rest.len() - scan);
            if parts.len() == max_params {
                return None;
            }
            if token_len > 0 {
                parts.push((key, rest[scan..scan + token_len].to_owned()));
            } else if rest[scan..].starts_with('"') {
                let mut q = scan + 1;
                loop {
                    let tail = &rest[q..];
                    if tail.is_empty() {
                        // No closing quote: Werkzeug stops reading.
                        return Some(parts);
                    }
                    if tail.starts_with("\\\\") || tail.starts_with("\\\"") {
                        q += 2;
                    } else if tail.starts_with('"') {
                        q += 1;
                        parts.push((key, rest[scan..q].to_owned()));
                        scan = q;
                        break;
                    } else {
                        q += tail.chars().next().map_or(1, char::len_utf8);
                    }
                }
            }
        }
        match rest[scan..].find(';') {
            Some(i) => {
                scan += i + 1;
                scan += rest[scan..].len() - rest[scan..].trim_start_matches([' ', '\t']).len();
            }
            None => break,
        }
    }
    Some(parts)
}

/// `(?:\*(\d+))?(\*)?$` searched in a key: the key without its markers,
/// whether it continues (`*0`) and whether it names a charset (`*`).
fn split_marks(key: &str) -> (&str, bool, bool) {
    let b = key.as_bytes();
    for start in 0..b.len() {
        if b[start] != b'*' {
            continue;
        }
        let digits = b[start + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let after = start + 1 + digits;
        // `*digits` then an optional `*`, then the end.
        if digits > 0 && (after == b.len() || (b[after] == b'*' && after + 1 == b.len())) {
            return (&key[..start], true, after < b.len());
        }
        // `*` alone at the end.
        if start + 1 == b.len() {
            return (&key[..start], false, true);
        }
    }
    (key, false, false)
}

/// `charset'language'value` (Werkzeug's `_charset_value_re`).
fn charset_value(raw: &str) -> Option<(&str, &str)> {
    let (charset, rest) = raw.split_once('\'')?;
    let (language, value) = rest.split_once('\'')?;
    let ok = charset.chars().all(|c| is_token_char(c) && c != '\'')
        && language.chars().all(|c| is_token_char(c) && c != '\'')
        && !value.is_empty()
        && value.chars().all(is_token_char);
    ok.then_some((charset, value))
}

/// Werkzeug's `request.host` for an HTTPS request (`get_host`): the `Host`
/// header without a `:443` suffix, or the empty string when it is missing
/// or is not a host name, IPv4 or bracketed IPv6 address with an optional
/// port in 1..=65535.
pub(crate) fn werkzeug_https_host(host: Option<&str>) -> &str {
    let Some(host) = host else {
        return "";
    };
    let host = host.strip_suffix(":443").unwrap_or(host);
    let (name, port) = if host.starts_with('[') {
        match host.find(']') {
            Some(close) => (&host[..=close], &host[close + 1..]),
            None => return "",
        }
    } else {
        match host.find(':') {
            Some(colon) => (&host[..colon], &host[colon..]),
            None => (host, ""),
        }
    };
    let name_ok = match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        // `\[[a-f0-9]*:[a-f0-9.:]+]`
        Some(v6) => v6.split_once(':').is_some_and(|(head, tail)| {
            head.bytes().all(|b| b.is_ascii_hexdigit())
                && !tail.is_empty()
                && tail
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || matches!(b, b'.' | b':'))
        }),
        None => {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        }
    };
    // `(?::([1-9][0-9]{,4}))?` and 1..=65535
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|p| {
            (1..=5).contains(&p.len())
                && !p.starts_with('0')
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u32>().is_ok_and(|n| n <= 65535)
        });
    if name_ok && port_ok { host } else { "" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cookie::SameSite;

    #[test]
    fn expires_dates_are_remembered_per_second_only() {
        let date = |secs| {
            let mut line = String::from("x");
            let ok = push_http_date(secs, &mut line);
            (ok, line)
        };
        for _ in 0..2 {
            assert_eq!(date(0), (true, "xThu, 01 Jan 1970 00:00:00 GMT".into()));
            assert_eq!(
                date(1_700_000_000),
                (true, "xTue, 14 Nov 2023 22:13:20 GMT".into())
            );
            assert_eq!(
                date(1_700_000_001),
                (true, "xTue, 14 Nov 2023 22:13:21 GMT".into())
            );
        }
        // Past year 9999: nothing appended, and the cache still answers.
        assert_eq!(date(i64::MAX), (false, "x".into()));
        assert_eq!(
            date(1_700_000_001),
            (true, "xTue, 14 Nov 2023 22:13:21 GMT".into())
        );
    }

    #[test]
    fn werkzeug_attribute_rendering() {
        assert_eq!(
            werkzeug_domain(".Example.COM:8443").unwrap().as_deref(),
            Some("Example.COM")
        );
        assert_eq!(
            werkzeug_domain("bücher.example").unwrap().as_deref(),
            Some("xn--bcher-kva.example")
        );
        // Werkzeug writes `Domain=` for a domain its rule leaves empty.
        for empty in ["", ".", ":8443", "..:1"] {
            assert_eq!(werkzeug_domain(empty).unwrap().as_deref(), Some(""));
        }
        assert_eq!(
            werkzeug_domain("straße.de:80").unwrap().as_deref(),
            Some("strasse.de")
        );
        for bad in ["a..b", "ex\u{7f}ample.com", "ü\u{1}.com", "\u{E000}.com"] {
            assert!(werkzeug_domain(bad).is_err(), "{bad:?}");
        }
        assert_eq!(werkzeug_path("/my app"), "/my%20app");
        assert_eq!(werkzeug_path("/a;b/ü"), "/a%3Bb/%C3%BC");
        let c = Cookie::build(("s", "v"))
            .domain("Example.COM")
            .path("/app")
            .secure(false)
            .http_only(false)
            .same_site(SameSite::Lax)
            .partitioned(true)
            .build();
        assert_eq!(
            format_set_cookie(&c),
            "s=v; Domain=Example.COM; Secure; Path=/app; SameSite=Lax; Partitioned"
        );
    }

    #[test]
    fn request_cookie_first_wins_and_unquotes() {
        let mut h = HeaderMap::new();
        h.append(
            COOKIE,
            HeaderValue::from_static("a=1; session=\"x\\073y\\\"\"; session=second"),
        );
        h.append(COOKIE, HeaderValue::from_static("session=third"));
        assert_eq!(request_cookie(&h, "session").as_deref(), Some("x;y\""));
        assert_eq!(request_cookie(&h, "a").as_deref(), Some("1"));
        assert_eq!(request_cookie(&h, "zz"), None);
    }

    #[test]
    fn unquoting_escapes_anywhere_in_the_value() {
        // Each expected value is `werkzeug.http.parse_cookie(h)["session"]`
        // (its `\\([0-3][0-7]{2}|.)` rule): escapes at odd and even
        // offsets, back to back, and an octal escape out of range.
        for (header, value) in [
            (r#"session="ab\"cd\\e""#, r#"ab"cd\e"#),
            (r#"session="\"\"x\073\073y""#, r#"""x;;y"#),
            (r#"session="a\400\0""#, "a4000"),
            (r#"session="\q\;rst""#, "q;rst"),
        ] {
            assert_eq!(
                find_cookie(header.as_bytes(), "session").as_deref(),
                Some(value),
                "{header}"
            );
        }
    }

    #[test]
    fn cookies_are_split_as_werkzeug_splits_them() {
        // Each expected value is `werkzeug.http.parse_cookie(h).get("session")`.
        for (header, value) in [
            (r#"a="x;session=evil"; session=good"#, Some("good")),
            ("session=abc def; session=ok", Some("ok")),
            (" session\t=  \"q\\073\"  ;", Some("q;")),
            ("session", Some("")),
            ("=x; session=v", Some("v")),
            ("session=\"open; session=w", Some("w")),
            ("se\"ssion=1; session=2", Some("2")),
            ("session=a=b", Some("a=b")),
            ("sessions=1; Session=2", None),
            // A backslash does not escape a newline: no quoted value here.
            ("session=\"a\\\nb\"; session=2", Some("2")),
            ("session=\"a\\\n\"; session=3;", Some("3")),
            ("session=\"ab\\", None),
        ] {
            assert_eq!(
                find_cookie(header.as_bytes(), "session").as_deref(),
                value,
                "{header}"
            );
        }
        // An unreadable stretch is skipped up to and past its `;`, wherever
        // that is, even when the character before it could be a cookie name
        // of its own (`parse_cookie(h).get("a")`).
        for (header, value) in [
            ("b\"a; a=2", "2"),
            (";;a=3", "3"),
            ("a\"; a=4", "4"),
            (" ;a=5", "5"),
            ("x=\"unterminated; a=6", "6"),
            ("\"a;a=7", "7"),
        ] {
            assert_eq!(
                find_cookie(header.as_bytes(), "a").as_deref(),
                Some(value),
                "{header}"
            );
        }
    }

    #[test]
    fn vary_is_a_set() {
        let mut h = HeaderMap::new();
        add_vary_cookie(&mut h);
        add_vary_cookie(&mut h);
        assert_eq!(h.get_all(VARY).iter().count(), 1);
        assert_eq!(h[VARY], "Cookie");
        // Each expected value is what Werkzeug 3.1 leaves after
        // `response.vary.add("Cookie")`.
        for (before, after) in [
            (&["Accept-Encoding"][..], &["Accept-Encoding, Cookie"][..]),
            (&["a", "b"], &["a, Cookie"]),
            (&["a, cookie", "b"], &["a, cookie", "b"]),
            (&["*"], &["*, Cookie"]),
            (&[""], &["Cookie"]),
            (&["a,,b , a"], &["a, b, a, Cookie"]),
            (&["a b"], &["\"a b\", Cookie"]),
            (&["\"x, \\\"y\""], &["\"x, \\\"y\", Cookie"]),
            (&["\"open, a"], &["Cookie"]),
            // A quoted item is one item, whatever commas it holds.
            (&["\"a, cookie, b\""], &["\"a, cookie, b\", Cookie"]),
            (&["x, \"cookie\""], &["x, \"cookie\""]),
            (&["\"cookie"], &["Cookie"]),
            (&["a,Cookie ,b"], &["a,Cookie ,b"]),
        ] {
            let mut h = HeaderMap::new();
            for v in before {
                h.append(VARY, HeaderValue::from_str(v).unwrap());
            }
            add_vary_cookie(&mut h);
            let got: Vec<&str> = h
                .get_all(VARY)
                .iter()
                .map(|v| v.to_str().unwrap())
                .collect();
            assert_eq!(got, after, "{before:?}");
        }
    }
}
