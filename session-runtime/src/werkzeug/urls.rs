//! Python's `urllib.parse` as Werkzeug and Flask-WTF call it: `urlparse`'s
//! scheme, host and port of an origin, and `unquote` (percent-decoding).
//!
//! Hand-written ports: the `url` crate follows the WHATWG URL standard,
//! which reads hosts, ports and invalid escapes differently from CPython
//! (`urlparse_like_origins` below pins CPython 3.11's answers), and the CSRF
//! verdict must be Flask-WTF's.

use std::borrow::Cow;

/// What Flask-WTF's `same_origin` compares of a URL: Python's
/// `urlparse(url)` `.scheme`, `.hostname` and `.port`. `None` where Python
/// raises `ValueError` (an unreadable port or bracketed host; Flask then
/// answers 500, we refuse the request).
///
/// A port of CPython 3.11's `urlsplit` for these three parts: leading
/// control characters and spaces stripped, tabs and line breaks removed, a
/// scheme only before a `:` when it is made of scheme characters, the
/// network location only after `//`, up to `/`, `?` or `#`; then the user
/// information dropped, the host lowercased (not a `%` zone), the port
/// read as decimal digits in 0..=65535.
pub(crate) fn urlparse_origin(url: &str) -> Option<(String, Option<String>, Option<u16>)> {
    let url: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let mut scheme = String::new();
    let mut rest = url.as_str();
    if let Some(i) = url.find(':') {
        let candidate = &url[..i];
        let valid = candidate.starts_with(|c: char| c.is_ascii_alphabetic())
            && candidate
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
        if valid {
            scheme = candidate.to_ascii_lowercase();
            rest = &url[i + 1..];
        }
    }
    let netloc = match rest.strip_prefix("//") {
        Some(after) => &after[..after.find(['/', '?', '#']).unwrap_or(after.len())],
        None => "",
    };
    match (netloc.find('['), netloc.find(']')) {
        (None, None) => {}
        (Some(open), Some(_)) => {
            let inside = &netloc[open + 1..];
            let inside = &inside[..inside.find(']').unwrap_or(inside.len())];
            if !bracketed_host_is_valid(inside) {
                return None;
            }
        }
        _ => return None,
    }
    let hostinfo = netloc.rsplit_once('@').map_or(netloc, |(_, h)| h);
    let (host, port) = match hostinfo.split_once('[') {
        Some((_, bracketed)) => {
            let (host, after) = bracketed.split_once(']').unwrap_or((bracketed, ""));
            (host, after.split_once(':').map_or("", |(_, p)| p))
        }
        None => hostinfo.split_once(':').unwrap_or((hostinfo, "")),
    };
    let port = if port.is_empty() {
        None
    } else if port.bytes().all(|b| b.is_ascii_digit()) {
        let digits = port.trim_start_matches('0');
        if digits.len() > 5 {
            return None;
        }
        Some(u16::try_from(digits.parse::<u32>().unwrap_or(0)).ok()?)
    } else {
        return None;
    };
    let host = (!host.is_empty()).then(|| match host.split_once('%') {
        Some((h, zone)) => format!("{}%{zone}", h.to_ascii_lowercase()),
        None => host.to_ascii_lowercase(),
    });
    Some((scheme, host, port))
}

/// CPython's `_check_bracketed_host`: an IPvFuture (`v1.x`) or an IPv6
/// address (Python's `ipaddress`, a `%` scope allowed), not IPv4.
fn bracketed_host_is_valid(host: &str) -> bool {
    if let Some(future) = host.strip_prefix('v') {
        let Some((version, rest)) = future.split_once('.') else {
            return false;
        };
        return !version.is_empty()
            && version.bytes().all(|b| b.is_ascii_hexdigit())
            && !rest.is_empty()
            && !rest.contains('\n');
    }
    let address = match host.split_once('%') {
        Some((a, scope)) if !scope.is_empty() && !scope.contains('%') => a,
        Some(_) => return false,
        None => host,
    };
    address.parse::<std::net::Ipv6Addr>().is_ok()
}

/// How `percent_decode` treats bytes that do not decode.
#[derive(Clone, Copy)]
pub(crate) enum Invalid {
    /// U+FFFD (Python's `errors="replace"`).
    Replace,
    /// `%XX` again (Werkzeug's `errors="werkzeug.url_quote"`).
    Requote,
}

/// Python's `urllib.parse.unquote(text, encoding, errors)`: `%XX` escapes
/// in runs of ASCII decoded to bytes, each run then decoded.
pub(crate) fn percent_decode(text: &str, encoding: &str, invalid: Invalid) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let ascii = rest.find(|c: char| !c.is_ascii()).unwrap_or(rest.len());
        let (run, tail) = rest.split_at(ascii);
        decode_bytes(&unescape(run.as_bytes()), encoding, invalid, &mut out);
        let other = tail.find(|c: char| c.is_ascii()).unwrap_or(tail.len());
        out.push_str(&tail[..other]);
        rest = &tail[other..];
    }
    out
}

