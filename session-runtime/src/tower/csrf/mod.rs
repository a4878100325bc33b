//! The CSRF middleware: [`CsrfLayer`] makes [`CsrfService`]s, whose calls
//! return a [`CsrfFuture`]. The check itself is [`crate::csrf`]'s.

mod future;
mod layer;
mod service;

pub use future::CsrfFuture;
pub use layer::CsrfLayer;
pub use service::CsrfService;
