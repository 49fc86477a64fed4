//! The Prometheus check: many machines' filesystems from node_exporter's metrics, the
//! fill rate from `query_range` over the sample window. Prometheus answering is a
//! finding of its own, and so is a filesystem that stopped reporting.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};

use super::estimate;
use super::judge::blind;
use super::{Fs, Kind, PromDisk, Run, WATCHER, evaluate};
use crate::domain::finding::{Finding, Level};
use crate::watch::prometheus::{PromError, Prometheus, Series};

/// A filesystem in the metrics: (instance, device).
type Ident = (String, String);

/// What the queries answered: latest values, and the free space over the window.
struct Answers {
    avail: Vec<Series>,
    size: Vec<Series>,
    files_free: Vec<Series>,
    files: Vec<Series>,
    readonly: Vec<Series>,
    avail_hist: Vec<Series>,
    files_hist: Vec<Series>,
}

/// Checks every filesystem Prometheus reports, and those it reported before.
pub(super) async fn run(r: &Run<'_>, known: &BTreeSet<String>) -> Vec<Finding> {
    let p = &r.cfg.prometheus;
    let url = &p.access.url;
    let prom = match Prometheus::connect(&p.access) {
        Ok(c) => c,
        Err(e) => {
            return vec![blind(source_key(url), source_name(url), e.to_string())];
        }
    };
    let answers = match fetch(&prom, p, r.window, r.now).await {
        Ok(a) => a,
        Err(e) => {
            let mut f = blind(source_key(url), source_name(url), e.to_string());
            f.facts.insert("prometheus".into(), 1.0);
            return vec![f];
        }
    };
    let mut out = vec![source_answers(url)];
    let mut seen = BTreeSet::new();
    for (k, fs) in filesystems(&answers, r.cfg.include_readonly) {
        for f in judge(r, &answers, &k, &fs) {
            seen.insert(f.key.clone());
            out.push(f);
        }
    }
    out.extend(vanished(known, &seen));
    out
}

fn source_key(url: &str) -> String {
    format!("disk:prometheus:{url}")
}

fn source_name(url: &str) -> String {
    format!("Prometheus at {url}")
}

/// The finding that Prometheus answers.
fn source_answers(url: &str) -> Finding {
    let mut f = Finding::new(
        WATCHER,
        source_key(url),
        source_name(url),
        Level::Ok,
        format!("Prometheus at {url} answers"),
    );
    f.facts.insert("prometheus".into(), 1.0);
    f
}

/// Runs the configured queries, one after the other; an empty query is not asked.
async fn fetch(
    prom: &Prometheus,
    p: &PromDisk,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<Answers, PromError> {
    let avail = prom.query(&p.avail, now).await?;
    let size = prom.query(&p.size, now).await?;
    let files_free = query_if_set(prom, &p.files_free, now).await?;
    let files = query_if_set(prom, &p.files, now).await?;
    let readonly = query_if_set(prom, &p.readonly, now).await?;
    let step = (window / 60).max(Duration::seconds(15));
    let avail_hist = prom.query_range(&p.avail, now - window, now, step).await?;
    let files_hist = if p.files_free.is_empty() {
        vec![]
    } else {
        prom.query_range(&p.files_free, now - window, now, step)
            .await?
    };
    Ok(Answers {
        avail,
        size,
        files_free,
        files,
        readonly,
        avail_hist,
        files_hist,
    })
}

async fn query_if_set(
    prom: &Prometheus,
    q: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Series>, PromError> {
    if q.is_empty() {
        Ok(vec![])
    } else {
        prom.query(q, now).await
    }
}

fn key_of(s: &Series) -> Ident {
    (
        s.label("instance").to_string(),
        s.label("device").to_string(),
    )
}

/// Latest value per (instance, device), keeping the shortest mount point of each.
fn latest(series: &[Series]) -> BTreeMap<Ident, (String, String, f64)> {
    let mut out: BTreeMap<Ident, (String, String, f64)> = BTreeMap::new();
    for s in series {
        let Some(v) = s.value() else { continue };
        let mount = s.label("mountpoint").to_string();
        let e = out
            .entry(key_of(s))
            .or_insert((mount.clone(), s.label("fstype").to_string(), v));
        if mount.len() < e.0.len() {
            *e = (mount, s.label("fstype").to_string(), v);
        }
    }
    out
}

/// The filesystems with both free space and size; read-only ones only when asked for.
fn filesystems(a: &Answers, include_readonly: bool) -> Vec<(Ident, Fs)> {
    let (avail, size, files_free, files) = (
        latest(&a.avail),
        latest(&a.size),
        latest(&a.files_free),
        latest(&a.files),
    );
    let ro: BTreeSet<Ident> = a
        .readonly
        .iter()
        .filter(|s| s.value() == Some(1.0))
        .map(key_of)
        .collect();
    let mut out = Vec::new();
    for (k, (mount, fstype, av)) in avail {
        if ro.contains(&k) && !include_readonly {
            continue;
        }
        let Some((_, _, sz)) = size.get(&k) else {
            continue;
        };
        let fs = Fs {
            host: k.0.clone(),
            device: k.1.clone(),
            mount,
            fstype,
            size: *sz,
            avail: av,
            files: files.get(&k).map(|x| x.2).unwrap_or(0.0),
            files_free: files_free.get(&k).map(|x| x.2).unwrap_or(0.0),
            prometheus: true,
        };
        out.push((k, fs));
    }
    out
}

/// The samples of `k` in a range answer (its longest series).
fn history(series: &[Series], k: &Ident) -> Vec<(DateTime<Utc>, f64)> {
    series
        .iter()
        .filter(|s| &key_of(s) == k)
        .max_by_key(|s| s.samples.len())
        .map(|s| s.samples.clone())
        .unwrap_or_default()
}

/// Space, and inodes where the exporter reports them: used(t) = total - free(t).
fn judge(r: &Run<'_>, a: &Answers, k: &Ident, fs: &Fs) -> Vec<Finding> {
    let kinds = [
        (Kind::Space, &a.avail_hist, fs.size),
        (Kind::Inodes, &a.files_hist, fs.files),
    ];
    let mut out = Vec::new();
    for (kind, free_hist, total) in kinds {
        if kind == Kind::Inodes && total <= 0.0 {
            continue;
        }
        let used: Vec<_> = history(free_hist, k)
            .into_iter()
            .filter(|(_, v)| v.is_finite())
            .map(|(t, v)| (t, total - v))
            .collect();
        let key = fs.key(kind);
        let growth = estimate::fill_rate(&used, total);
        out.push(evaluate(fs, kind, growth, &r.judging(&key, &fs.mount, &[])));
    }
    out
}

/// A filesystem that had data and has none now: the host is down or its exporter is.
fn vanished(known: &BTreeSet<String>, seen: &BTreeSet<String>) -> Vec<Finding> {
    known
        .iter()
        .filter(|k| !seen.contains(*k) && !k.starts_with("disk:prometheus:"))
        .map(|k| {
            let mut f = blind(
                k.clone(),
                k.split_once(':').map(|(_, r)| r).unwrap_or(k).to_string(),
                format!(
                    "No data from Prometheus any more for {k}: the host or its exporter may be down"
                ),
            );
            f.facts.insert("prometheus".into(), 1.0);
            f
        })
        .collect()
}