/// `%XX` (either case) to the byte; anything else as it is.
fn unescape(run: &[u8]) -> Cow<'_, [u8]> {
    if !run.contains(&b'%') {
        return Cow::Borrowed(run);
    }
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(run.len());
    let mut i = 0;
    while i < run.len() {
        if run[i] == b'%'
            && let (Some(h), Some(l)) = (
                run.get(i + 1).copied().and_then(hex),
                run.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(run[i]);
        i += 1;
    }
    Cow::Owned(out)
}

pub(crate) fn decode_bytes(bytes: &[u8], encoding: &str, invalid: Invalid, out: &mut String) {
    match encoding {
        "iso-8859-1" => out.push_str(&bytes.iter().map(|&b| char::from(b)).collect::<String>()),
        "ascii" | "us-ascii" => {
            for &b in bytes {
                match (b.is_ascii(), invalid) {
                    (true, _) => out.push(char::from(b)),
                    (false, Invalid::Replace) => out.push('\u{FFFD}'),
                    (false, Invalid::Requote) => out.push_str(&format!("%{b:02X}")),
                }
            }
        }
        _ => {
            for chunk in bytes.utf8_chunks() {
                out.push_str(chunk.valid());
                if !chunk.invalid().is_empty() {
                    match invalid {
                        Invalid::Replace => out.push('\u{FFFD}'),
                        Invalid::Requote => {
                            for b in chunk.invalid() {
                                out.push_str(&format!("%{b:02X}"));
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::werkzeug::http::werkzeug_https_host;

    #[test]
    fn urlparse_like_origins() {
        // Each expected value is Python's `urlparse(url)` `(.scheme,
        // .hostname, .port)`, or `None` where reading them raises.
        let o = |s: &str, h: Option<&str>, p: Option<u16>| {
            Some((s.to_owned(), h.map(str::to_owned), p))
        };
        for (url, want) in [
            (
                "https://Example.com/x",
                o("https", Some("example.com"), None),
            ),
            (
                "https://example.com:443/",
                o("https", Some("example.com"), Some(443)),
            ),
            (
                "https://u:p@[::1]:8443/a",
                o("https", Some("::1"), Some(8443)),
            ),
            ("not a url", o("", None, None)),
            (" \tHTTPS://h:0443?q", o("https", Some("h"), Some(443))),
            ("https:///", o("https", None, None)),
            ("//h:1", o("", Some("h"), Some(1))),
            ("https://[::1", None),
            ("https://[1.2.3.4]/", None),
            ("https://h:notaport/", None),
            ("https://h:1:2/", None),
            ("https://h:65536/", None),
            // A scheme starts with a letter and holds only letters, digits
            // and `+-.`; otherwise there is none (and so no netloc).
            ("1ab://h:5/", o("", None, None)),
            ("a_b://h:5/", o("", None, None)),
            ("ab+c.d-e://H:5/", o("ab+c.d-e", Some("h"), Some(5))),
            // IPvFuture: `v`, hex digits, `.`, anything.
            ("https://[v.x]/", None),
            ("https://[vg.x]/", None),
            ("https://[v1.]/", None),
            ("https://[V1.x]/", None),
            ("https://[v1f.x:y]:8/", o("https", Some("v1f.x:y"), Some(8))),
            (
                "https://[fe80::1%eth0]:9/",
                o("https", Some("fe80::1%eth0"), Some(9)),
            ),
            ("https://[fe80::1%]/", None),
            ("https://[fe80::1%a%b]/", None),
            (
                "https://[fe80::1%25x]/",
                o("https", Some("fe80::1%25x"), None),
            ),
        ] {
            assert_eq!(urlparse_origin(url), want, "{url}");
        }
        // Werkzeug's `get_host("https", host)`.
        for (host, want) in [
            (Some("Example.com:443"), "Example.com"),
            (Some("h:8443"), "h:8443"),
            (Some("[::1]:443"), "[::1]"),
            (Some("h:0443"), ""),
            (Some("h:65536"), ""),
            (Some("u@h"), ""),
            (Some("[g:1]"), ""),
            (Some("[1:]"), ""),
            (Some("[1:g]"), ""),
            (Some("[AB:1]"), "[AB:1]"),
            (Some("[:1]"), "[:1]"),
            (Some("[ab:1.2]:8443"), "[ab:1.2]:8443"),
            (Some("[ab:1]:0"), ""),
            (Some("a_b"), ""),
            (Some("-a"), "-a"),
            (Some("a..b:1"), "a..b:1"),
            (Some(""), ""),
            (None, ""),
        ] {
            assert_eq!(werkzeug_https_host(host), want, "{host:?}");
        }
    }
}
