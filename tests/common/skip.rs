//! The one way a test skips for want of something this machine may lack (root, a
//! tool, a server): it says `SKIPPED: <test>: <reason>` on stderr, past the harness's
//! capture, so a plain `cargo test` shows what did not run; and when the matching
//! `WR_REQUIRE_*` is 1 (./scripts/test sets them all) it fails instead, so CI skips
//! nothing.

use std::io::Write;

/// What a test may need, each with the variable that makes it required.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    /// Mounting a tmpfs, handing a directory to the postgres user.
    Root,
    /// The PostgreSQL server, or the binaries for a private cluster.
    Postgres,
    /// Headless Chromium.
    Browser,
    /// Prometheus, node_exporter, Alertmanager.
    Prometheus,
    /// moto, for AWS.
    Moto,
}

impl Need {
    pub fn variable(self) -> &'static str {
        match self {
            Need::Root => "WR_REQUIRE_ROOT",
            Need::Postgres => "WR_REQUIRE_POSTGRES",
            Need::Browser => "WR_REQUIRE_BROWSER",
            Need::Prometheus => "WR_REQUIRE_PROMETHEUS",
            Need::Moto => "WR_REQUIRE_MOTO",
        }
    }
}

/// Says that the running test skips, and why; panics instead when `need` is required.
/// The test's name is its thread's (the harness names each test's thread).
pub fn skip(need: Need, reason: &str) {
    let current = std::thread::current();
    let test = current.name().unwrap_or("a test");
    let var = need.variable();
    if std::env::var(var).as_deref() == Ok("1") {
        panic!("{test}: {reason}; required here ({var}=1)");
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED: {test}: {reason}");
}
