//! `impl SessionData`: loading from the cookie's dict, writing JSON, and the
//! default configuration from the container options.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;

use super::default_fn;
use crate::duration::parse_lifetime;
use crate::model::Model;

fn config(model: &Model, private: &TokenStream) -> TokenStream {
    let o = &model.options;
    let mut sets = Vec::new();
    if let Some(c) = &o.cookie {
        let v = c.value.value();
        sets.push(quote!(c.cookie_name = ::std::string::String::from(#v);));
    }
    if let Some(secs) = o
        .lifetime
        .as_ref()
        .and_then(|l| parse_lifetime(&l.value.value()).ok())
    {
        sets.push(quote!(c.permanent_session_lifetime = ::core::time::Duration::from_secs(#secs);));
    }
    if let Some(secs) = o
        .absolute_lifetime
        .as_ref()
        .and_then(|l| parse_lifetime(&l.value.value()).ok())
    {
        sets.push(quote!(c.absolute_lifetime = ::core::option::Option::Some(::core::time::Duration::from_secs(#secs));));
    }
    if let Some(s) = &o.same_site {
        let v = match s.value.value().to_ascii_lowercase().as_str() {
            "strict" => quote!(Strict),
            "none" => quote!(None),
            _ => quote!(Lax),
        };
        sets.push(
            quote!(c.cookie_same_site = ::core::option::Option::Some(#private::SameSite::#v);),
        );
    }
    for (opt, field) in [
        (&o.secure, quote!(cookie_secure)),
        (&o.http_only, quote!(cookie_http_only)),
        (&o.partitioned, quote!(cookie_partitioned)),
        (&o.refresh_each_request, quote!(refresh_each_request)),
        (&o.ensure_ascii, quote!(json_ensure_ascii)),
    ] {
        if let Some(b) = opt {
            let v = b.value;
            sets.push(quote!(c.#field = #v;));
        }
    }
    if let Some(d) = &o.domain {
        let v = d.value.value();
        sets.push(quote!(c.cookie_domain = ::core::option::Option::Some(::std::string::String::from(#v));));
    }
    if let Some(p) = &o.path {
        let v = p.value.value();
        sets.push(quote!(c.cookie_path = ::std::string::String::from(#v);));
    }
    if let Some(c) = &o.compression {
        let v = c.value.value();
        let v = match (v.as_str(), crate::validate::compression_threshold(&v)) {
            ("never", _) => quote!(Never),
            (_, Some(Some(n))) => quote!(Above(#n)),
            _ => quote!(Auto),
        };
        sets.push(quote!(c.compression = #private::Compression::#v;));
    }
    if o.encrypted.as_ref().is_some_and(|e| e.value) {
        sets.push(quote!(c.protection = #private::Protection::Encrypted;));
    }
    quote! {
        #[allow(unused_mut)]
        let mut c = #private::SessionConfig::default();
        #(#sets)*
        c
    }
}

pub(super) fn expand(model: &Model, krate: &syn::Path, private: &TokenStream) -> TokenStream {
    let ident = &model.ident;
    let loads = model.fields.iter().map(|f| {
        let (field, ty, wire) = (&f.ident, &f.ty, &f.wire);
        let d = default_fn(f);
        quote_spanned!(ty.span()=> #field: #private::field::<#ty>().load(&mut dict, #wire, #d),)
    });
    let reads = model.fields.iter().map(|f| {
        let (field, ty, wire) = (&f.ident, &f.ty, &f.wire);
        let d = default_fn(f);
        quote_spanned!(ty.span()=> #wire => {
            #private::field::<#ty>().read(&mut __session.#field, __input, #wire, #d);
            true
        })
    });
    // Fields in key order (UTF-8 byte order is code-point order): merged
    // with the kept keys at run time without sorting.
    let mut sorted: Vec<_> = model.fields.iter().collect();
    sorted.sort_by(|a, b| a.wire.as_bytes().cmp(b.wire.as_bytes()));
    let present_vars: Vec<_> = (0..sorted.len())
        .map(|i| quote::format_ident!("__f{}", i))
        .collect();
    let lets = sorted.iter().zip(&present_vars).map(|(f, var)| {
        let (field, ty) = (&f.ident, &f.ty);
        quote_spanned!(ty.span()=> let #var = #private::field::<#ty>().present(&self.#field);)
    });
    let wires = sorted.iter().zip(&present_vars).map(|(f, var)| {
        let wire = &f.wire;
        quote!((#wire, #var.as_ref().map(|p| p as &dyn #private::WriteField)))
    });
    let present = model.fields.iter().map(|f| {
        let field = &f.ident;
        quote!(self.#field.is_present())
    });
    let get_arms = model.fields.iter().map(|f| {
        let (field, ty, wire) = (&f.ident, &f.ty, &f.wire);
        quote_spanned!(ty.span()=> #wire => #private::field::<#ty>().get(&self.#field),)
    });
    let set_arms = model.fields.iter().map(|f| {
        let (field, ty, wire) = (&f.ident, &f.ty, &f.wire);
        quote_spanned!(ty.span()=> #wire => #private::field::<#ty>().set(&mut self.__sessionkit, &mut self.#field, #wire, value),)
    });
    let config = config(model, private);
    quote! {
        #[automatically_derived]
        #[allow(clippy::all, clippy::pedantic)]
        impl #krate::SessionData for #ident {
            fn from_dict(
                mut dict: #private::Dict,
            ) -> ::core::result::Result<Self, #private::SessionDataError> {
                ::core::result::Result::Ok(Self {
                    #(#loads)*
                    __sessionkit: #private::loaded(dict),
                })
            }

            fn from_json(
                __json: &[u8],
                __max_depth: usize,
            ) -> ::core::result::Result<Self, #private::OpenError> {
                let mut __session = <Self as ::core::default::Default>::default();
                let __meta = #private::read_session(
                    __json,
                    __max_depth,
                    &mut |__wire: &str, __input: &mut #private::FieldInput<'_, '_>| -> bool {
                        match __wire {
                            #(#reads)*
                            _ => false,
                        }
                    },
                );
                match __meta {
                    ::core::option::Option::Some(__meta) => {
                        __session.__sessionkit = __meta;
                        ::core::result::Result::Ok(__session)
                    }
                    ::core::option::Option::None => ::core::result::Result::Ok(
                        <Self as #krate::SessionData>::from_dict(
                            #private::parse_session_json(__json, __max_depth)?,
                        )?,
                    ),
                }
            }

            fn write_json(
                &self,
                out: &mut ::std::vec::Vec<u8>,
                max_depth: usize,
            ) -> ::core::result::Result<(), #private::EncodeError> {
                #(#lets)*
                #private::write_session(out, &self.__sessionkit, &[#(#wires),*], max_depth)
            }

            fn is_empty_session(&self) -> bool {
                self.__sessionkit.is_empty_with(&[#(#present),*])
            }

            fn is_permanent_session(&self) -> bool {
                self.__sessionkit.is_permanent()
            }

            fn get_key(&self, key: &str) -> ::core::option::Option<#private::Value> {
                match key {
                    #(#get_arms)*
                    _ => self.__sessionkit.extra_get(key),
                }
            }

            fn set_key(
                &mut self,
                key: &str,
                value: #private::Value,
            ) -> ::core::result::Result<(), #private::SessionDataError> {
                match key {
                    #(#set_arms)*
                    _ => {
                        self.__sessionkit.extra_set(key, value);
                        ::core::result::Result::Ok(())
                    }
                }
            }

            fn state(&self) -> &#private::SessionState {
                self.__sessionkit.state()
            }

            fn state_mut(&mut self) -> &mut #private::SessionState {
                self.__sessionkit.state_mut()
            }

            fn default_config() -> #private::SessionConfig {
                #config
            }
        }
    }
}
