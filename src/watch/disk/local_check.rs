//! The local check: this machine's filesystems from its mount table and `statvfs`, the
//! fill rate from warroom's own samples (kept in the history), and the largest
//! directories named when a disk runs short of space.

use chrono::{DateTime, Utc};

use super::estimate::{self, bytes};
use super::judge::blind;
use super::local::{self, Mount};
use super::{DiskConfig, Fs, History, Kind, Run, evaluate};
use crate::domain::finding::{Finding, Sample};

/// Checks every watched filesystem of this machine, then drops samples too old to use.
pub(super) async fn run<H: History>(r: &Run<'_>, store: Option<&H>) -> Vec<Finding> {
    let host = local::hostname();
    let mounts = match watched_mounts(r.cfg) {
        Ok(m) => m,
        Err(e) => {
            return vec![blind(
                format!("disk:{host}:mounts"),
                host.clone(),
                format!("Cannot read the mount table of {host}: {e}"),
            )];
        }
    };
    let mut out = Vec::new();
    for m in mounts {
        let fs = match local::stat(&m, &host) {
            Ok(fs) => fs,
            Err(e) => {
                out.push(blind(
                    format!("disk:{host}:{}", m.dev),
                    format!("{} on {host}", m.mount),
                    format!("Cannot measure {} on {host}: {e}", m.mount),
                ));
                continue;
            }
        };
        for kind in [Kind::Space, Kind::Inodes] {
            out.extend(check(r, store, &fs, kind).await);
        }
    }
    if let Some(s) = store {
        s.prune_samples(r.now - r.window * 2).await;
    }
    out
}

/// The mounts the configuration selects from the mount table.
fn watched_mounts(cfg: &DiskConfig) -> std::io::Result<Vec<Mount>> {
    let text = std::fs::read_to_string("/proc/self/mountinfo")?;
    let sel = local::Selection {
        only: &cfg.mounts,
        exclude_mounts: &cfg.exclude_mounts,
        exclude_types: &cfg.exclude_types,
        include_readonly: cfg.include_readonly,
    };
    Ok(local::select(local::parse_mountinfo(&text), &sel))
}

/// Judges one kind of one filesystem (none when it has nothing of that kind), keeping
/// a sample of it; a disk short of space is judged again with its largest directories.
async fn check<H: History>(r: &Run<'_>, store: Option<&H>, fs: &Fs, kind: Kind) -> Option<Finding> {
    let (used, total) = fs.usage(kind);
    if total <= 0.0 {
        return None;
    }
    let key = fs.key(kind);
    let points = match store {
        Some(s) => sampled(s, &key, used, total, r).await,
        None => Vec::new(),
    };
    let growth = estimate::fill_rate(&points, total);
    let f = evaluate(fs, kind, growth, &r.judging(&key, &fs.mount, &[]));
    if !(f.level.is_bad() && kind == Kind::Space) {
        return Some(f);
    }
    // A bounded walk, but still blocking file system calls: off the runtime.
    let (c, x) = (r.cfg.clone(), fs.clone());
    let top = tokio::task::spawn_blocking(move || top_dirs(&c, &x))
        .await
        .unwrap_or_default();
    if top.is_empty() {
        return Some(f);
    }
    Some(evaluate(
        fs,
        kind,
        growth,
        &r.judging(&key, &fs.mount, &top),
    ))
}

/// Keeps this run's sample of `key` and returns the window's samples as (time, used).
async fn sampled<H: History>(
    s: &H,
    key: &str,
    used: f64,
    total: f64,
    r: &Run<'_>,
) -> Vec<(DateTime<Utc>, f64)> {
    s.add_sample(
        key,
        Sample {
            at: r.now,
            used: used as i64,
            size: total as i64,
        },
    )
    .await;
    let h = s.samples_since(key, r.now - r.window).await;
    h.iter().map(|x| (x.at, x.used as f64)).collect()
}

/// The largest directories under the configured paths that live on this filesystem.
fn top_dirs(cfg: &DiskConfig, fs: &Fs) -> Vec<String> {
    let mut out = Vec::new();
    use std::os::unix::fs::MetadataExt;
    let Ok(this) = std::fs::metadata(&fs.mount).map(|m| m.dev()) else {
        return out;
    };
    for p in &cfg.top_paths {
        let path = std::path::Path::new(p);
        // Only paths on this filesystem (the same device): `/var/lib/docker` on a
        // volume of its own says nothing about what fills `/`.
        if std::fs::metadata(path).map(|m| m.dev()).ok() != Some(this) {
            continue;
        }
        let (sizes, partial) = local::largest(path, cfg.top_entries.max(100));
        let listed: Vec<String> = sizes
            .iter()
            .map(|(p, s)| format!("`{}` {}", p.display(), bytes(*s as f64)))
            .collect();
        if !listed.is_empty() {
            out.push(format!(
                "{}{}",
                listed.join(", "),
                if partial { " (partial walk)" } else { "" }
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_device(a: &str, b: &str) -> bool {
        use std::os::unix::fs::MetadataExt;
        let dev = |p: &str| std::fs::metadata(p).map(|m| m.dev()).ok();
        dev(a).is_some() && dev(a) == dev(b)
    }

    #[test]
    fn largest_directories_come_only_from_the_same_filesystem() {
        let here = env!("CARGO_MANIFEST_DIR");
        let mut cfg = crate::config::Config::from_toml("").unwrap().watch.disk;
        cfg.top_paths = vec![format!("{here}/src"), "/proc".into()];
        let fs = Fs {
            host: "test".into(),
            device: "/dev/test".into(),
            // `/` when the project lives on it: every path starts with it, so only
            // the device tells /proc apart.
            mount: if same_device("/", here) {
                "/".into()
            } else {
                here.into()
            },
            fstype: "ext4".into(),
            size: 1.0,
            avail: 0.0,
            files: 1.0,
            files_free: 0.0,
            prometheus: false,
        };
        let top = top_dirs(&cfg, &fs);
        assert_eq!(top.len(), 1, "{top:?}");
        assert!(top[0].contains(&format!("`{here}/src/")), "{top:?}");
        assert!(
            !top[0].contains("/proc"),
            "another filesystem is not listed: {top:?}"
        );
    }
}
