//! Host tests of the CLI's argument parsing and output formatting.

use rpoll::cli::{parse, parse_duration_us, Command, WatchOptions};
use rpoll::device::{device_path, Clock};
use rpoll::format;
use rpoll::RpollEvent;

fn args(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

#[test]
fn durations() {
    assert_eq!(parse_duration_us("1s"), Ok(1_000_000));
    assert_eq!(parse_duration_us("250ms"), Ok(250_000));
    assert_eq!(parse_duration_us("100us"), Ok(100));
    assert_eq!(parse_duration_us("1.5s"), Ok(1_500_000));
    assert_eq!(parse_duration_us("0.01ms"), Ok(10));
    assert_eq!(parse_duration_us("4294s"), Ok(4_294_000_000));
    for bad in [
        "",
        "1",
        "5us",
        "1.0000001s",
        "0.5us",
        "4295s",
        "1m",
        "abc",
        "1..2s",
        "-1s",
        ".s",
    ] {
        assert!(parse_duration_us(bad).is_err(), "{bad} accepted");
    }
    assert!(parse_duration_us("1").unwrap_err().contains("needs a unit"));
}

#[test]
fn commands() {
    assert_eq!(parse(&args("list")), Ok(Command::List { json: false }));
    assert_eq!(
        parse(&args("list --json")),
        Ok(Command::List { json: true })
    );
    assert_eq!(
        parse(&args("watch tick button --count 5 --json --clock realtime")),
        Ok(Command::Watch {
            devices: vec!["tick".into(), "button".into()],
            options: WatchOptions {
                json: true,
                count: Some(5),
                clock: Clock::Realtime,
                edges: None,
                localtime: false,
                initial_state: false,
                idle_timeout_us: None,
                heartbeat_us: None,
                watermark: None
            }
        })
    );
    assert_eq!(
        parse(&args("watch key --edges rising")),
        Ok(Command::Watch {
            devices: vec!["key".into()],
            options: WatchOptions {
                json: false,
                count: None,
                clock: Clock::Monotonic,
                edges: Some(1),
                localtime: false,
                initial_state: false,
                idle_timeout_us: None,
                heartbeat_us: None,
                watermark: None
            }
        })
    );
    assert_eq!(
        parse(&args("config key --edges falling --debounce 20ms")),
        Ok(Command::Config {
            device: "key".into(),
            edges: Some(2),
            debounce_us: Some(20_000),
            interval_us: None,
            json: false
        })
    );
    assert_eq!(
        parse(&args("config key --debounce 0 --interval 10ms --json")),
        Ok(Command::Config {
            device: "key".into(),
            edges: None,
            debounce_us: Some(0),
            interval_us: Some(10_000),
            json: true
        })
    );
    assert_eq!(
        parse(&args(
            "watch tick --clock tai --localtime --idle-timeout 2s --heartbeat 500ms"
        )),
        Ok(Command::Watch {
            devices: vec!["tick".into()],
            options: WatchOptions {
                json: false,
                count: None,
                clock: Clock::Tai,
                edges: None,
                localtime: true,
                initial_state: false,
                idle_timeout_us: Some(2_000_000),
                heartbeat_us: Some(500_000),
                watermark: None
            }
        })
    );
    assert!(matches!(
        parse(&args("watch key --initial-state")),
        Ok(Command::Watch {
            options: WatchOptions {
                initial_state: true,
                ..
            },
            ..
        })
    ));
    assert!(matches!(
        parse(&args("watch tick --watermark 64 --max-delay 20ms")),
        Ok(Command::Watch {
            options: WatchOptions {
                watermark: Some((64, 20_000)),
                ..
            },
            ..
        })
    ));
    assert!(parse(&args("watch tick --watermark 64")).is_err());
    assert!(parse(&args("watch tick --max-delay 20ms")).is_err());
    assert!(parse(&args("watch tick --watermark 0 --max-delay 1ms")).is_err());
    assert!(parse(&args("config key --debounce 2s")).is_err());
    assert!(parse(&args("config key --edges up")).is_err());
    assert_eq!(
        parse(&args("stats tick")),
        Ok(Command::Stats {
            device: "tick".into(),
            json: false
        })
    );
    assert_eq!(
        parse(&args("set-period tick 250ms")),
        Ok(Command::SetPeriod {
            device: "tick".into(),
            period_us: 250_000
        })
    );
    for sub in ["list", "watch", "stats", "set-period", "config"] {
        assert!(
            matches!(parse(&args(&format!("{sub} --help"))), Ok(Command::Help(t)) if t.contains(sub))
        );
    }
    assert!(matches!(parse(&args("--help")), Ok(Command::Help(_))));
}

#[test]
fn bad_commands_explain() {
    for (a, want) in [
        ("", "Usage: rpoll <COMMAND>"),
        ("frob", "unrecognized subcommand 'frob'"),
        ("watch", "<DEV>..."),
        (
            "watch tick --count",
            "a value is required for '--count <N>'",
        ),
        ("watch tick --count 0", "0 is not in 1.."),
        (
            "watch tick --clock utc",
            "invalid value 'utc' for '--clock <CLOCK>'",
        ),
        ("watch tick --idle-timeout 5", "needs a unit"),
        ("watch tick --bogus", "unexpected argument '--bogus'"),
        ("stats", "<DEV>"),
        ("stats a b", "unexpected argument 'b'"),
        ("set-period tick", "<DURATION>"),
        ("set-period tick 5us", "out of range"),
        ("list extra", "unexpected argument 'extra'"),
        ("completions tcsh", "invalid value 'tcsh'"),
    ] {
        let e = parse(&args(a)).unwrap_err();
        assert!(e.contains(want), "'{a}': {e}");
        // No arguments at all: the help, as an error (exit 2).
        assert!(a.is_empty() || e.starts_with("error: "), "'{a}': {e}");
    }
}

#[test]
fn version_and_completions() {
    assert!(matches!(parse(&args("--version")), Ok(Command::Help(t)) if t.starts_with("rpoll ")));
    for shell in ["bash", "zsh", "fish"] {
        match parse(&args(&format!("completions {shell}"))) {
            Ok(Command::Completions(script)) => {
                for sub in ["watch", "set-period", "count", "clock"] {
                    assert!(script.contains(sub), "{shell} completion lacks {sub}");
                }
            }
            other => panic!("completions {shell}: {other:?}"),
        }
    }
}

#[test]
fn device_names() {
    assert_eq!(device_path("tick").to_str(), Some("/dev/rpoll-tick"));
    // No /dev/rpoll-rpoll-tick on the host: the device-name form applies.
    assert_eq!(device_path("rpoll-tick").to_str(), Some("/dev/rpoll-tick"));
    assert_eq!(device_path("/dev/rpoll-x").to_str(), Some("/dev/rpoll-x"));
    assert_eq!(format::short_name("/dev/rpoll-tick"), "tick");
    assert_eq!(format::short_name("rpoll-ms"), "rpoll-ms");
}

#[test]
fn event_formats() {
    let e = RpollEvent {
        seq: 3,
        timestamp_ns: 12_000_000_005,
        jiffies: 4_294_967_300,
        source: 1,
        lost: 2,
    };
    let line = format::event_line("tick", &e, Some(1_000_000_000));
    assert!(
        line.contains("seq=3") && line.contains("src=timer") && line.contains("ts=12.000000005"),
        "{line}"
    );
    assert!(
        line.contains("delta=1.000000000s")
            && line.contains("lost=2")
            && line.contains("jiffies=4294967300"),
        "{line}"
    );
    assert!(format::event_line("tick", &e, None).contains("delta=-"));
    let j = format::event_json("ti\"ck", &e, None);
    assert_eq!(
        j,
        "{\"device\":\"ti\\\"ck\",\"seq\":3,\"source\":\"timer\",\"timestamp_ns\":12000000005,\"jiffies\":4294967300,\"delta_ns\":null,\"lost\":2}"
    );
}

#[test]
fn resumed_timer_record_says_so() {
    let e = RpollEvent {
        seq: 40,
        timestamp_ns: 5_000_000_000,
        jiffies: 9,
        source: rpoll_uapi::RPOLL_SOURCE_TIMER | rpoll_uapi::RPOLL_EVENT_RESUMED,
        lost: 0,
    };
    let line = format::event_line("tick", &e, None);
    assert!(
        line.contains("src=timer") && line.ends_with(" resumed"),
        "{line}"
    );
    let j = format::event_json("tick", &e, None);
    assert!(j.ends_with(",\"lost\":0,\"resumed\":true}"), "{j}");
    let plain = RpollEvent { source: 1, ..e };
    assert!(!format::event_line("tick", &plain, None).contains("resumed"));
}

#[test]
fn wakeup_record_says_so() {
    let e = RpollEvent {
        seq: 3,
        timestamp_ns: 2_000_000_000,
        jiffies: 9,
        source: rpoll_uapi::gpio_source(true) | rpoll_uapi::RPOLL_EVENT_WAKEUP,
        lost: 0,
    };
    let line = format::event_line("key", &e, None);
    assert!(
        line.contains("edge=rising") && line.ends_with(" wakeup"),
        "{line}"
    );
    let j = format::event_json("key", &e, None);
    assert!(j.ends_with(",\"wakeup\":true}"), "{j}");
    let plain = RpollEvent {
        source: rpoll_uapi::gpio_source(true),
        ..e
    };
    assert!(!format::event_line("key", &plain, None).contains("wakeup"));
    assert!(!format::event_json("key", &plain, None).contains("wakeup"));
}

#[test]
fn level_command_and_formats() {
    assert_eq!(
        parse(&args("level key --json")),
        Ok(Command::Level {
            device: "key".into(),
            json: true
        })
    );
    assert!(parse(&args("level")).is_err());
    assert_eq!(format::level_text("key", true), "key: level 1");
    assert_eq!(
        format::level_json("key", false),
        "{\"device\":\"key\",\"level\":0}"
    );
}

#[test]
fn gpio_event_and_info_formats() {
    use rpoll::{RpollInfo, RPOLL_SOURCE_GPIO};
    let press = RpollEvent {
        seq: 7,
        timestamp_ns: 1_000_000_000,
        jiffies: 5,
        source: rpoll_uapi::gpio_source(true),
        lost: 0,
    };
    let line = format::event_line("key", &press, None);
    assert!(
        line.contains("src=gpio  edge=rising  level=1 ts=1.000000000"),
        "{line}"
    );
    let release = RpollEvent {
        source: rpoll_uapi::gpio_source(false),
        ..press
    };
    let j = format::event_json("key", &release, None);
    assert!(
        j.contains("\"source\":\"gpio\",\"edge\":\"falling\",\"level\":0,"),
        "{j}"
    );
    let mut i = RpollInfo::with_name(b"rpoll-al");
    i.source = RPOLL_SOURCE_GPIO;
    i.trigger = 3;
    i.gpio_line = 6 | rpoll_uapi::RPOLL_GPIO_ACTIVE_LOW;
    i.debounce_us = 5000;
    let l = format::info_line("/dev/rpoll-al", &i);
    assert!(
        l.contains("gpio  line 6 active-low edges both debounce 5000us"),
        "{l}"
    );
    let j = format::info_json("/dev/rpoll-al", &i);
    assert!(
        j.contains("\"gpio_line\":6,\"active_low\":true,\"edges\":\"both\""),
        "{j}"
    );
}

#[test]
fn stamps_as_text() {
    use rpoll::format::{stamp_text, StampStyle};
    // 2026-12-06T05:41:31.000000123Z
    let ns = 1_796_535_691_000_000_123u64;
    assert_eq!(
        stamp_text(ns, StampStyle::Utc),
        "2026-12-06T05:41:31.000000123Z"
    );
    assert_eq!(
        stamp_text(ns, StampStyle::Tai),
        "2026-12-06T05:41:31.000000123 TAI"
    );
    assert_eq!(
        stamp_text(1_500_000_000, StampStyle::Seconds),
        "1.500000000"
    );
    // The host's local offset, whatever it is, ends the local form.
    let local = stamp_text(ns, StampStyle::Local);
    assert!(
        local.len() == "2026-12-06T05:41:31.000000123+00:00".len()
            && (local.ends_with(":00") || local.ends_with(":30") || local.ends_with(":45")),
        "{local}"
    );
}
