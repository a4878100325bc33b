//! A `tracing` subscriber that formats every event (to a sink), so that the
//! `sessionkit` log lines written for hostile input are fuzzed with it.

use std::sync::Once;

static LOGGING: Once = Once::new();

/// Installs the subscriber once per process.
pub fn format_every_event() {
    LOGGING.call_once(|| {
        tracing_subscriber::fmt()
            .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
            .with_writer(std::io::sink)
            .init();
    });
}
