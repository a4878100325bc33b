//! [`Session`]: the typed-session extractor the framework adapters share
//! (each adds only its framework's extractor impl).

use std::fmt;

use crate::data::SessionData;
use crate::lifecycle::{SessionGuard, SessionHandle, SessionUnavailable};

/// The extractor for the request's typed session, in axum
/// ([`sessionkit::axum::Session`](crate::axum)) and actix-web
/// ([`sessionkit::actix::Session`](crate::actix)) alike: the same type, so
/// code that takes a `Session<T>` serves both.
///
/// ```
/// use sessionkit::axum::Session;
/// use sessionkit::DynamicSession;
///
/// async fn handler(session: Session<DynamicSession>) -> String {
///     let visits = session.lock().get_as::<u64>("visits").and_then(Result::ok).unwrap_or(0);
///     format!("{visits}")
/// }
/// ```
pub struct Session<S>(pub(crate) SessionHandle<S>);

impl<S> fmt::Debug for Session<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Session").field(&self.0).finish()
    }
}

impl<S> Clone for Session<S> {
    fn clone(&self) -> Self {
        Session(self.0.clone())
    }
}

impl<S: SessionData> Session<S> {
    /// Locks the session (opening it on first use). Do not hold the guard
    /// across an `.await`: it is not `Send`, so axum rejects such handlers.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::axum::Session;
    /// use sessionkit::DynamicSession;
    ///
    /// async fn add_to_cart(session: Session<DynamicSession>) -> String {
    ///     let items = {
    ///         let mut s = session.lock();
    ///         let items = s.get_as::<u64>("items").and_then(Result::ok).unwrap_or(0) + 1;
    ///         s.insert("items", items);
    ///         items
    ///     }; // the guard is dropped here, before any `.await`
    ///     format!("{items} items")
    /// }
    /// ```
    pub fn lock(&self) -> SessionGuard<'_, S> {
        self.0.lock()
    }

    /// The underlying handle.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::axum::Session;
    /// use sessionkit::DynamicSession;
    ///
    /// async fn peek(session: Session<DynamicSession>) -> &'static str {
    ///     // Not opened until first locked (a request without a cookie pays nothing).
    ///     if session.handle().is_opened() { "opened" } else { "not yet" }
    /// }
    /// ```
    pub fn handle(&self) -> &SessionHandle<S> {
        &self.0
    }

    /// What the extractors do: load a server-side session from its store
    /// (nothing to do for a cookie session), then record the access
    /// (Flask's `Vary: Cookie`).
    pub(crate) async fn obtain(handle: SessionHandle<S>) -> Result<Self, SessionUnavailable> {
        handle.load().await?;
        handle.mark_obtained();
        Ok(Session(handle))
    }
}

/// `S`'s path as users write it: sessionkit's own types under the facade
/// crate (`sessionkit::DynamicSession`), not the internal crate that
/// defines them.
pub(crate) fn public_type_name<S>() -> String {
    let name = std::any::type_name::<S>();
    match name.strip_prefix("session_runtime::") {
        Some(rest) => format!("sessionkit::{}", rest.rsplit("::").next().unwrap_or(rest)),
        None => name.to_owned(),
    }
}
