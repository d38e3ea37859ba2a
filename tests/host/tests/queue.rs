//! Host tests of the per-reader queue: ordering, overflow and the accounting
//! identity `delivered + lost + queued == produced since open`.

use proptest::prelude::*;
use rpoll_logic::checks::queue::sample;
use rpoll_logic::queue::{BadDepth, ReaderQueue};
use rpoll_logic::sample::Sample;

fn queue(depth: usize, base: u64) -> ReaderQueue<Vec<Sample>> {
    ReaderQueue::new(vec![Sample::default(); depth], base).unwrap()
}

#[test]
fn capacity_limits_with_heap_buffers() {
    for n in [0usize, 1, 3, 6, 100, 8192] {
        assert_eq!(
            ReaderQueue::new(vec![Sample::default(); n], 0).err(),
            Some(BadDepth(n))
        );
    }
    for n in [2usize, 4, 64, 4096] {
        assert!(ReaderQueue::new(vec![Sample::default(); n], 0).is_ok());
    }
}

#[derive(Clone, Debug)]
enum Op {
    Produce(u8),
    Read(u8),
    Fault(u8),
    Flush,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1u8..40).prop_map(Op::Produce),
        3 => (1u8..20).prop_map(Op::Read),
        1 => (1u8..5).prop_map(Op::Fault),
        1 => Just(Op::Flush),
    ]
}

proptest! {
    /// For any interleaving of production, reads, copy faults and flushes,
    /// nothing is lost silently: the identity holds after every step, and
    /// the records a reader receives explain every gap in `seq`.
    #[test]
    fn accounting_identity_holds(depth_log in 1u32..7, base in 0u64..1000, ops in prop::collection::vec(op(), 1..200)) {
        let mut q = queue(1 << depth_log, base);
        let mut produced = base;
        let mut last_seen = base;
        for op in ops {
            match op {
                Op::Produce(n) => for _ in 0..n { produced += 1; q.push(sample(produced)); },
                Op::Read(n) => for _ in 0..n {
                    let Some(d) = q.pop() else { break };
                    prop_assert_eq!(d.sample.seq - last_seen - 1, d.lost, "gap must equal lost");
                    last_seen = d.sample.seq;
                },
                Op::Fault(n) => {
                    // Take up to n records and fail to hand them out.
                    let mut taken = 0;
                    let mut carried = 0;
                    for _ in 0..n {
                        let Some(d) = q.pop() else { break };
                        taken += 1;
                        carried += d.lost;
                    }
                    q.undeliver(taken, carried);
                }
                Op::Flush => { q.flush(); }
            }
            let c = q.counts();
            prop_assert_eq!(c.delivered + c.lost + c.queued, produced - base);
            prop_assert!(c.queued as usize <= q.capacity());
        }
    }
}
