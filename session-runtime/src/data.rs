//! [`SessionData`], what a session type provides to the runtime, and
//! [`DynamicSession`], the dict-like session for code without a struct.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::codec::{
    DeError, DecodeError, Dict, EncodeError, PyString, Value, from_value, parse_session_json,
    to_value,
};
use crate::config::SessionConfig;
use crate::state::SessionState;

/// The key Flask stores the permanent flag under.
pub const PERMANENT_KEY: &str = "_permanent";

/// What a session type provides to the runtime: conversion from and to the
/// cookie's dict, emptiness, permanence and its [`SessionState`].
///
/// Implemented by structs declared with `#[session]` and by
/// [`DynamicSession`]. The methods here never mark the session accessed: they
/// are the runtime's view, as Flask's own save step is.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a session type",
    label = "declare it with `#[sessionkit::session]`, or use `DynamicSession`"
)]
pub trait SessionData: Default + Send + 'static {
    /// Builds the session from an opened cookie's dict. Keys the type does
    /// not declare must be kept and written back unchanged.
    ///
    /// # Errors
    ///
    /// [`SessionDataError`] when a value does not fit its field; the runtime
    /// then starts a fresh session (and logs why).
    fn from_dict(dict: Dict) -> Result<Self, SessionDataError>;

    /// Builds the session from a verified cookie's payload: Flask's tagged
    /// JSON text. The default parses it into a [`Dict`] and calls
    /// [`SessionData::from_dict`]; `#[session]` structs read their declared
    /// fields straight from the text into their types (with the same
    /// result).
    ///
    /// # Errors
    ///
    /// [`OpenError::Decode`] for a payload that is not a session (invalid
    /// JSON or tags, not a dict, deeper than `max_depth`),
    /// [`OpenError::Data`] from [`SessionData::from_dict`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_runtime::{DynamicSession, SessionData};
    ///
    /// let s = DynamicSession::from_json(br#"{"user":"ada"}"#, 64)?;
    /// assert_eq!(s.get_as::<String>("user").unwrap()?, "ada");
    /// assert!(DynamicSession::from_json(b"[1]", 64).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn from_json(json: &[u8], max_depth: usize) -> Result<Self, OpenError> {
        Ok(Self::from_dict(parse_session_json(json, max_depth)?)?)
    }

    /// Writes the session as Flask's tagged JSON (keys sorted), the bytes the
    /// cookie will carry.
    ///
    /// # Errors
    ///
    /// [`EncodeError`] if a value cannot be written.
    fn write_json(&self, out: &mut Vec<u8>, max_depth: usize) -> Result<(), EncodeError>;

    /// Whether no key would be written (then saving deletes the cookie, or
    /// sends nothing if the session was not modified).
    fn is_empty_session(&self) -> bool;

    /// Whether `_permanent` is set (truthy).
    fn is_permanent_session(&self) -> bool;

    /// The value stored under a wire key (a declared field if present, or a
    /// kept key), without marking the session accessed.
    fn get_key(&self, key: &str) -> Option<Value>;

    /// Stores a value under a wire key (into the declared field if there is
    /// one); marks the session modified (refused on a null session).
    ///
    /// # Errors
    ///
    /// [`SessionDataError`] if the value does not fit the declared field.
    fn set_key(&mut self, key: &str, value: Value) -> Result<(), SessionDataError>;

    /// The session's state flags.
    fn state(&self) -> &SessionState;

    /// The session's state flags, mutably.
    fn state_mut(&mut self) -> &mut SessionState;

    /// The type's default configuration (the `#[session(...)]` container
    /// options); the secret key is set at run time.
    fn default_config() -> SessionConfig {
        SessionConfig::default()
    }

    /// A null session: reads as empty (defaults), refuses writes.
    fn null() -> Self {
        let mut s = Self::default();
        *s.state_mut() = SessionState::null();
        s
    }
}

/// Why a verified cookie payload did not open into a session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The payload is not a session (see [`DecodeError`]).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A value did not fit the session type.
    #[error(transparent)]
    Data(#[from] SessionDataError),
}

/// A session's data did not fit its type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("session key {key:?} does not fit its field: {source}")]
pub struct SessionDataError {
    /// The key on the wire.
    pub key: String,
    /// Why.
    #[source]
    pub source: DeError,
}

/// A dict-like session: string keys to [`Value`]s, for code that does not
/// declare a session struct (Flask's `session` object).
///
/// Reads mark the session accessed; writes mark it modified. `get_mut`
/// counts as a write (unlike Flask, where an in-place change of a nested
/// value is silently not saved). On a null session reads see nothing and
/// writes are refused: the save step reports them.
///
/// ```
/// use session_runtime::{DynamicSession, SessionData};
///
/// let mut s = DynamicSession::default();
/// s.insert("user", "ada");
/// s.set_permanent(true);
/// assert_eq!(s.get_as::<String>("user").unwrap().unwrap(), "ada");
/// assert!(s.state().is_modified() && s.is_permanent_session());
/// assert_eq!(s.remove("nope"), None);
/// ```
#[derive(Debug, Clone, Default)]
pub struct DynamicSession {
    dict: Dict,
    state: SessionState,
}

impl DynamicSession {
    /// A session loaded with `dict` (state: loaded, untouched).
    pub fn from_loaded(dict: Dict) -> Self {
        DynamicSession {
            dict,
            state: SessionState::loaded(),
        }
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.state.mark_accessed();
        self.dict.get(key)
    }

