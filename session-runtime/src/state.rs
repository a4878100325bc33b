//! [`SessionState`]: the flags Flask keeps beside a session's data.

use std::sync::atomic::{AtomicBool, Ordering};

/// The message Flask raises when a null session is written to.
pub const NULL_SESSION_MESSAGE: &str = "The session is unavailable because no secret key was set.  \
     Set the secret_key on the application to something unique and secret.";

/// Flags beside a session's data, as in Flask's `SecureCookieSession`:
///
/// - **new**: the session did not come from a valid cookie (Flask's cookie
///   sessions always say `False` here; sessionkit tells you whether one was
///   loaded);
/// - **accessed**: it was read or written during the request (adds
///   `Vary: Cookie`);
/// - **modified**: it was written (assignment, removal, clear), so it is saved;
/// - **null**: it is a null session (no secret key): reads see nothing and
///   writes are refused — see [`SessionState::refused_write`].
///
/// *Permanent* is not a flag here: like Flask it is the `_permanent` key in
/// the data.
///
/// ```
/// use sessionkit::interface::SessionState;
///
/// let mut s = SessionState::new_session();
/// assert!(s.is_new() && !s.is_accessed() && !s.is_modified());
/// s.mark_modified();
/// assert!(s.is_accessed() && s.is_modified());
/// ```
#[derive(Debug)]
pub struct SessionState {
    new: bool,
    accessed: AtomicBool,
    modified: bool,
    null: bool,
    refused_write: bool,
}

impl Default for SessionState {
    /// A new session's state.
    fn default() -> Self {
        Self::new_session()
    }
}

impl Clone for SessionState {
    fn clone(&self) -> Self {
        SessionState {
            new: self.new,
            accessed: AtomicBool::new(self.is_accessed()),
            modified: self.modified,
            null: self.null,
            refused_write: self.refused_write,
        }
    }
}

impl SessionState {
    /// The state of a session that did not come from a cookie.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::interface::SessionState;
    ///
    /// let s = SessionState::new_session();
    /// assert!(s.is_new() && !s.is_null() && !s.is_modified());
    /// ```
    pub fn new_session() -> Self {
        SessionState {
            new: true,
            accessed: AtomicBool::new(false),
            modified: false,
            null: false,
            refused_write: false,
        }
    }

    /// The state of a session loaded from a valid cookie.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::interface::SessionState;
    ///
    /// let s = SessionState::loaded();
    /// assert!(!s.is_new() && !s.is_accessed());
    /// ```
    pub fn loaded() -> Self {
        SessionState {
            new: false,
            ..Self::new_session()
        }
    }

    /// The state of a null session.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::interface::SessionState;
    ///
    /// let mut s = SessionState::null();
    /// assert!(s.is_null());
    /// assert!(!s.mark_modified()); // writes are refused
    /// assert!(s.refused_write());
    /// ```
    pub fn null() -> Self {
        SessionState {
            null: true,
            ..Self::new_session()
        }
    }

    /// Whether the session did not come from a valid cookie.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::{DynamicSession, SessionData};
    ///
    /// // A session that did not come from a cookie (Flask's `session.new`).
    /// assert!(DynamicSession::default().state().is_new());
    /// ```
    pub fn is_new(&self) -> bool {
        self.new
    }

    /// Whether the session was read or written.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::{DynamicSession, SessionData};
    ///
    /// let s = DynamicSession::default();
    /// assert!(!s.state().is_accessed());
    /// let _ = s.get("user"); // a read: the response will carry `Vary: Cookie`
    /// assert!(s.state().is_accessed());
    /// ```
    pub fn is_accessed(&self) -> bool {
        self.accessed.load(Ordering::Relaxed)
    }

    /// Whether the session was written.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::{DynamicSession, SessionData};
    ///
    /// let mut s = DynamicSession::default();
    /// let _ = s.get("user");
    /// assert!(!s.state().is_modified());
    /// s.insert("user", "ada");
    /// assert!(s.state().is_modified());
    /// ```
    pub fn is_modified(&self) -> bool {
        self.modified
    }

    /// Whether this is a null session.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::{DynamicSession, SessionData};
    ///
    /// assert!(DynamicSession::null().state().is_null());
    /// assert!(!DynamicSession::default().state().is_null());
    /// ```
    pub fn is_null(&self) -> bool {
        self.null
    }

    /// Whether a write to this null session was refused (the save step turns
    /// that into an error: a write is never dropped silently).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::{DynamicSession, SessionData};
    ///
    /// let mut s = DynamicSession::null();
    /// assert!(!s.state().refused_write());
    /// s.insert("n", 1);
    /// assert!(s.state().refused_write());
    /// ```
    pub fn refused_write(&self) -> bool {
        self.refused_write
    }

    /// Records a read. Takes `&self` because reads do.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::interface::SessionState;
    ///
    /// let s = SessionState::loaded();
    /// s.mark_accessed();
    /// assert!(s.is_accessed() && !s.is_modified());
    /// ```
    pub fn mark_accessed(&self) {
        self.accessed.store(true, Ordering::Relaxed);
    }

    /// Records a write. Returns `false` — and records the refusal — for a
    /// null session, whose data must then stay untouched.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::interface::SessionState;
    ///
    /// let mut s = SessionState::loaded();
    /// assert!(s.mark_modified());
    /// assert!(s.is_modified() && s.is_accessed());
    /// ```
    #[must_use = "a null session refuses writes: do not apply it when this is false"]
    pub fn mark_modified(&mut self) -> bool {
        self.mark_accessed();
        if self.null {
            self.refused_write = true;
            return false;
        }
        self.modified = true;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(s: &SessionState) -> [bool; 5] {
        [
            s.is_new(),
            s.is_accessed(),
            s.is_modified(),
            s.is_null(),
            s.refused_write(),
        ]
    }

    #[test]
    fn a_clone_keeps_every_flag() {
        let read = SessionState::loaded();
        read.mark_accessed();
        let mut written = SessionState::new_session();
        assert!(written.mark_modified());
        let mut refused = SessionState::null();
        assert!(!refused.mark_modified());
        for s in [
            SessionState::new_session(),
            SessionState::loaded(),
            read,
            written,
            SessionState::null(),
            refused,
        ] {
            assert_eq!(flags(&s.clone()), flags(&s), "{s:?}");
        }
    }
}
