//! What to emit when the input has errors: the item itself (without our
//! helper attributes) and the errors, so users see those errors and not a
//! cascade of "cannot find type" ones.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields};

/// Removes `#[session(...)]` from the fields — the one place this is done.
pub(crate) fn strip_field_attrs(input: &mut DeriveInput) {
    if let Data::Struct(s) = &mut input.data
        && let Fields::Named(named) = &mut s.fields
    {
        for f in &mut named.named {
            f.attrs.retain(|a| !a.path().is_ident("session"));
        }
    }
}

/// The item plus the errors, and stub trait impls for a struct with named
/// fields so its uses do not add errors of their own. `krate` is the path
/// to sessionkit the stubs name (the user's `crate = "..."`, so a renamed
/// dependency adds no unresolved-path error).
pub(crate) fn fallback(
    input: Option<DeriveInput>,
    raw: TokenStream,
    error: &syn::Error,
    krate: &syn::Path,
) -> TokenStream {
    let errors = error.to_compile_error();
    let Some(mut item) = input else {
        return quote!(#raw #errors);
    };
    strip_field_attrs(&mut item);
    let ident = &item.ident;
    let stubs = match &item.data {
        Data::Struct(s)
            if matches!(s.fields, Fields::Named(_)) && item.generics.params.is_empty() =>
        {
            quote! {
                #[automatically_derived]
                impl #krate::SessionData for #ident {
                    fn from_dict(_: #krate::__private::Dict) -> ::core::result::Result<Self, #krate::__private::SessionDataError> {
                        ::core::unreachable!("#[session] did not expand")
                    }
                    fn write_json(&self, _: &mut ::std::vec::Vec<u8>, _: usize) -> ::core::result::Result<(), #krate::__private::EncodeError> {
                        ::core::unreachable!("#[session] did not expand")
                    }
                    fn is_empty_session(&self) -> bool { ::core::unreachable!("#[session] did not expand") }
                    fn is_permanent_session(&self) -> bool { ::core::unreachable!("#[session] did not expand") }
                fn get_key(&self, _: &str) -> ::core::option::Option<#krate::__private::Value> { ::core::unreachable!("#[session] did not expand") }
                fn set_key(&mut self, _: &str, _: #krate::__private::Value) -> ::core::result::Result<(), #krate::__private::SessionDataError> { ::core::unreachable!("#[session] did not expand") }
                    fn state(&self) -> &#krate::__private::SessionState { ::core::unreachable!("#[session] did not expand") }
                    fn state_mut(&mut self) -> &mut #krate::__private::SessionState { ::core::unreachable!("#[session] did not expand") }
                }
                #[automatically_derived]
                impl ::core::default::Default for #ident {
                    fn default() -> Self { ::core::unreachable!("#[session] did not expand") }
                }
            }
        }
        _ => quote!(),
    };
    quote!(#item #errors #stubs)
}
