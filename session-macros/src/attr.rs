//! Parsing `#[session(...)]`: the container options (the attribute's own
//! arguments) and the field options (`#[session(...)]` on fields).

use proc_macro2::TokenStream;
use syn::meta::ParseNestedMeta;
use syn::{Expr, Lit, LitBool, LitStr, Token};

use crate::ctxt::Ctxt;

/// A parsed option: the key as written (for spans) and its value.
pub(crate) struct Opt<T> {
    pub(crate) key: syn::Path,
    pub(crate) value: T,
    /// The value's tokens, for spans (the key if the option is a bare flag).
    pub(crate) span: TokenStream,
}

pub(crate) const CONTAINER_OPTIONS: &[&str] = &[
    "cookie",
    "lifetime",
    "absolute_lifetime",
    "same_site",
    "secure",
    "http_only",
    "domain",
    "path",
    "partitioned",
    "refresh_each_request",
    "encrypted",
    "compression",
    "ensure_ascii",
    "crate",
];

pub(crate) const FIELD_OPTIONS: &[&str] = &["rename", "default"];

/// The container options.
#[derive(Default)]
pub(crate) struct ContainerOptions {
    pub(crate) cookie: Option<Opt<LitStr>>,
    pub(crate) lifetime: Option<Opt<LitStr>>,
    pub(crate) absolute_lifetime: Option<Opt<LitStr>>,
    pub(crate) same_site: Option<Opt<LitStr>>,
    pub(crate) secure: Option<Opt<bool>>,
    pub(crate) http_only: Option<Opt<bool>>,
    pub(crate) domain: Option<Opt<LitStr>>,
    pub(crate) path: Option<Opt<LitStr>>,
    pub(crate) partitioned: Option<Opt<bool>>,
    pub(crate) refresh_each_request: Option<Opt<bool>>,
    pub(crate) encrypted: Option<Opt<bool>>,
    pub(crate) compression: Option<Opt<LitStr>>,
    pub(crate) ensure_ascii: Option<Opt<bool>>,
    pub(crate) krate: Option<Opt<syn::Path>>,
}

/// The options of one field.
#[derive(Default)]
pub(crate) struct FieldOptions {
    pub(crate) rename: Option<Opt<LitStr>>,
    pub(crate) default: Option<Opt<Expr>>,
}

fn key_name(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// Levenshtein distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(slot) = cur.get_mut(j + 1) {
                *slot = sub.min(del).min(ins);
            }
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

