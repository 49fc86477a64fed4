//! Lean at rest: what warroom does so that an idle process holds little memory.
//!
//! Three things, all measured by `cargo bench --bench idle_memory`:
//! - fewer malloc arenas than glibc's default, so a burst of threads leaves less behind;
//! - freed heap handed back to the system every few seconds ([`give_back_memory`]);
//! - once start-up is done, the pages of the program's own code and read-only data
//!   that start-up touched (migrations, configuration, TLS roots, clients) are unmapped
//!   ([`forget_startup_pages`]). They are clean copies of the executable file, so the
//!   kernel maps them again from its page cache, at the cost of a minor fault, if they
//!   are ever run again. They are first marked cold (`MADV_COLD`), so the page cache
//!   keeps them only until memory is wanted: the resident figure falls at once, and
//!   what a container is charged for falls as soon as the kernel reclaims. Nothing
//!   written is touched: writable segments and the relocated read-only data
//!   (`PT_GNU_RELRO`) are left alone.

use std::time::Duration;

/// Fewer malloc arenas than glibc's default (8 per core): less memory held in arenas
/// that a burst of threads left behind.
pub fn fewer_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt sets a tuning parameter of the allocator; M_ARENA_MAX only
    // limits how many arenas new threads may create.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Every `every`: hands freed heap back to the system (glibc keeps it otherwise, so a
/// burst of load would leave the process large for good), and, once `activity` has
/// stood still for a whole period after having moved (start-up, a burst of requests),
/// the code pages that were touched meanwhile. Stops with `stop`.
pub async fn give_back_memory(
    every: Duration,
    activity: impl Fn() -> u64,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut quiet = Quiet::since(activity());
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        trim();
        if quiet.settled(activity()) {
            let bytes = forget_startup_pages();
            tracing::debug!(bytes, "code pages given back after a quiet spell");
        }
    }
}

/// Tells when a busy spell has ended: the counter stood still for one look after it
/// had moved (start-up counts as a spell). Once per spell, so an idle process does not
/// keep unmapping the pages its own timers use.
#[derive(Debug)]
pub struct Quiet {
    last: Option<u64>,
    done: bool,
}

impl Quiet {
    /// Right after start-up, with the counter as it is now.
    pub fn since(now: u64) -> Quiet {
        Quiet {
            last: Some(now),
            done: false,
        }
    }

