//! Cross-option and cross-field rules, checked on the model.

use std::collections::HashMap;

use crate::ctxt::Ctxt;
use crate::duration::parse_lifetime;
use crate::model::Model;

/// Wire names the runtime owns.
const RESERVED: &[(&str, &str)] = &[
    (
        "_permanent",
        "it stores the permanent flag: use `is_permanent()` / `set_permanent()`",
    ),
    (
        "_issued_at",
        "it stores the session's issue time for `absolute_lifetime`",
    ),
];

/// The hidden field the expansion adds to every session struct.
pub(crate) const META_FIELD: &str = "__sessionkit";

/// RFC 9110's token rule for the cookie name, the same as the runtime's
/// `werkzeug::http::is_token` (which checks the name again when the
/// interface is built). A copy, not an import: this crate only parses,
/// validates and generates, and importing the runtime would compile its
/// crypto and zlib into every build of the macro.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Checks every rule, recording each violation. Returns whether the model
/// can still be expanded into valid code (so that, next to the errors, users'
/// uses of the type produce no secondary errors).
pub(crate) fn validate(ctxt: &mut Ctxt, model: &Model) -> bool {
    let mut expandable = true;
    let o = &model.options;
    if let Some(c) = &o.cookie {
        let name = c.value.value();
        if !is_token(&name) {
            ctxt.error(
                &c.span,
                format!(
                    "cookie name {name:?} is not allowed by RFC 6265 (no spaces, separators like \
                     `;,=\"()/<>@[]?{{}}` or control characters); use letters, digits, `_` or `-`, like \"session\""
                ),
            );
        }
    }
    for l in [&o.lifetime, &o.absolute_lifetime].into_iter().flatten() {
        if let Err(msg) = parse_lifetime(&l.value.value()) {
            ctxt.error(&l.span, msg);
        }
    }
    if let Some(s) = &o.same_site {
        let v = s.value.value();
        if !matches!(v.to_ascii_lowercase().as_str(), "lax" | "strict" | "none") {
            ctxt.error(
                &s.span,
                format!("invalid `same_site = {v:?}`; expected \"lax\", \"strict\" or \"none\""),
            );
        }
    }
    if let Some(c) = &o.compression {
        let v = c.value.value();
        match compression_threshold(&v) {
            Some(Some(0)) => ctxt.error(
                &c.span,
                "`compression = \"above:0\"` compresses every payload Flask would; write \
                 `compression = auto` (the default)",
            ),
            Some(_) => {}
            None => ctxt.error(
                &c.span,
                format!(
                    "invalid `compression = {v:?}`; expected \"auto\" (Flask's rule: zlib when it \
                     saves 2 bytes, the default), \"never\" (for Rust-only deployments) or \
                     \"above:N\" (Flask's rule only for payloads over N bytes of JSON, e.g. \
                     \"above:512\")"
                ),
            ),
        }
    }
    if let (Some(a), Some(e)) = (&o.ensure_ascii, &o.encrypted)
        && e.value
    {
        ctxt.error(
            &a.key,
            "`ensure_ascii` shapes the JSON of signed cookies, the ones Flask reads; encrypted \
             cookies are sessionkit's own: remove `ensure_ascii` or `encrypted`",
        );
    }
    let secure = o.secure.as_ref().is_some_and(|s| s.value);
    if let Some(s) = &o.same_site
        && s.value.value().eq_ignore_ascii_case("none")
        && !secure
    {
        ctxt.error(
            &s.span,
            "`same_site = \"none\"` requires `secure`: browsers reject SameSite=None cookies \
             that are not Secure; add `secure` (or use \"lax\")",
        );
    }
    if let Some(p) = &o.partitioned
        && p.value
        && !secure
    {
        ctxt.error(
            &p.span,
            "`partitioned` requires `secure`: browsers only accept Partitioned cookies that are Secure; add `secure`",
        );
    }
    if let Some(c) = &o.cookie {
        let name = c.value.value();
        let starts = |prefix: &str| {
            name.get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        };
        let host = starts("__Host-");
        if (host || starts("__Secure-")) && !secure {
            let prefix = if host { "__Host-" } else { "__Secure-" };
            ctxt.error(
                &c.span,
                format!(
                    "cookie name {name:?} needs `secure`: browsers drop a `{prefix}` cookie that is not Secure; add `secure`"
                ),
            );
        }
        if host {
            if let Some(d) = &o.domain {
                ctxt.error(
                    &d.span,
                    format!("a `__Host-` cookie ({name:?}) cannot have a domain: remove `domain`"),
                );
            }
            if let Some(p) = &o.path
                && p.value.value() != "/"
            {
                ctxt.error(
                    &p.span,
                    format!(
                        "a `__Host-` cookie ({name:?}) must have `path = \"/\"`: remove `path`"
                    ),
                );
            }
        }
    }
    if let Some(p) = &o.path
        && !p.value.value().starts_with('/')
    {
        let msg = format!(
            "`path = {:?}` must start with `/`, like \"/\" or \"/app\"",
            p.value.value()
        );
        ctxt.error(&p.span, msg);
    }
    if let Some(d) = &o.domain {
        let v = d.value.value();
        if v.is_empty()
            || v.chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == ';')
        {
            ctxt.error(
                &d.span,
                format!("`domain = {v:?}` is not a host name; write one like \"example.com\""),
            );
        }
    }

    let mut seen: HashMap<&str, &str> = HashMap::new();
    for f in &model.fields {
        if f.name == META_FIELD {
            ctxt.error(
                &f.ident,
                format!(
                    "the field name `{META_FIELD}` is taken by the session's own bookkeeping; \
                     rename the field and keep its session key with \
                     `#[session(rename = \"{}\")]`",
                    f.wire
                ),
            );
            expandable = false;
        }
        if f.wire.is_empty() {
            ctxt.error(
                &f.wire_span,
                "`rename` is empty; give the key a name, like `rename = \"_user_id\"`",
            );
            continue;
        }
        if let Some((_, why)) = RESERVED.iter().find(|(k, _)| *k == f.wire) {
            ctxt.error(
                &f.wire_span,
                format!(
                    "session key {:?} is reserved: {why}; rename the field",
                    f.wire
                ),
            );
        }
        if let Some(first) = seen.insert(&f.wire, &f.name) {
            ctxt.error(
                &f.wire_span,
                format!(
                    "fields `{first}` and `{}` both use the session key {:?}; give one of them another \
                     `#[session(rename = \"...\")]`",
                    f.name, f.wire
                ),
            );
        }
    }

    // Generated method names must not collide.
    let mut methods: HashMap<String, String> = [
        "clear",
        "is_empty",
        "is_new",
        "is_modified",
        "is_permanent",
        "set_permanent",
    ]
    .iter()
    .map(|m| ((*m).to_owned(), "the whole-session method".to_owned()))
    .collect();
    for f in &model.fields {
        let n = &f.name;
        for m in [
            n.clone(),
            format!("set_{n}"),
            format!("{n}_mut"),
            format!("take_{n}"),
        ] {
            if let Some(other) = methods.insert(m.clone(), format!("the accessors of field `{n}`"))
            {
                ctxt.error(
                    &f.ident,
                    format!(
                        "field `{n}` would generate a method `{m}` that clashes with {other}; rename the \
                         field and keep its session key with `#[session(rename = \"{}\")]`",
                        f.wire
                    ),
                );
                expandable = false;
                break;
            }
        }
    }
    expandable
}

/// `compression`'s value: `Some(None)` for `auto` / `never`, `Some(Some(n))`
/// for `above:N`, `None` when it is none of them (the runtime's
/// `Compression::from_str` grammar).
pub(crate) fn compression_threshold(v: &str) -> Option<Option<usize>> {
    match v {
        "auto" | "never" => Some(None),
        _ => {
            let n = v.strip_prefix("above:")?;
            if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            n.parse().ok().map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::compression_threshold;

    #[test]
    fn compression_grammar() {
        assert_eq!(compression_threshold("auto"), Some(None));
        assert_eq!(compression_threshold("never"), Some(None));
        assert_eq!(compression_threshold("above:512"), Some(Some(512)));
        // Digits only: no sign, no blank, no empty number, no units.
        for bad in [
            "above:+5", "above: 5", "above:", "above:5k", "always", "above5",
        ] {
            assert_eq!(compression_threshold(bad), None, "{bad}");
        }
    }
}
