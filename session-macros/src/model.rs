//! The parsed session struct: fields, wire names, defaults, options, spans.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt as _;
use syn::{Attribute, Data, DeriveInput, Expr, Fields, Ident, Type, Visibility};

use crate::attr::{ContainerOptions, FieldOptions};
use crate::ctxt::Ctxt;

/// One declared field.
pub(crate) struct FieldModel {
    /// The field as written (possibly raw, `r#type`).
    pub(crate) ident: Ident,
    /// The name without `r#`, for method names and the default wire key.
    pub(crate) name: String,
    pub(crate) ty: Type,
    /// `///` doc comments, carried to the accessors.
    pub(crate) docs: Vec<Attribute>,
    /// Other attributes (kept on the stored field).
    pub(crate) other_attrs: Vec<Attribute>,
    /// The key in the cookie.
    pub(crate) wire: String,
    /// Tokens to point at for wire-name errors (the `rename` value or the ident).
    pub(crate) wire_span: TokenStream,
    /// `default = EXPR`.
    pub(crate) default: Option<Expr>,
}

/// The whole session struct.
pub(crate) struct Model {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) ident: Ident,
    pub(crate) fields: Vec<FieldModel>,
    pub(crate) options: ContainerOptions,
    /// Whether the struct's shape can be expanded (no generics).
    pub(crate) expandable: bool,
}

impl Model {
    /// Builds the model, recording what is not supported in `ctxt`. `None`
    /// when the item is not a struct with named fields.
    pub(crate) fn from_input(
        ctxt: &mut Ctxt,
        input: &DeriveInput,
        options: ContainerOptions,
    ) -> Option<Model> {
        let named = match &input.data {
            Data::Struct(s) => match &s.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(f) => {
                    ctxt.error(
                        f,
                        "`#[session]` needs a struct with named fields, one per session key; \
                         this is a tuple struct: write `struct Name { field: Type, ... }`",
                    );
                    return None;
                }
                Fields::Unit => {
                    ctxt.error(
                        &input.ident,
                        "`#[session]` needs a struct with named fields, one per session key; \
                         this is a unit struct: add fields, or use `DynamicSession`",
                    );
                    return None;
                }
            },
            Data::Enum(e) => {
                ctxt.error(
                    e.enum_token,
                    "`#[session]` can only be applied to a struct with named fields, not an enum; \
                     use an enum as the type of a field instead",
                );
                return None;
            }
            Data::Union(u) => {
                ctxt.error(
                    u.union_token,
                    "`#[session]` can only be applied to a struct with named fields, not a union",
                );
                return None;
            }
        };
        let expandable = input.generics.params.is_empty() && input.generics.where_clause.is_none();
        if !expandable {
            ctxt.error(
                &input.generics,
                "session structs cannot have generic or lifetime parameters (a session owns its data \
                 and is opened for every request); use concrete owned types such as `String`",
            );
        }
        let fields = named
            .named
            .iter()
            .filter_map(|f| {
                let ident = f.ident.clone()?;
                let opts = FieldOptions::parse(ctxt, &f.attrs);
                if let Some((eq, expr)) = &f.default {
                    let mut tokens = eq.to_token_stream();
                    expr.to_tokens(&mut tokens);
                    ctxt.error(
                        tokens,
                        "field default values (`field: T = expr`) are not supported; write \
                         `#[session(default = expr)]` on the field instead",
                    );
                }
                let name = ident.unraw().to_string();
                let (wire, wire_span) = match &opts.rename {
                    Some(r) => (r.value.value(), r.span.clone()),
                    None => (name.clone(), ident.to_token_stream()),
                };
                let (docs, other_attrs) = f
                    .attrs
                    .iter()
                    .filter(|a| !a.path().is_ident("session"))
                    .filter(|a| {
                        // Refused and left out, so the struct emitted with
                        // the error keeps the field the generated code uses.
                        let which = ["cfg", "cfg_attr"]
                            .into_iter()
                            .find(|name| a.path().is_ident(name));
                        if let Some(name) = which {
                            ctxt.error(
                                a,
                                format!(
                                    "`#[{name}]` on a session field is not supported: the \
                                     accessors and the cookie code are generated for every \
                                     declared field and cannot follow it; declare the field \
                                     (and its attributes) unconditionally"
                                ),
                            );
                        }
                        which.is_none()
                    })
                    .cloned()
                    .partition(|a| a.path().is_ident("doc"));
                Some(FieldModel {
                    name,
                    ident,
                    ty: f.ty.clone(),
                    docs,
                    other_attrs,
                    wire,
                    wire_span,
                    default: opts.default.map(|d| d.value),
                })
            })
            .collect();
        Some(Model {
            attrs: input.attrs.clone(),
            vis: input.vis.clone(),
            ident: input.ident.clone(),
            fields,
            options,
            expandable,
        })
    }

    /// The path to the sessionkit crate in generated code.
    pub(crate) fn krate(&self) -> syn::Path {
        self.options
            .krate
            .as_ref()
            .map_or_else(default_krate, |k| k.value.clone())
    }
}

/// `::sessionkit`, the path used when no `crate = "..."` is given.
pub(crate) fn default_krate() -> syn::Path {
    syn::parse_quote!(::sessionkit)
}

/// An identifier for a generated method, unrawed and re-rawed if needed.
pub(crate) fn method_ident(name: &str, span: Span) -> Ident {
    syn::parse_str::<Ident>(name)
        .map(|mut i| {
            i.set_span(span);
            i
        })
        .unwrap_or_else(|_| Ident::new_raw(name, span))
}
