//! Python's own rules, which Flask's bytes follow: `int` (arbitrary
//! precision, `int()` parsing, the digit limit), `str` (code points,
//! lone surrogates: [`PyString`](str::PyString)), `float` (`repr`) and
//! `datetime` ([`DateTime`](datetime::DateTime), Werkzeug's `http_date`).
//! Leaves: nothing here imports from the rest of the codec.

pub(crate) mod datetime;
pub(crate) mod float;
pub(crate) mod int;
pub(crate) mod str;
