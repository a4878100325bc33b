//! The session middleware: [`SessionLayer`] makes [`SessionService`]s,
//! whose calls return a [`SessionFuture`].

mod future;
mod layer;
mod service;

pub use future::SessionFuture;
pub use layer::SessionLayer;
pub use service::SessionService;
