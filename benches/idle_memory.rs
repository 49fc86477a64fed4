//! What warroom holds in memory at rest: the release binary started as `warroom serve`
//! on a fresh SQLite file against the fake Slack, left idle, then read from /proc
//! (status, smaps). Prints per run the resident total and what holds it: the binary's
//! own pages (code, read-only data, relocated data), shared libraries, the heap and
//! malloc arenas, thread stacks, and the threads by name. Then it answers a burst of
//! signed slash commands (so a change that makes the process leaner but slower shows:
//! the first command after the rest, p50 and p99) and is read again after a quiet
//! spell. Ends with min/median/max over the runs.
//!
//! Run: `cargo bench --bench idle_memory`. `BENCH_RUNS=3` runs, `WR_BENCH_IDLE_SECS=20`
//! seconds at rest before each reading, `WR_BENCH_COMMANDS=200` commands in the burst;
//! `WR_BENCH_BIN=/path/to/warroom` measures another build (e.g. an older one).

// A benchmark uses a slice of the test helpers (the end-to-end tests use them all).
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../tests/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../tests/common/timing.rs"]
mod timing;

use std::collections::BTreeMap;
use std::time::Duration;

use common::child::signed_command_on;
use common::fake_slack::FakeSlack;
use timing::serve_on_sqlite;

/// Resident kB of a process, by what holds it.
#[derive(Default, Clone)]
struct Held {
    rss: u64,
    anon: u64,
    file: u64,
    /// The binary's code (r-x), read-only data (r--, file pages) and the pages the
    /// loader or the program wrote (relocated read-only data, .data, .bss).
    bin_text: u64,
    bin_rodata: u64,
    bin_written: u64,
    libs: u64,
    /// The main heap (brk) and glibc's other arenas.
    heap: u64,
    arenas: u64,
    stacks: u64,
    other_anon: u64,
    threads: u64,
    names: BTreeMap<String, usize>,
}

struct Mapping {
    start: u64,
    end: u64,
    perms: String,
    path: String,
    rss: u64,
    anon: u64,
}

fn kb_field(line: &str) -> u64 {
    line.split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn mappings(pid: u32) -> Vec<Mapping> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    let mut out: Vec<Mapping> = Vec::new();
    for line in text.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        if let Some((a, b)) = first.split_once('-')
            && let (Ok(start), Ok(end)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16))
        {
            let f: Vec<&str> = line.split_whitespace().collect();
            out.push(Mapping {
                start,
                end,
                perms: f.get(1).unwrap_or(&"").to_string(),
                path: f.get(5..).map(|p| p.join(" ")).unwrap_or_default(),
                rss: 0,
                anon: 0,
            });
        } else if let Some(m) = out.last_mut() {
            if line.starts_with("Rss:") {
                m.rss = kb_field(line);
            } else if line.starts_with("Anonymous:") {
                m.anon = kb_field(line);
            }
        }
    }
    out
}

/// Reads what `pid` holds; `bin` is the executable's path as the kernel shows it.
fn held(pid: u32, bin: &str) -> Held {
    let mut h = Held::default();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    for line in status.lines() {
        match line.split(':').next() {
            Some("VmRSS") => h.rss = kb_field(line),
            Some("RssAnon") => h.anon = kb_field(line),
            Some("RssFile") => h.file += kb_field(line),
            Some("RssShmem") => h.file += kb_field(line),
            Some("Threads") => h.threads = kb_field(line),
            _ => {}
        }
    }
    let maps = mappings(pid);
    for (i, m) in maps.iter().enumerate() {
        let guard_before = i > 0 && {
            let p = &maps[i - 1];
            p.end == m.start && p.perms.starts_with("---") && p.path.is_empty()
        };
        let guard_after = maps
            .get(i + 1)
            .is_some_and(|n| n.start == m.end && n.perms.starts_with("---") && n.path.is_empty());
        if m.path == bin {
            if m.perms.contains('x') {
                h.bin_text += m.rss;
            } else if m.perms.starts_with("r--") {
                h.bin_rodata += m.rss - m.anon;
                h.bin_written += m.anon;
            } else {
                h.bin_written += m.rss;
            }
        } else if m.path.starts_with('/') {
            h.libs += m.rss;
        } else if m.path == "[heap]" {
            h.heap += m.rss;
        } else if m.path == "[stack]" {
            h.stacks += m.rss;
        } else if m.path.is_empty() && m.perms.starts_with("rw") {
            // glibc's arenas are reserved 64 MiB-aligned, the part not yet used
            // left inaccessible after them; a thread's stack sits above its guard page.
            if m.start % (64 << 20) == 0 && guard_after {
                h.arenas += m.rss;
            } else if guard_before {
                h.stacks += m.rss;
            } else {
                h.other_anon += m.rss;
            }
        } else {
            h.other_anon += m.rss;
        }
    }
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
            // Numbered threads (sqlx-sqlite-worker-3, cut to 15 characters by the
            // kernel) are counted under one name.
            let name = comm.trim().trim_end_matches(|c: char| c.is_ascii_digit());
            *h.names
                .entry(name.trim_end_matches('-').to_string())
                .or_default() += 1;
        }
    }
    h
}

fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

fn rows(h: &Held) -> Vec<(&'static str, u64)> {
    vec![
        ("resident (VmRSS)", h.rss),
        ("  anonymous", h.anon),
        ("  file-backed", h.file),
        ("binary: code", h.bin_text),
        ("binary: read-only data", h.bin_rodata),
        ("binary: written (relro, data)", h.bin_written),
        ("shared libraries", h.libs),
        ("heap (brk)", h.heap),
        ("malloc arenas", h.arenas),
        ("thread stacks", h.stacks),
        ("other anonymous", h.other_anon),
    ]
}

fn print_held(label: &str, h: &Held) {
    println!("  {label}:");
    for (name, kb) in rows(h) {
        println!("    {name:<31} {:>9}", mb(kb));
    }
    let names: Vec<String> = h.names.iter().map(|(n, c)| format!("{n} x{c}")).collect();
    println!("    threads {:<23} {}", h.threads, names.join(", "));
}

/// One run: idle, a burst of commands, idle again.
struct Run {
    idle: Held,
    after: Held,
    /// The first command after the rest: it pays for whatever was given back.
    first: Duration,
    p50: Duration,
    p99: Duration,
}

async fn run(bin: &str, exe: &str, idle: Duration, n: usize) -> Run {
    let fake = FakeSlack::start().await;
    let server = serve_on_sqlite(bin, &fake.api_url()).await;
    let pid = server.child.0.id();
    tokio::time::sleep(idle).await;
    let at_rest = held(pid, exe);
    let c = reqwest::Client::new();
    let mut v = Vec::with_capacity(n);
    for i in 0..n {
        // Declares write (incident, timeline, jobs); lists read.
        let text = if i % 2 == 0 {
            format!("declare sev3 Idle benchmark {i}")
        } else {
            "list".to_string()
        };
        let (status, body, took) = signed_command_on(&c, &server.base, &text).await;
        assert_eq!(status, 200, "{text}: {body}");
        v.push(took);
    }
    let first = v[0];
    v.sort();
    drop(c);
    tokio::time::sleep(idle).await;
    Run {
        after: held(pid, exe),
        idle: at_rest,
        first,
        p50: timing::pct(&v, 0.5),
        p99: timing::pct(&v, 0.99),
    }
}

fn spread<T: Copy + Ord>(mut v: Vec<T>) -> (T, T, T) {
    v.sort();
    (v[0], v[v.len() / 2], v[v.len() - 1])
}

#[tokio::main]
async fn main() {
    let bin =
        std::env::var("WR_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_warroom").to_string());
    let runs: usize = timing::env_num("BENCH_RUNS", 3).max(1);
    let idle = Duration::from_secs(timing::env_num("WR_BENCH_IDLE_SECS", 20));
    let n: usize = timing::env_num("WR_BENCH_COMMANDS", 200).max(1);
    // smaps names the executable by its resolved path.
    let exe = std::fs::canonicalize(&bin)
        .map(|p| p.display().to_string())
        .unwrap_or(bin.clone());
    let size = std::fs::metadata(&exe).map(|m| m.len()).unwrap_or(0);
    println!(
        "idle_memory: {exe} ({:.1} MB on disk), warroom serve on SQLite, {runs} runs, {}s at rest, {n} commands",
        size as f64 / 1e6,
        idle.as_secs()
    );
    let mut all = Vec::new();
    for r in 1..=runs {
        let res = run(&bin, &exe, idle, n).await;
        println!("run {r}:");
        print_held("at rest", &res.idle);
        print_held("at rest after the commands", &res.after);
        println!(
            "  commands: first {}  p50 {}  p99 {}",
            timing::ms(res.first),
            timing::ms(res.p50),
            timing::ms(res.p99)
        );
        all.push(res);
    }
    println!("\nover {runs} runs: min / median / max");
    let labels = rows(&Held::default());
    for (i, (name, _)) in labels.iter().enumerate() {
        let (lo, mid, hi) = spread(all.iter().map(|r| rows(&r.idle)[i].1).collect());
        println!(
            "  at rest, {name:<31} {:>9} {:>9} {:>9}",
            mb(lo),
            mb(mid),
            mb(hi)
        );
    }
    let (lo, mid, hi) = spread(all.iter().map(|r| r.idle.threads).collect());
    println!("  at rest, {:<31} {lo:>9} {mid:>9} {hi:>9}", "threads");
    let (lo, mid, hi) = spread(all.iter().map(|r| r.after.rss).collect());
    println!(
        "  after the commands, {:<20} {:>9} {:>9} {:>9}",
        "resident",
        mb(lo),
        mb(mid),
        mb(hi)
    );
    for (name, pick) in [
        ("first command", (|r: &Run| r.first) as fn(&Run) -> Duration),
        ("command p50", |r: &Run| r.p50),
        ("command p99", |r: &Run| r.p99),
    ] {
        let (lo, mid, hi) = spread(all.iter().map(pick).collect());
        println!(
            "  {name:<40} {:>9} {:>9} {:>9}",
            timing::ms(lo),
            timing::ms(mid),
            timing::ms(hi)
        );
    }
}
