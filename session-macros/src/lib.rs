//! The `#[session]` attribute macro of sessionkit; see the documentation of
//! `sessionkit::session` for the DSL. Parse → model → validate → generate:
//! `attr` parses options, `model` holds the struct, `validate` checks the
//! rules, `expand` generates, `fallback` is the output on error.

mod attr;
mod ctxt;
mod duration;
mod expand;
mod fallback;
mod model;
mod validate;

use proc_macro::TokenStream;

/// Declares a typed session. See `sessionkit::session` for the options and
/// what is generated.
#[proc_macro_attribute]
pub fn session(args: TokenStream, input: TokenStream) -> TokenStream {
    let raw: proc_macro2::TokenStream = input.clone().into();
    let parsed: Option<syn::DeriveInput> = syn::parse(input).ok();
    let out = match &parsed {
        Some(item) => run(args.into(), item),
        None => Err(Failure {
            error: syn::Error::new(
                proc_macro2::Span::call_site(),
                "`#[session]` can only be applied to a struct with named fields",
            ),
            krate: model::default_krate(),
        }),
    };
    let out = out.unwrap_or_else(|f| fallback::fallback(parsed, raw, &f.error, &f.krate));
    out.into()
}

/// Why the struct was not expanded, and the path to sessionkit for the
/// fallback's stub impls (the user's `crate = "..."` when it parsed).
struct Failure {
    error: syn::Error,
    krate: syn::Path,
}

fn run(
    args: proc_macro2::TokenStream,
    item: &syn::DeriveInput,
) -> Result<proc_macro2::TokenStream, Failure> {
    let mut ctxt = ctxt::Ctxt::default();
    let options = match attr::ContainerOptions::parse(&mut ctxt, args) {
        Ok(o) => o,
        Err(e) => {
            ctxt.push(e);
            attr::ContainerOptions::default()
        }
    };
    let krate = options
        .krate
        .as_ref()
        .map_or_else(model::default_krate, |k| k.value.clone());
    let model = model::Model::from_input(&mut ctxt, item, options);
    let expandable = match &model {
        Some(m) => validate::validate(&mut ctxt, m) && m.expandable,
        None => false,
    };
    match (ctxt.check(), model) {
        (Ok(()), Some(m)) => Ok(expand::expand(&m)),
        // Option errors on a sound struct: the errors plus the full expansion,
        // so uses of the type add no errors of their own.
        (Err(e), Some(m)) if expandable => {
            let mut out = expand::expand(&m);
            out.extend(e.to_compile_error());
            Ok(out)
        }
        (Err(error), _) => Err(Failure { error, krate }),
        (Ok(()), None) => Err(Failure {
            error: syn::Error::new(proc_macro2::Span::call_site(), "unsupported item"),
            krate,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::{fallback, run};

    /// A struct whose accessors collide cannot be expanded; the fallback's
    /// stub impls must name the crate path given with `crate = "..."`, or a
    /// renamed dependency gets an unresolved-path error besides the real one.
    #[test]
    fn fallback_stubs_use_the_crate_option() {
        let item: syn::DeriveInput = syn::parse_quote! {
            struct Session { theme: String, set_theme: bool }
        };
        let raw = quote::quote!(#item);
        for (args, expected) in [
            (
                quote::quote!(crate = "sk"),
                "impl sk :: SessionData for Session",
            ),
            (
                quote::quote!(),
                "impl :: sessionkit :: SessionData for Session",
            ),
        ] {
            let Err(failure) = run(args, &item) else {
                panic!("a colliding struct expanded");
            };
            let out = fallback::fallback(
                Some(item.clone()),
                raw.clone(),
                &failure.error,
                &failure.krate,
            )
            .to_string();
            assert!(out.contains(expected), "{out}");
            assert!(out.contains("clashes with the accessors"), "{out}");
            if expected.starts_with("impl sk") {
                assert!(!out.contains("sessionkit ::"), "{out}");
            }
        }
    }
}
