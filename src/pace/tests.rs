//! The bucket's arithmetic: bursts, reservations in order, patience, refusals and
//! the trust that shrinks and grows back.

use super::*;

const TIER2: Limit = Limit {
    burst: 20.0,
    rate: 20.0 / 60.0,
    minute: 60.0,
};

fn wait(t: &Taken) -> f64 {
    match t.verdict {
        Verdict::Go => 0.0,
        Verdict::Sleep(d) | Verdict::Later(d) => d.as_secs_f64(),
    }
}

#[test]
fn a_full_minute_goes_at_once_then_the_tier_rate() {
    let mut b = Bucket::default();
    for _ in 0..20 {
        assert_eq!(
            b.take(&TIER2, Asker::Queued, None, 100.0).verdict,
            Verdict::Go
        );
    }
    // The 21st and later reserve slots 3 s apart, in the order asked.
    let waits: Vec<f64> = (0..4)
        .map(|_| wait(&b.take(&TIER2, Asker::Queued, None, 100.0)))
        .collect();
    for (w, e) in waits.iter().zip([3.0, 6.0, 9.0, 12.0]) {
        assert!((w - e).abs() < 1e-9, "{waits:?}");
    }
    // A minute later the bucket has refilled 20 and spends the 4 reserved first.
    let mut b = Bucket::default();
    for _ in 0..24 {
        b.take(&TIER2, Asker::Queued, None, 0.0);
    }
    let free = (0..30)
        .take_while(|_| b.take(&TIER2, Asker::Queued, None, 60.0).verdict == Verdict::Go)
        .count();
    assert_eq!(free, 16);
}

#[test]
fn a_ticket_is_honoured_when_due_and_kept_when_early() {
    let mut b = Bucket::default();
    for _ in 0..20 {
        b.take(&TIER2, Asker::Queued, None, 0.0);
    }
    let t = b.take(&TIER2, Asker::Queued, None, 0.0);
    assert_eq!(t.ticket, Some(3.0));
    // Early: still later, the same slot.
    let early = b.take(&TIER2, Asker::Queued, t.ticket, 1.0);
    assert_eq!(early.ticket, Some(3.0));
    assert!((wait(&early) - 2.0).abs() < 1e-9);
    // Due: go, nothing else spent.
    let tokens = b.tokens;
    let due = b.take(&TIER2, Asker::Queued, Some(3.0), 3.0);
    assert_eq!(due.verdict, Verdict::Go);
    assert_eq!(due.ticket, None);
    assert_eq!(b.tokens, tokens);
}

#[test]
fn a_patient_caller_never_stands_in_front_of_a_reservation() {
    let mut b = Bucket::default();
    for _ in 0..20 {
        b.take(&TIER2, Asker::Queued, None, 0.0);
    }
    // A repeat finds no free slot: it is told when to look again, reserves nothing.
    let r = b.take(&TIER2, Asker::Patient, None, 0.0);
    assert!(matches!(r.verdict, Verdict::Later(_)) && r.ticket.is_none());
    let before = b.tokens;
    // Someone waited for the next call: it gets the next slot, 3 s on.
    let q = b.take(&TIER2, Asker::Queued, None, 0.0);
    assert_eq!(q.ticket, Some(3.0));
    assert!(b.tokens < before);
    // At 3 s the slot is the reservation's, not the repeat's.
    assert!(matches!(
        b.take(&TIER2, Asker::Patient, None, 3.0).verdict,
        Verdict::Later(_)
    ));
    // At 6 s a slot is free again and the repeat takes it.
    assert_eq!(
        b.take(&TIER2, Asker::Patient, None, 6.0).verdict,
        Verdict::Go
    );
}

#[test]
fn a_person_waits_briefly_or_is_told_to_come_back() {
    let post = Limit {
        burst: 4.0,
        rate: 1.0,
        minute: 60.0,
    };
    let mut b = Bucket::default();
    for _ in 0..4 {
        assert_eq!(b.take(&post, Asker::Person, None, 0.0).verdict, Verdict::Go);
    }
    assert!(matches!(
        b.take(&post, Asker::Person, None, 0.0).verdict,
        Verdict::Sleep(d) if (d.as_secs_f64() - 1.0).abs() < 1e-9
    ));
    let tokens = b.tokens;
    // 2 s is too long for a person: refused without spending.
    assert!(matches!(
        b.take(&post, Asker::Person, None, 0.0).verdict,
        Verdict::Later(_)
    ));
    assert_eq!(b.tokens, tokens);
}

#[test]
fn a_refusal_blocks_moves_the_tickets_and_halves_the_burst_for_a_while() {
    let mut b = Bucket::default();
    for _ in 0..20 {
        b.take(&TIER2, Asker::Queued, None, 0.0);
    }
    let t = b.take(&TIER2, Asker::Queued, None, 0.0);
    assert_eq!(t.ticket, Some(3.0));
    // Slack says: not before 57 s from now.
    let shift = b.refused(&TIER2, 57.0, 0.0);
    assert!((shift - 57.0).abs() < 1e-9, "{shift}");
    // New askers queue after the reserved one (moved to 60 s), 3 s apart.
    let n = b.take(&TIER2, Asker::Queued, None, 0.0);
    assert!((wait(&n) - 63.0).abs() < 1e-9, "{n:?}");
    // The trust is halved: after the block, at most 10 at once.
    assert!((b.trust_now(&TIER2, 1.0) - 0.5).abs() < 1e-9);
    let mut b = Bucket::default();
    b.refused(&TIER2, 1.0, 0.0);
    let burst = (0..30)
        .take_while(|_| b.take(&TIER2, Asker::Queued, None, 1000.0).verdict == Verdict::Go)
        .count();
    // 1000 s later: 16 quiet minutes gave it all back.
    assert_eq!(burst, 20);
    let mut b = Bucket::default();
    b.refused(&TIER2, 1.0, 0.0);
    b.refused(&TIER2, 1.0, 0.0);
    b.refused(&TIER2, 1.0, 0.0);
    b.refused(&TIER2, 1.0, 0.0);
    // Never below an eighth, and an eighth back per quiet minute.
    assert!((b.trust_now(&TIER2, 30.0) - 0.125).abs() < 1e-9);
    assert!((b.trust_now(&TIER2, 61.0) - 0.25).abs() < 1e-9);
    let burst = (0..30)
        .take_while(|_| b.take(&TIER2, Asker::Queued, None, 61.0).verdict == Verdict::Go)
        .count();
    assert_eq!(burst, 5);
}

#[test]
fn a_refusal_during_a_longer_block_moves_nothing() {
    let mut b = Bucket::default();
    b.refused(&TIER2, 30.0, 0.0);
    assert_eq!(b.refused(&TIER2, 10.0, 5.0), 0.0);
    assert!((b.at - 30.0).abs() < 1e-9);
}
