//! The `#[session]` attribute macro of sessionkit (not implemented yet: this
//! crate is a placeholder so the workspace has its final shape).