    /// The value under `key` converted to `T` (`None` if absent).
    pub fn get_as<T: DeserializeOwned>(&self, key: &str) -> Option<Result<T, DeError>> {
        self.get(key).map(|v| from_value(v.clone()))
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.state.mark_accessed();
        self.dict.contains_key(key)
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.state.mark_accessed();
        self.dict.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.state.mark_accessed();
        self.dict.is_empty()
    }

    /// The whole dict.
    pub fn dict(&self) -> &Dict {
        self.state.mark_accessed();
        &self.dict
    }

    /// The whole dict **without** marking the session accessed: for
    /// middleware and tests that observe the session without being part of
    /// the response's dependence on it (no `Vary: Cookie`).
    pub fn dict_untracked(&self) -> &Dict {
        &self.dict
    }

    /// Sets `key` (always marks modified, even for an equal value, as Flask).
    /// Refused on a null session (returns `None`, recorded for the save step).
    pub fn insert(&mut self, key: impl Into<PyString>, value: impl Into<Value>) -> Option<Value> {
        if !self.state.mark_modified() {
            return None;
        }
        self.dict.insert(key, value)
    }

    /// Sets `key` to a serialisable value.
    ///
    /// # Errors
    ///
    /// [`EncodeError`] if `value` cannot be represented.
    pub fn insert_as<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<Option<Value>, EncodeError> {
        let v = to_value(value)?;
        Ok(self.insert(key, v))
    }

    /// The value under `key`, to change in place; counts as a write.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        if !self.dict.contains_key(key) {
            self.state.mark_accessed();
            return None;
        }
        if !self.state.mark_modified() {
            return None;
        }
        self.dict.get_mut(key)
    }

    /// Removes `key` (Flask's `pop`): marks modified only if it was present.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        if !self.dict.contains_key(key) {
            self.state.mark_accessed();
            return None;
        }
        if !self.state.mark_modified() {
            return None;
        }
        self.dict.remove(key)
    }

    /// Removes every key (marks modified even when already empty, as Flask).
    pub fn clear(&mut self) {
        if self.state.mark_modified() {
            self.dict.clear();
        }
    }

    /// The value under `key`, inserting `default` first if it is missing
    /// (Flask's `setdefault`: modified only when it inserts).
    pub fn set_default(&mut self, key: &str, default: impl Into<Value>) -> Option<&Value> {
        if !self.dict.contains_key(key) && !self.state.mark_modified() {
            return None;
        }
        self.state.mark_accessed();
        if !self.dict.contains_key(key) {
            self.dict.insert(key, default);
        }
        self.dict.get(key)
    }

    /// Whether the session is permanent (`_permanent` is truthy).
    pub fn is_permanent(&self) -> bool {
        self.get(PERMANENT_KEY).is_some_and(Value::is_truthy)
    }

    /// Sets `_permanent` to `value` (a real bool, like Flask).
    pub fn set_permanent(&mut self, value: bool) {
        self.insert(PERMANENT_KEY, value);
    }
}

impl SessionData for DynamicSession {
    fn from_dict(dict: Dict) -> Result<Self, SessionDataError> {
        Ok(Self::from_loaded(dict))
    }

    fn write_json(&self, out: &mut Vec<u8>, max_depth: usize) -> Result<(), EncodeError> {
        crate::codec::write_session_json(out, &self.dict, max_depth)
    }

    fn is_empty_session(&self) -> bool {
        self.dict.is_empty()
    }

    fn get_key(&self, key: &str) -> Option<Value> {
        self.dict.get(key).cloned()
    }

    fn set_key(&mut self, key: &str, value: Value) -> Result<(), SessionDataError> {
        self.insert(key, value);
        Ok(())
    }

    fn is_permanent_session(&self) -> bool {
        self.dict.get(PERMANENT_KEY).is_some_and(Value::is_truthy)
    }

    fn state(&self) -> &SessionState {
        &self.state
    }

    fn state_mut(&mut self) -> &mut SessionState {
        &mut self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flask_modification_rules() {
        let loaded: Dict = [("a", 1)].into_iter().collect();
        let s = DynamicSession::from_loaded(loaded.clone());
        assert!(!s.state().is_accessed());
        let _ = s.get("a");
        assert!(s.state().is_accessed() && !s.state().is_modified());

        let mut s = DynamicSession::from_loaded(loaded.clone());
        assert_eq!(s.remove("missing"), None);
        assert!(
            s.state().is_accessed() && !s.state().is_modified(),
            "pop of a missing key"
        );
        let _ = s.set_default("a", 5);
        assert!(!s.state().is_modified(), "setdefault of a present key");
        let _ = s.set_default("b", 5);
        assert!(s.state().is_modified(), "setdefault of a missing key");

        let mut s = DynamicSession::default();
        s.clear();
        assert!(s.state().is_modified(), "clear of an empty session");
        assert!(s.state().is_new());
    }

    #[test]
    fn null_session_refuses_writes_and_remembers() {
        let mut s = DynamicSession::null();
        assert_eq!(s.get("a"), None);
        assert!(!s.state().refused_write());
        s.insert("a", 1);
        assert!(s.state().refused_write());
        assert!(s.is_empty_session(), "the write was not applied");
        assert!(!s.state().is_modified());
    }
}
