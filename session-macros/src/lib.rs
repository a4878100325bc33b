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
        None => Err(syn::Error::new(
            proc_macro2::Span::call_site(),
            "`#[session]` can only be applied to a struct with named fields",
        )),
    };
    let out = out.unwrap_or_else(|e| fallback::fallback(parsed, raw, &e));
    if std::env::var_os("SESSIONKIT_MACROS_DEBUG").is_some() {
        eprintln!("{out}");
    }
    out.into()
}

fn run(
    args: proc_macro2::TokenStream,
    item: &syn::DeriveInput,
) -> syn::Result<proc_macro2::TokenStream> {
    let mut ctxt = ctxt::Ctxt::default();
    let options = match attr::ContainerOptions::parse(&mut ctxt, args) {
        Ok(o) => o,
        Err(e) => {
            ctxt.push(e);
            attr::ContainerOptions::default()
        }
    };
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
        (Err(e), _) => Err(e),
        (Ok(()), None) => Err(syn::Error::new(
            proc_macro2::Span::call_site(),
            "unsupported item",
        )),
    }
}
