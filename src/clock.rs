//! The `Clock` port: use cases and workers never read the wall clock directly, so tests
//! (and the shell's `/clock` command) can move time forward instead of sleeping.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Real time plus an adjustable offset: the shell advances it to show what happens
/// later (reminders, digests) without waiting.
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset: Mutex<Duration>,
}

impl OffsetClock {
    pub fn advance(&self, by: Duration) {
        if let Ok(mut o) = self.offset.lock() {
            *o += by;
        }
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        let off = self
            .offset
            .lock()
            .map(|o| *o)
            .unwrap_or_else(|_| Duration::zero());
        Utc::now() + off
    }
}

/// A clock that only moves when told to (tests).
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> ManualClock {
        ManualClock {
            now: Mutex::new(at),
        }
    }

    pub fn advance(&self, by: Duration) {
        if let Ok(mut n) = self.now.lock() {
            *n += by;
        }
    }

    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut n) = self.now.lock() {
            *n = at;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.now.lock().map(|n| *n).unwrap_or_else(|_| Utc::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_and_offset_clocks_move() {
        let t0 = Utc::now();
        let m = ManualClock::new(t0);
        m.advance(Duration::minutes(15));
        assert_eq!(m.now(), t0 + Duration::minutes(15));
        let o = OffsetClock::default();
        o.advance(Duration::hours(2));
        assert!(o.now() >= t0 + Duration::hours(2));
    }
}
