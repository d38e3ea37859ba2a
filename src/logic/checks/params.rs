// SPDX-License-Identifier: GPL-2.0

//! Checks of device-tree property validation and its messages
//! (`logic::params`).

use super::{text::Text, Checked};
use crate::logic::{
    gpio_edges::Edges,
    params::{self, GpioSettings, ParamError},
    uapi::RpollConfig,
};

/// `rpoll,period-us`: required, at least 10.
pub fn period_bounds() -> Checked {
    ensure_eq!(
        params::period_us(None),
        Err(ParamError::Missing("rpoll,period-us"))
    );
    ensure_eq!(params::period_us(Some(0)), Err(ParamError::PeriodRange(0)));
    ensure_eq!(params::period_us(Some(9)), Err(ParamError::PeriodRange(9)));
    ensure_eq!(params::period_us(Some(10)), Ok(10));
    ensure_eq!(params::period_us(Some(1_000_000)), Ok(1_000_000));
    ensure_eq!(params::period_us(Some(u32::MAX)), Ok(u32::MAX));
    Ok(())
}

/// `rpoll,queue-depth`: 64 by default, a power of two in 2..=4096.
pub fn depth_rules() -> Checked {
    ensure_eq!(params::queue_depth(None), Ok(64));
    for ok in [2, 4, 8, 1024, 4096] {
        ensure_eq!(params::queue_depth(Some(ok)), Ok(ok));
    }
    for bad in [0, 1, 3, 100, 8192, u32::MAX] {
        ensure_eq!(params::queue_depth(Some(bad)), Err(ParamError::Depth(bad)));
    }
    Ok(())
}

/// `label`: 1 to 32 characters of `[A-Za-z0-9_.-]`.
pub fn label_rules() -> Checked {
    ensure!(params::label(b"tick").is_ok());
    ensure!(params::label(b"btn_0.a-b").is_ok());
    ensure!(params::label(&[b'a'; 32]).is_ok());
    for bad in [&b""[..], b"a/b", b"has space", b"\xff", &[b'a'; 33]] {
        ensure_eq!(params::label(bad), Err(ParamError::Label));
    }
    Ok(())
}

/// Each message names its property and the accepted range.
pub fn messages_name_property_and_range() -> Checked {
    let m = Text::of(&ParamError::PeriodRange(5));
    ensure!(m.as_str().contains("rpoll,period-us") && m.as_str().contains("10..=4294967295"));
    let m = Text::of(&ParamError::Depth(3));
    ensure!(m.as_str().contains("rpoll,queue-depth") && m.as_str().contains("2..=4096"));
    let m = Text::of(&ParamError::Missing("rpoll,period-us"));
    ensure!(m.as_str().contains("missing"));
    ensure!(Text::of(&ParamError::Label).as_str().contains("label"));
    Ok(())
}

/// `rpoll,debounce-us`: 0 by default, at most one second.
pub fn debounce_rules() -> Checked {
    ensure_eq!(params::debounce_us(None), Ok(0));
    ensure_eq!(params::debounce_us(Some(5000)), Ok(5000));
    ensure_eq!(params::debounce_us(Some(1_000_000)), Ok(1_000_000));
    ensure_eq!(
        params::debounce_us(Some(1_000_001)),
        Err(ParamError::Debounce(1_000_001))
    );
    let m = Text::of(&ParamError::Debounce(2_000_000));
    ensure!(m.as_str().contains("rpoll,debounce-us") && m.as_str().contains("0..=1000000"));
    Ok(())
}

/// `rpoll,edges`: both by default; an unknown value names the accepted ones.
pub fn edges_default_both_and_unknown_values_are_refused() -> Checked {
    ensure_eq!(params::edges(None), Ok(Edges::Both));
    ensure_eq!(params::edges(Some(b"falling")), Ok(Edges::Falling));
    let refused = params::edges(Some(b"up"));
    ensure!(refused.is_err());
    if let Err(e) = refused {
        ensure!(
            Text::of(&e).as_str()
                == "property 'rpoll,edges' is invalid (accepted: \"rising\", \"falling\" or \"both\")"
        );
    }
    Ok(())
}

/// Level lines stay masked for the debounce window, at least 10 ms; only
/// `IRQ_TYPE_LEVEL_HIGH` (4) and `IRQ_TYPE_LEVEL_LOW` (8) are level.
pub fn level_window_has_a_floor() -> Checked {
    ensure_eq!(params::level_window_us(0), params::LEVEL_WINDOW_US_MIN);
    ensure_eq!(params::level_window_us(9_999), 10_000);
    ensure_eq!(params::level_window_us(10_000), 10_000);
    ensure_eq!(params::level_window_us(250_000), 250_000);
    for (trigger, level) in [
        (0, false),
        (1, false),
        (2, false),
        (3, false),
        (4, true),
        (8, true),
    ] {
        ensure_eq!(params::is_level_trigger(trigger), level);
    }
    Ok(())
}

