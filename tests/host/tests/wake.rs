//! Host tests of the wake-up window (`logic::wake`) against a plain model.

use proptest::prelude::*;
use rpoll_logic::{
    gpio_edges::Edges,
    uapi::gpio_source,
    wake::{edge_bits, WakeWindow},
};

/// One step of a run: a record (level, stamp offset) or a sleep's open or
/// close.
#[derive(Clone, Debug)]
enum Step {
    Record { level: bool, dt: u64 },
    Open { edges: u8, dt: u64 },
    Close { dt: u64 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (any::<bool>(), 0u64..1000).prop_map(|(level, dt)| Step::Record { level, dt }),
        1 => (0u8..3, 0u64..1000).prop_map(|(edges, dt)| Step::Open { edges, dt }),
        1 => (0u64..1000).prop_map(|dt| Step::Close { dt }),
    ]
}

proptest! {
    /// Records come in stamp order: a record is the wake-up exactly when it
    /// is the first of the last opened window's edges stamped between its
    /// opening and its close.
    #[test]
    fn first_matching_record_of_each_window(steps in prop::collection::vec(step(), 0..200)) {
        let mut w = WakeWindow::new();
        let mut t = 1u64;
        // The model: (edge bits, open, close, claimed) of the last window.
        let mut model: Option<(u32, u64, u64, bool)> = None;
        for s in steps {
            match s {
                Step::Open { edges, dt } => {
                    t += dt;
                    let e = [Edges::Rising, Edges::Falling, Edges::Both][usize::from(edges)];
                    w.open(t, edge_bits(e));
                    model = Some((edge_bits(e), t, u64::MAX, false));
                }
                Step::Close { dt } => {
                    t += dt;
                    w.close(t);
                    if let Some(m) = model.as_mut() {
                        if m.2 == u64::MAX {
                            m.2 = t;
                        }
                    }
                }
                Step::Record { level, dt } => {
                    t += dt;
                    let source = gpio_source(level);
                    let want = match model.as_mut() {
                        Some(m) if !m.3 && source & m.0 != 0 && t >= m.1 && t <= m.2 => {
                            m.3 = true;
                            true
                        }
                        _ => false,
                    };
                    prop_assert_eq!(w.claim(source, t), want);
                }
            }
        }
    }
}
