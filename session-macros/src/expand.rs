//! Generates the session type: the struct with tracked storage, `Default`,
//! the accessors and the `SessionData` impl.

mod accessors;
mod data_impl;

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;

use crate::model::{FieldModel, Model};

/// The expression for a field's default value.
pub(crate) fn default_expr(f: &FieldModel) -> TokenStream {
    let ty = &f.ty;
    match &f.default {
        Some(expr) => quote_spanned!(expr.span()=> { let __v: #ty = #expr; __v }),
        None => quote_spanned!(ty.span()=> <#ty as ::core::default::Default>::default()),
    }
}

/// A `FnOnce() -> T` producing a field's default value.
pub(crate) fn default_fn(f: &FieldModel) -> TokenStream {
    let ty = &f.ty;
    match &f.default {
        Some(expr) => quote_spanned!(expr.span()=> || -> #ty { #expr }),
        None => quote_spanned!(ty.span()=> || <#ty as ::core::default::Default>::default()),
    }
}

/// The whole expansion.
pub(crate) fn expand(model: &Model) -> TokenStream {
    let krate = model.krate();
    let private = quote!(#krate::__private);
    let Model {
        attrs,
        vis,
        ident,
        fields,
        ..
    } = model;

    let stored = fields.iter().map(|f| {
        let FieldModel {
            ident,
            ty,
            other_attrs,
            ..
        } = f;
        quote!(#(#other_attrs)* #ident: #private::Slot<#ty>,)
    });
    let defaults = fields.iter().map(|f| {
        let id = &f.ident;
        let d = default_expr(f);
        quote!(#id: #private::Slot::absent(#d),)
    });
    let accessors = accessors::expand(model, &private);
    let data_impl = data_impl::expand(model, &krate, &private);

    quote! {
        #(#attrs)*
        #vis struct #ident {
            #(#stored)*
            // The name is reserved by `validate::META_FIELD`.
            __sessionkit: #private::Meta,
        }

        #accessors

        #[automatically_derived]
        #[allow(clippy::all, clippy::pedantic)]
        impl ::core::default::Default for #ident {
            /// A new, empty session: every field at its default, no key present.
            fn default() -> Self {
                Self {
                    #(#defaults)*
                    __sessionkit: ::core::default::Default::default(),
                }
            }
        }

        const _: () = {
            #data_impl
        };
    }
}
