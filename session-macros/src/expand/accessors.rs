//! The per-field accessors and the whole-session methods.

use proc_macro2::TokenStream;
use quote::quote;

use super::default_expr;
use crate::model::{Model, method_ident};

pub(super) fn expand(model: &Model, private: &TokenStream) -> TokenStream {
    let Model {
        vis, ident, fields, ..
    } = model;
    let per_field = fields.iter().map(|f| {
        let (field, ty, wire, name) = (&f.ident, &f.ty, &f.wire, &f.name);
        let span = f.ident.span();
        let getter = field.clone();
        let setter = method_ident(&format!("set_{name}"), span);
        let mutter = method_ident(&format!("{name}_mut"), span);
        let taker = method_ident(&format!("take_{name}"), span);
        let default = default_expr(f);
        let docs = if f.docs.is_empty() {
            let line = format!(" The `{wire}` session key.");
            quote!(#[doc = #line])
        } else {
            let docs = &f.docs;
            quote!(#(#docs)*)
        };
        let key_line = format!(" Session key: `{wire}`. Reading marks the session accessed.");
        let set_doc = format!(" Sets [`{name}`](Self::{name}) (session key `{wire}`); marks the session modified.");
        let mut_doc = format!(
            " [`{name}`](Self::{name}) for changing in place (session key `{wire}`); marks the session modified."
        );
        let take_doc = format!(
            " Removes the `{wire}` key and returns its value (the default if absent), like Flask's \
             `session.pop()`: marks the session modified only if the key was present."
        );
        quote! {
            #docs
            #[doc = ""]
            #[doc = #key_line]
            #vis fn #getter(&self) -> &#ty {
                #private::read(&self.__sessionkit, &self.#field)
            }

            #[doc = #set_doc]
            #vis fn #setter(&mut self, value: #ty) {
                #private::write(&mut self.__sessionkit, &mut self.#field, #wire, value)
            }

            #[doc = #mut_doc]
            #vis fn #mutter(&mut self) -> &mut #ty {
                #private::write_mut(&mut self.__sessionkit, &mut self.#field, #wire)
            }

            #[doc = #take_doc]
            #vis fn #taker(&mut self) -> #ty {
                #private::take(&mut self.__sessionkit, &mut self.#field, #wire, #default)
            }
        }
    });
    let resets = fields.iter().map(|f| {
        let field = &f.ident;
        let d = default_expr(f);
        quote!(self.#field = #private::Slot::absent(#d);)
    });
    let present = fields.iter().map(|f| {
        let field = &f.ident;
        quote!(self.#field.is_present())
    });
    quote! {
        #[allow(dead_code, clippy::all, clippy::pedantic)]
        impl #ident {
            #(#per_field)*

            /// Removes every key (declared or not); marks the session
            /// modified, so saving deletes the cookie.
            #vis fn clear(&mut self) {
                if #private::clear(&mut self.__sessionkit) {
                    #(#resets)*
                }
            }

            /// Whether no key would be written. Marks the session accessed.
            #vis fn is_empty(&self) -> bool {
                #private::touch(&self.__sessionkit);
                self.__sessionkit.is_empty_with(&[#(#present),*])
            }

            /// Whether the session did not come from a valid cookie.
            #vis fn is_new(&self) -> bool {
                self.__sessionkit.state().is_new()
            }

            /// Whether the session was written during this request.
            #vis fn is_modified(&self) -> bool {
                self.__sessionkit.state().is_modified()
            }

            /// Whether the session is permanent (the `_permanent` key): its
            /// cookie then expires after the configured lifetime instead of
            /// with the browser session. Marks the session accessed.
            #vis fn is_permanent(&self) -> bool {
                #private::touch(&self.__sessionkit);
                self.__sessionkit.is_permanent()
            }

            /// Makes the session permanent or not (stores `_permanent`);
            /// marks the session modified.
            #vis fn set_permanent(&mut self, permanent: bool) {
                #private::set_permanent(&mut self.__sessionkit, permanent)
            }
        }
    }
}