fn unknown(
    ctxt: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    what: &str,
    valid: &[&str],
) -> syn::Result<()> {
    let name = key_name(&meta.path);
    let closest = valid
        .iter()
        .map(|v| (distance(&name, v), *v))
        .min()
        .filter(|(d, _)| *d <= 3)
        .map(|(_, v)| format!("did you mean `{v}`? "))
        .unwrap_or_default();
    ctxt.error(
        &meta.path,
        format!(
            "unknown {what} option `{name}`; {closest}expected one of: {}",
            valid
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    // Skip its value so the other options are still checked.
    if meta.input.peek(Token![=]) {
        let rest = meta.value()?;
        if !value_missing(rest) {
            let _: Expr = rest.parse()?;
        }
    } else if meta.input.peek(syn::token::Paren) {
        let _: proc_macro2::TokenTree = meta.input.parse()?;
    }
    Ok(())
}

/// syn's errors from parsing the option list, with the fix added where
/// syn only says what it expected: options are separated by commas.
fn explain(error: syn::Error, example: &str) -> syn::Error {
    // A `syn::Error` always holds at least one message; `error` itself is
    // only the formal fallback of `reduce`.
    error
        .clone()
        .into_iter()
        .map(|e| {
            if e.to_string() == "expected `,`" {
                syn::Error::new(
                    e.span(),
                    format!("expected `,`: separate the options with commas, like `{example}`"),
                )
            } else {
                e
            }
        })
        .reduce(|mut all, e| {
            all.combine(e);
            all
        })
        .unwrap_or(error)
}

fn set_once<T>(ctxt: &mut Ctxt, slot: &mut Option<Opt<T>>, opt: Option<Opt<T>>) {
    let Some(opt) = opt else { return };
    if slot.is_some() {
        let name = key_name(&opt.key);
        ctxt.error(&opt.key, format!("`{name}` is set twice; keep only one"));
        return;
    }
    *slot = Some(opt);
}

/// Nothing follows the `=`: the list ends, or the next option starts.
fn value_missing(rest: syn::parse::ParseStream<'_>) -> bool {
    rest.is_empty() || rest.peek(Token![,])
}

/// The expression after `key =` (the `=` is consumed). A missing one
/// (`key = ,` or `key =` last) is reported with an example and gives
/// `None`, leaving the `,` so the options after it are still checked.
fn value(ctxt: &mut Ctxt, meta: &ParseNestedMeta<'_>, example: &str) -> syn::Result<Option<Expr>> {
    let rest = meta.value()?;
    if value_missing(rest) {
        let name = key_name(&meta.path);
        ctxt.error(
            &meta.path,
            format!("`{name} =` has no value after the `=`; write `{name} = {example}`"),
        );
        return Ok(None);
    }
    rest.parse().map(Some)
}

/// `key = "string"`; a wrong value type is reported with an example.
fn string(
    ctxt: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    example: &str,
) -> syn::Result<Option<Opt<LitStr>>> {
    let name = key_name(&meta.path);
    if !meta.input.peek(Token![=]) {
        ctxt.error(
            &meta.path,
            format!("`{name}` needs a value: write `{name} = {example}`"),
        );
        return Ok(None);
    }
    let Some(expr) = value(ctxt, meta, example)? else {
        return Ok(None);
    };
    match &expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(Some(Opt {
            key: meta.path.clone(),
            value: s.clone(),
            span: quote::quote!(#s),
        })),
        _ => {
            ctxt.error(
                &expr,
                format!("`{name}` expects a string literal, like `{name} = {example}`"),
            );
            Ok(None)
        }
    }
}

/// `key = "word"` or `key = word`: a choice among a few words, which reads
/// naturally bare (`compression = never`); the bare word is kept as a
/// string literal with its own span, so validation treats both alike.
fn keyword(
    ctxt: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    example: &str,
) -> syn::Result<Option<Opt<LitStr>>> {
    let fork = meta.input.fork();
    let bare = fork.parse::<Token![=]>().is_ok()
        && fork.parse::<syn::Ident>().is_ok()
        && (fork.is_empty() || fork.peek(Token![,]));
    if !bare {
        return string(ctxt, meta, example);
    }
    let word: syn::Ident = meta.value()?.parse()?;
    let value = LitStr::new(&word.to_string(), word.span());
    Ok(Some(Opt {
        key: meta.path.clone(),
        value,
        span: quote::quote!(#word),
    }))
}

/// `key` (true) or `key = true|false`.
fn boolean(ctxt: &mut Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<Opt<bool>>> {
    let name = key_name(&meta.path);
    if !meta.input.peek(Token![=]) {
        let key = meta.path.clone();
        return Ok(Some(Opt {
            span: quote::quote!(#key),
            key,
            value: true,
        }));
    }
    let Some(expr) = value(ctxt, meta, "true")? else {
        return Ok(None);
    };
    match &expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Bool(LitBool { value, .. }),
            ..
        }) => Ok(Some(Opt {
            key: meta.path.clone(),
            value: *value,
            span: quote::quote!(#expr),
        })),
        _ => {
            ctxt.error(
                &expr,
                format!(
                    "`{name}` expects `true` or `false`, like `{name} = true` (or just `{name}`)"
                ),
            );
            Ok(None)
        }
    }
}

impl ContainerOptions {
    /// Parses the attribute's arguments, recording option errors in `ctxt`.
    pub(crate) fn parse(ctxt: &mut Ctxt, args: TokenStream) -> syn::Result<Self> {
        let mut o = ContainerOptions::default();
        let parser = syn::meta::parser(|meta| {
            let name = key_name(&meta.path);
            match name.as_str() {
                "cookie" => {
                    let v = string(ctxt, &meta, "\"session\"")?;
                    set_once(ctxt, &mut o.cookie, v);
                }
                "lifetime" => {
                    let v = string(ctxt, &meta, "\"31d\"")?;
                    set_once(ctxt, &mut o.lifetime, v);
                }
                "absolute_lifetime" => {
                    let v = string(ctxt, &meta, "\"30d\"")?;
                    set_once(ctxt, &mut o.absolute_lifetime, v);
                }
                "same_site" => {
                    let v = string(ctxt, &meta, "\"lax\"")?;
                    set_once(ctxt, &mut o.same_site, v);
                }
                "compression" => {
                    let v = keyword(ctxt, &meta, "\"never\"")?;
                    set_once(ctxt, &mut o.compression, v);
                }
                "domain" => {
                    let v = string(ctxt, &meta, "\"example.com\"")?;
                    set_once(ctxt, &mut o.domain, v);
                }
                "path" => {
                    let v = string(ctxt, &meta, "\"/\"")?;
                    set_once(ctxt, &mut o.path, v);
                }
                "secure" => {
                    let v = boolean(ctxt, &meta)?;
                    set_once(ctxt, &mut o.secure, v);
                }
                "http_only" => {
                    let v = boolean(ctxt, &meta)?;
                    set_once(ctxt, &mut o.http_only, v);
                }
                "partitioned" => {
                    let v = boolean(ctxt, &meta)?;
                    set_once(ctxt, &mut o.partitioned, v);
                }
                "refresh_each_request" => {
                    let v = boolean(ctxt, &meta)?;
                    set_once(ctxt, &mut o.refresh_each_request, v);
                }
                "encrypted" => {
                    let v = boolean(ctxt, &meta)?;
                    set_once(ctxt, &mut o.encrypted, v);
                }
                "ensure_ascii" => {
                    let v = boolean(ctxt, &meta)?;
                    set_once(ctxt, &mut o.ensure_ascii, v);
                }
                "crate" => {
                    let Some(lit) = string(ctxt, &meta, "\"sessionkit\"")? else {
                        return Ok(());
                    };
                    match lit.value.parse::<syn::Path>() {
                        Ok(path) => set_once(
                            ctxt,
                            &mut o.krate,
                            Some(Opt {
                                key: lit.key,
                                value: path,
                                span: lit.span,
                            }),
                        ),
                        Err(_) => ctxt.error(
                            &lit.value,
                            "`crate` expects a path to the sessionkit crate, like `crate = \"::my_sessionkit\"`",
                        ),
                    }
                }
                _ => unknown(ctxt, &meta, "session", CONTAINER_OPTIONS)?,
            }
            Ok(())
        });
        syn::parse::Parser::parse2(parser, args)
            .map_err(|e| explain(e, "#[session(cookie = \"sid\", secure)]"))?;
        Ok(o)
    }
}

impl FieldOptions {
    /// Parses the `#[session(...)]` attributes of a field.
    pub(crate) fn parse(ctxt: &mut Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut o = FieldOptions::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("session")) {
            let result = attr.parse_nested_meta(|meta| {
                let name = key_name(&meta.path);
                match name.as_str() {
                    "rename" => {
                        let v = string(ctxt, &meta, "\"wire_key\"")?;
                        set_once(ctxt, &mut o.rename, v);
                    }
                    "default" => {
                        if !meta.input.peek(Token![=]) {
                            ctxt.error(&meta.path, "`default` needs a value: write `default = EXPR`, e.g. `default = 1`");
                            return Ok(());
                        }
                        let Some(expr) = value(ctxt, &meta, "EXPR")? else {
                            return Ok(());
                        };
                        let v = Opt {
                            key: meta.path.clone(),
                            span: quote::quote!(#expr),
                            value: expr,
                        };
                        set_once(ctxt, &mut o.default, Some(v));
                    }
                    _ => unknown(ctxt, &meta, "field", FIELD_OPTIONS)?,
                }
                Ok(())
            });
            if let Err(e) = result {
                ctxt.push(explain(e, "#[session(rename = \"_id\", default = 1)]"));
            }
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::distance;

    #[test]
    fn edit_distance() {
        assert_eq!(distance("cokie", "cookie"), 1);
        assert_eq!(distance("renam", "rename"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same_sit", "same_site"), 1);
        // Each edit costs one: an extra letter, a swap, the classic pair.
        assert_eq!(distance("cookiee", "cookie"), 1);
        assert_eq!(distance("scure", "secure"), 1);
        assert_eq!(distance("ab", "ba"), 2);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("lifetime", "path"), 7);
    }
}
