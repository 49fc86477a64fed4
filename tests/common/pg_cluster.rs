//! A private PostgreSQL cluster (`initdb`, `pg_ctl`) on a port of its own, which a test
//! may stop and start again: the shared server is never touched. Needs root (to run
//! the server as the `postgres` user) and Debian's PostgreSQL binaries.

use std::path::PathBuf;
use std::process::Command;

use super::skip::{Need, skip};

pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn as_postgres(cmd: &str, args: &[&str]) -> bool {
    Command::new("runuser")
        .args(["-u", "postgres", "--", cmd])
        .args(args)
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl PgCluster {
    /// Creates and starts a cluster, or None where that is impossible: the test skips
    /// (see [`super::skip`]; a failure with WR_REQUIRE_POSTGRES=1 or WR_REQUIRE_ROOT=1).
    pub fn start() -> Option<PgCluster> {
        let cannot = |need: Need, why: &str| {
            skip(need, &format!("no private PostgreSQL cluster: {why}"));
            None
        };
        let Some(bin) = bin_dir() else {
            return cannot(Need::Postgres, "no initdb under /usr/lib/postgresql");
        };
        let dir = tempfile::Builder::new()
            .prefix("warroom-pg")
            .tempdir()
            .ok()?;
        let chown = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !chown {
            return cannot(
                Need::Root,
                "cannot hand a directory to the postgres user (not root?)",
            );
        }
        let data = dir.path().join("data");
        let initdb = bin.join("initdb");
        let ok = as_postgres(
            initdb.to_str()?,
            &[
                "-D",
                data.to_str()?,
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        if !ok {
            return cannot(Need::Postgres, "initdb failed");
        }
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").ok()?;
            l.local_addr().ok()?.port()
        };
        let c = PgCluster { dir, bin, port };
        if !c.run_ctl(&["start", "-w", "-t", "30"]) {
            return cannot(Need::Postgres, "pg_ctl start failed");
        }
        Some(c)
    }

    fn run_ctl(&self, args: &[&str]) -> bool {
        let data = self.dir.path().join("data");
        let log = self.dir.path().join("server.log");
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let ctl = self.bin.join("pg_ctl");
        let mut all = vec![
            "-D",
            data.to_str().unwrap_or_default(),
            "-l",
            log.to_str().unwrap_or_default(),
            "-o",
            &opts,
        ];
        all.extend_from_slice(args);
        as_postgres(ctl.to_str().unwrap_or_default(), &all)
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server at once, as a crash or an operator would.
    pub fn stop(&self) {
        assert!(
            self.run_ctl(&["stop", "-m", "immediate", "-w"]),
            "pg_ctl stop"
        );
    }

    /// Starts it again.
    pub fn restart(&self) {
        assert!(self.run_ctl(&["start", "-w", "-t", "30"]), "pg_ctl start");
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = self.run_ctl(&["stop", "-m", "immediate", "-w"]);
    }
}