    pub fn settled(&mut self, now: u64) -> bool {
        let still = self.last == Some(now);
        self.last = Some(now);
        if !still {
            self.done = false;
            return false;
        }
        !std::mem::replace(&mut self.done, true)
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim only returns unused memory at the top of glibc's heaps and
    // unused pages inside them to the kernel; it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}

/// A range of addresses, `start..end`, page-aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pages {
    pub start: usize,
    pub end: usize,
}

/// One loadable segment of the program as the ELF program headers describe it.
#[derive(Debug, Clone, Copy)]
pub struct Segment {
    pub start: usize,
    /// Bytes backed by the file (`p_filesz`).
    pub len: usize,
    pub writable: bool,
}

/// The whole pages that may be unmapped: inside a read-only segment's file-backed
/// part and outside the relocated read-only range. Partial pages at either end are
/// kept, so a page shared with a neighbouring segment is never dropped.
pub fn droppable(segments: &[Segment], relro: Option<Pages>, page: usize) -> Vec<Pages> {
    let empty = Pages { start: 0, end: 0 };
    // The relocated range, widened to whole pages: never dropped.
    let keep = relro.map(|r| Pages {
        start: r.start / page * page,
        end: r.end.div_ceil(page) * page,
    });
    let mut out = Vec::new();
    for s in segments.iter().filter(|s| !s.writable) {
        let whole = Pages {
            start: s.start.div_ceil(page) * page,
            end: (s.start + s.len) / page * page,
        };
        let parts = match keep {
            Some(k) if k.start < whole.end && whole.start < k.end => [
                Pages {
                    start: whole.start,
                    end: k.start,
                },
                Pages {
                    start: k.end,
                    end: whole.end,
                },
            ],
            _ => [whole, empty],
        };
        out.extend(parts.into_iter().filter(|p| p.start < p.end));
    }
    out
}

/// Unmaps the clean pages of the program's own code and read-only data (see the
/// module comment). Returns the bytes given back; 0 where this is not supported.
pub fn forget_startup_pages() -> usize {
    imp::forget()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod imp {
    use super::{Pages, Segment, droppable};

    const PF_W: u32 = 2;

    struct Found {
        segments: Vec<Segment>,
        relro: Option<Pages>,
    }

    /// Called by `dl_iterate_phdr` once per loaded object; the first is the program.
    unsafe extern "C" fn first_object(
        info: *mut libc::dl_phdr_info,
        _size: libc::size_t,
        data: *mut libc::c_void,
    ) -> libc::c_int {
        // SAFETY: the loader passes a valid `dl_phdr_info` for the duration of the
        // call, and `data` is the `&mut Found` given to `dl_iterate_phdr` below.
        let (info, found) = unsafe { (&*info, &mut *(data as *mut Found)) };
        if info.dlpi_phdr.is_null() {
            return 1;
        }
        // SAFETY: `dlpi_phdr` points at `dlpi_phnum` program headers of this object.
        let headers =
            unsafe { std::slice::from_raw_parts(info.dlpi_phdr, usize::from(info.dlpi_phnum)) };
        let base = info.dlpi_addr as usize;
        for h in headers {
            let start = base + h.p_vaddr as usize;
            match h.p_type {
                libc::PT_LOAD => found.segments.push(Segment {
                    start,
                    len: h.p_filesz as usize,
                    writable: h.p_flags & PF_W != 0,
                }),
                libc::PT_GNU_RELRO => {
                    found.relro = Some(Pages {
                        start,
                        end: start + h.p_memsz as usize,
                    })
                }
                _ => {}
            }
        }
        // Stop after the program itself: shared libraries are not ours to trim.
        1
    }

    pub fn forget() -> usize {
        let mut found = Found {
            segments: Vec::new(),
            relro: None,
        };
        // SAFETY: the callback only reads the headers the loader hands it and writes
        // to `found`, which outlives the call.
        unsafe {
            libc::dl_iterate_phdr(Some(first_object), (&mut found as *mut Found).cast());
        }
        // SAFETY: sysconf has no preconditions.
        let page = match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
            p if p > 0 => p as usize,
            _ => return 0,
        };
        let mut given = 0;
        for r in droppable(&found.segments, found.relro, page) {
            // SAFETY: advice only: MADV_COLD moves the pages to the inactive list, the
            // first the kernel reclaims (and what a container's working set leaves
            // out); it changes no contents. Older kernels refuse it, which is fine.
            unsafe {
                libc::madvise(
                    r.start as *mut libc::c_void,
                    r.end - r.start,
                    libc::MADV_COLD,
                );
            }
            // SAFETY: the range is whole pages of a read-only, file-backed mapping of
            // the executable that nothing has written (the relocated part is
            // excluded). MADV_DONTNEED on such a private mapping only drops the page
            // table entries; the next access maps the same bytes again from the file.
            let rc = unsafe {
                libc::madvise(
                    r.start as *mut libc::c_void,
                    r.end - r.start,
                    libc::MADV_DONTNEED,
                )
            };
            if rc == 0 {
                given += r.end - r.start;
            }
        }
        given
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod imp {
    pub fn forget() -> usize {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: usize = 4096;

    fn pages(start: usize, end: usize) -> Pages {
        Pages { start, end }
    }

    fn seg(start: usize, len: usize, writable: bool) -> Segment {
        Segment {
            start,
            len,
            writable,
        }
    }

    #[test]
    fn a_quiet_spell_is_told_once_after_activity() {
        let mut q = Quiet::since(5);
        assert!(q.settled(5), "quiet after start-up");
        assert!(!q.settled(5), "told once per spell");
        assert!(!q.settled(5));
        assert!(!q.settled(9), "busy again");
        assert!(!q.settled(12));
        assert!(q.settled(12), "quiet after the burst");
        assert!(!q.settled(12));
    }

    #[test]
    fn only_whole_pages_of_read_only_segments_are_dropped() {
        let segments = [
            seg(0, 3 * P + 100, false),
            seg(4 * P + 10, 5 * P, false),
            seg(10 * P, 4 * P, true),
        ];
        assert_eq!(
            droppable(&segments, None, P),
            vec![pages(0, 3 * P), pages(5 * P, 9 * P),]
        );
    }

    #[test]
    fn the_relocated_range_is_never_dropped() {
        // RELRO inside a read-only segment (as some linkers lay it out): split around it.
        let segments = [seg(0, 10 * P, false)];
        let relro = Some(pages(3 * P + 8, 5 * P - 8));
        assert_eq!(
            droppable(&segments, relro, P),
            vec![pages(0, 3 * P), pages(5 * P, 10 * P),]
        );
    }

    #[test]
    fn a_segment_smaller_than_a_page_is_kept() {
        assert!(droppable(&[seg(P + 1, P - 2, false)], None, P).is_empty());
    }

    #[test]
    fn forgetting_the_startup_pages_keeps_the_program_running() {
        // Runs the real thing on the test binary: the code and constants below are
        // mapped again from the file on first use.
        let given = forget_startup_pages();
        if cfg!(all(target_os = "linux", target_env = "gnu")) {
            assert!(given > 0, "no pages were given back");
        }
        let words: Vec<String> = ["after", "forgetting"]
            .iter()
            .map(|w| w.to_uppercase())
            .collect();
        assert_eq!(words.join(" "), "AFTER FORGETTING");
    }
}
