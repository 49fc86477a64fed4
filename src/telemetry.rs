//! Logging: `tracing` with structured fields, as text or JSON on stderr. `RUST_LOG`
//! overrides the configured level. Secrets are never passed to log macros (config
//! values are `Secret`s, whose Debug form is masked).

use tracing_subscriber::EnvFilter;

use crate::config::LogConfig;

/// Sets up logging once; later calls are ignored (tests start several apps).
pub fn init(cfg: &LogConfig) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&cfg.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if cfg.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