/// `rpoll,poll-interval-us`: absent means interrupt-driven; 100 us to 10 s;
/// never with `wakeup-source`; messages name the property and the range.
pub fn poll_interval_rules() -> Checked {
    ensure_eq!(params::poll_interval_us(None, false), Ok(None));
    ensure_eq!(params::poll_interval_us(None, true), Ok(None));
    for ok in [100, 1000, 10_000_000] {
        ensure_eq!(params::poll_interval_us(Some(ok), false), Ok(Some(ok)));
    }
    for bad in [0, 99, 10_000_001, u32::MAX] {
        ensure_eq!(
            params::poll_interval_us(Some(bad), false),
            Err(ParamError::PollInterval(bad))
        );
    }
    ensure_eq!(
        params::poll_interval_us(Some(1000), true),
        Err(ParamError::WakeupWhenPolled)
    );
    ensure_eq!(
        Text::of(&ParamError::PollInterval(5)).as_str(),
        "property 'rpoll,poll-interval-us' = 5 is out of range (accepted: 100..=10000000 us)"
    );
    ensure!(Text::of(&ParamError::WakeupWhenPolled)
        .as_str()
        .starts_with("property 'wakeup-source' is not accepted with 'rpoll,poll-interval-us'"));
    Ok(())
}

/// `rpoll,wakeup-edges`: both edges when absent; one of the edge names, and
/// only with `wakeup-source`; the messages name both properties.
pub fn wakeup_edges_rules() -> Checked {
    ensure_eq!(params::wakeup_edges(None, false), Ok(Edges::Both));
    ensure_eq!(params::wakeup_edges(None, true), Ok(Edges::Both));
    ensure_eq!(
        params::wakeup_edges(Some(b"rising"), true),
        Ok(Edges::Rising)
    );
    ensure_eq!(
        params::wakeup_edges(Some(b"falling"), true),
        Ok(Edges::Falling)
    );
    ensure_eq!(params::wakeup_edges(Some(b"both"), true), Ok(Edges::Both));
    for bad in [&b"press"[..], b"", b"Rising", b"both "] {
        ensure_eq!(
            params::wakeup_edges(Some(bad), true),
            Err(ParamError::WakeupEdges)
        );
    }
    ensure_eq!(
        params::wakeup_edges(Some(b"rising"), false),
        Err(ParamError::WakeupEdgesWithoutWakeup)
    );
    ensure_eq!(
        Text::of(&ParamError::WakeupEdgesWithoutWakeup).as_str(),
        "property 'rpoll,wakeup-edges' needs 'wakeup-source' (it chooses the edges that wake the system)"
    );
    ensure!(Text::of(&ParamError::WakeupEdgesNotGpio)
        .as_str()
        .starts_with("property 'rpoll,wakeup-edges' is accepted on rpoll,event-gpio devices only"));
    Ok(())
}

/// `RPOLL_IOC_SET_CONFIG` requests: every field in range, the feed and an
/// irq trigger unchanged, reserved words 0; anything else refused whole.
pub fn config_requests_checked_whole() -> Checked {
    let c = |edges, debounce_us, poll_interval_us| RpollConfig {
        edges,
        debounce_us,
        poll_interval_us,
        reserved: [0; 5],
    };
    ensure_eq!(
        params::gpio_settings(&c(1, 5000, 0), false),
        Some(GpioSettings {
            edges: Edges::Rising,
            debounce_us: 5000,
            poll_interval_us: 0
        })
    );
    ensure_eq!(
        params::gpio_settings(&c(3, 0, 100), true).map(|s| s.edges),
        Some(Edges::Both)
    );
    // Edges 0 or unknown, debounce above 1 s, a feed change, an interval
    // out of range, a reserved word.
    ensure_eq!(params::gpio_settings(&c(0, 0, 0), false), None);
    ensure_eq!(params::gpio_settings(&c(4, 0, 0), false), None);
    ensure_eq!(params::gpio_settings(&c(3, 1_000_001, 0), false), None);
    ensure_eq!(params::gpio_settings(&c(3, 0, 1000), false), None);
    ensure_eq!(params::gpio_settings(&c(3, 0, 0), true), None);
    ensure_eq!(params::gpio_settings(&c(3, 0, 99), true), None);
    ensure_eq!(params::gpio_settings(&c(3, 0, 10_000_001), true), None);
    let mut r = c(3, 0, 0);
    r.reserved[4] = 1;
    ensure_eq!(params::gpio_settings(&r, false), None);
    // irq: the trigger stays, debounce in range, no interval.
    ensure_eq!(params::irq_settings(&c(1, 7000, 0), 1), Some(7000));
    ensure_eq!(params::irq_settings(&c(2, 7000, 0), 1), None);
    ensure_eq!(params::irq_settings(&c(1, 1_000_001, 0), 1), None);
    ensure_eq!(params::irq_settings(&c(1, 0, 100), 1), None);
    Ok(())
}
