//! The Rust ABI against the C header `include/uapi/linux/rpoll.h`: compiles
//! a small C program with the host's C compiler (`$CC`, default `cc`) that
//! prints the header's constants and the bytes of each structure filled
//! field by field, and checks that the Rust constants and decoders agree.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use rpoll_uapi::*;

const PROGRAM: &str = r#"
#include <stdio.h>
#include <string.h>
#include <linux/rpoll.h>

static void dump(const char *what, const void *p, size_t n)
{
	const unsigned char *b = p;

	printf("%s ", what);
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

int main(void)
{
	struct rpoll_event e = { .seq = 0x0102030405060708ULL, .timestamp_ns = 0x1112131415161718ULL,
				 .jiffies = 0x2122232425262728ULL, .source = 0x31323334, .lost = 0x41424344 };
	struct rpoll_info i;
	struct rpoll_stats s = { 1, 2, 3, 4, 5, 6, 7, 8 };

	memset(&i, 0, sizeof(i));
	strcpy(i.name, "rpoll-tick");
	i.source = 11; i.queue_depth = 12; i.period_us = 13; i.irq = 14;
	i.trigger = 15; i.debounce_us = 16; i.max_readers = 17; i.gpio_line = 18;
	printf("RPOLL_IOC_INFO %u\n", (unsigned)RPOLL_IOC_INFO);
	printf("RPOLL_IOC_STATS %u\n", (unsigned)RPOLL_IOC_STATS);
	printf("RPOLL_IOC_SET_CLOCK %u\n", (unsigned)RPOLL_IOC_SET_CLOCK);
	printf("RPOLL_IOC_FLUSH %u\n", (unsigned)RPOLL_IOC_FLUSH);
	printf("RPOLL_IOC_SET_PERIOD %u\n", (unsigned)RPOLL_IOC_SET_PERIOD);
	printf("RPOLL_IOC_GET_LEVEL %u\n", (unsigned)RPOLL_IOC_GET_LEVEL);
	printf("RPOLL_IOC_GET_CONFIG %u\n", (unsigned)RPOLL_IOC_GET_CONFIG);
	printf("RPOLL_IOC_SET_CONFIG %u\n", (unsigned)RPOLL_IOC_SET_CONFIG);
	printf("RPOLL_IOC_SET_EDGE_MASK %u\n", (unsigned)RPOLL_IOC_SET_EDGE_MASK);
	printf("RPOLL_EVENT_CONFIG %u\n", (unsigned)RPOLL_EVENT_CONFIG);
	printf("RPOLL_EVENT_INITIAL %u\n", (unsigned)RPOLL_EVENT_INITIAL);
	printf("RPOLL_EVENT_WAKEUP %u\n", (unsigned)RPOLL_EVENT_WAKEUP);
	printf("RPOLL_EVENT_MERGED_MASK %u\n", (unsigned)RPOLL_EVENT_MERGED_MASK);
	printf("merged_of_3 %u\n", (unsigned)RPOLL_EVENT_MERGED(3u << 16 | 0x103u));
	printf("RPOLL_IOC_WANT_INITIAL %u\n", (unsigned)RPOLL_IOC_WANT_INITIAL);
	printf("RPOLL_IOC_SET_WATERMARK %u\n", (unsigned)RPOLL_IOC_SET_WATERMARK);
	printf("sizeof_watermark %zu\n", sizeof(struct rpoll_watermark));
	printf("RPOLL_EDGE_RISING %u\n", (unsigned)RPOLL_EDGE_RISING);
	printf("RPOLL_EDGE_FALLING %u\n", (unsigned)RPOLL_EDGE_FALLING);
	printf("sizeof_config %zu\n", sizeof(struct rpoll_config));
	printf("sizeof_edge_mask %zu\n", sizeof(struct rpoll_edge_mask));
	printf("RPOLL_IOC_MAGIC %u\n", (unsigned)RPOLL_IOC_MAGIC);
	printf("RPOLL_SOURCE_TIMER %u\n", (unsigned)RPOLL_SOURCE_TIMER);
	printf("RPOLL_SOURCE_IRQ %u\n", (unsigned)RPOLL_SOURCE_IRQ);
	printf("RPOLL_NAME_LEN %u\n", (unsigned)RPOLL_NAME_LEN);
	printf("RPOLL_SOURCE_GPIO %u\n", (unsigned)RPOLL_SOURCE_GPIO);
	printf("RPOLL_SOURCE_MASK %u\n", (unsigned)RPOLL_SOURCE_MASK);
	printf("RPOLL_EVENT_RISING %u\n", (unsigned)RPOLL_EVENT_RISING);
	printf("RPOLL_EVENT_FALLING %u\n", (unsigned)RPOLL_EVENT_FALLING);
	printf("RPOLL_EVENT_LEVEL %u\n", (unsigned)RPOLL_EVENT_LEVEL);
	printf("RPOLL_EVENT_RESUMED %u\n", (unsigned)RPOLL_EVENT_RESUMED);
	printf("RPOLL_GPIO_ACTIVE_LOW %u\n", (unsigned)RPOLL_GPIO_ACTIVE_LOW);
	printf("RPOLL_GPIO_LINE_MASK %u\n", (unsigned)RPOLL_GPIO_LINE_MASK);
	printf("reserved_aliases_gpio_line %u\n", (unsigned)i.reserved);
	printf("sizeof_event %zu\n", sizeof(e));
	printf("sizeof_info %zu\n", sizeof(i));
	printf("sizeof_stats %zu\n", sizeof(s));
	dump("event", &e, sizeof(e));
	dump("info", &i, sizeof(i));
	dump("stats", &s, sizeof(s));
	return 0;
}
"#;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The C program's `key value` lines (compiled and run once per process).
fn c_values() -> &'static HashMap<String, String> {
    static VALUES: OnceLock<HashMap<String, String>> = OnceLock::new();
    VALUES.get_or_init(compile_and_run)
}

/// Compiles and runs the C program; returns its `key value` lines.
fn compile_and_run() -> HashMap<String, String> {
    let dir = std::env::temp_dir().join(format!("rpoll-uapi-c-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("values.c");
    let exe = dir.join("values");
    std::fs::write(&src, PROGRAM).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = Command::new(&cc)
        .args(["-std=c11", "-Wall", "-Werror", "-I"])
        .arg(repo().join("include/uapi"))
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the C compiler {cc}: {e}"));
    assert!(
        out.status.success(),
        "the header does not compile: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe).output().expect("run the C program");
    assert!(run.status.success());
    std::fs::remove_dir_all(&dir).ok();
    String::from_utf8(run.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (k, v) = l.split_once(' ').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn constants_match_the_c_header() {
    let c = c_values();
    let num = |k: &str| -> u64 { c[k].parse().unwrap_or_else(|_| panic!("{k}: {}", c[k])) };
    let expect: [(&str, u64); 37] = [
        ("RPOLL_SOURCE_GPIO", RPOLL_SOURCE_GPIO.into()),
        ("RPOLL_SOURCE_MASK", RPOLL_SOURCE_MASK.into()),
        ("RPOLL_EVENT_RISING", RPOLL_EVENT_RISING.into()),
        ("RPOLL_EVENT_FALLING", RPOLL_EVENT_FALLING.into()),
        ("RPOLL_EVENT_LEVEL", RPOLL_EVENT_LEVEL.into()),
        ("RPOLL_EVENT_RESUMED", RPOLL_EVENT_RESUMED.into()),
        ("RPOLL_GPIO_ACTIVE_LOW", RPOLL_GPIO_ACTIVE_LOW.into()),
        ("RPOLL_GPIO_LINE_MASK", RPOLL_GPIO_LINE_MASK.into()),
        ("reserved_aliases_gpio_line", 18),
        ("RPOLL_IOC_INFO", RPOLL_IOC_INFO.into()),
        ("RPOLL_IOC_STATS", RPOLL_IOC_STATS.into()),
        ("RPOLL_IOC_SET_CLOCK", RPOLL_IOC_SET_CLOCK.into()),
        ("RPOLL_IOC_FLUSH", RPOLL_IOC_FLUSH.into()),
        ("RPOLL_IOC_SET_PERIOD", RPOLL_IOC_SET_PERIOD.into()),
        ("RPOLL_IOC_GET_LEVEL", RPOLL_IOC_GET_LEVEL.into()),
        ("RPOLL_IOC_GET_CONFIG", RPOLL_IOC_GET_CONFIG.into()),
        ("RPOLL_IOC_SET_CONFIG", RPOLL_IOC_SET_CONFIG.into()),
        ("RPOLL_IOC_SET_EDGE_MASK", RPOLL_IOC_SET_EDGE_MASK.into()),
        ("RPOLL_EVENT_CONFIG", RPOLL_EVENT_CONFIG.into()),
        ("RPOLL_EVENT_INITIAL", RPOLL_EVENT_INITIAL.into()),
        ("RPOLL_EVENT_WAKEUP", RPOLL_EVENT_WAKEUP.into()),
        ("RPOLL_EVENT_MERGED_MASK", RPOLL_EVENT_MERGED_MASK.into()),
        ("merged_of_3", 3),
        ("RPOLL_IOC_WANT_INITIAL", RPOLL_IOC_WANT_INITIAL.into()),
        ("RPOLL_IOC_SET_WATERMARK", RPOLL_IOC_SET_WATERMARK.into()),
        ("sizeof_watermark", RPOLL_WATERMARK_SIZE as u64),
        ("RPOLL_EDGE_RISING", RPOLL_EDGE_RISING.into()),
        ("RPOLL_EDGE_FALLING", RPOLL_EDGE_FALLING.into()),
        ("sizeof_config", RPOLL_CONFIG_SIZE as u64),
        ("sizeof_edge_mask", RPOLL_EDGE_MASK_SIZE as u64),
        ("RPOLL_IOC_MAGIC", RPOLL_IOC_MAGIC.into()),
        ("RPOLL_SOURCE_TIMER", RPOLL_SOURCE_TIMER.into()),
        ("RPOLL_SOURCE_IRQ", RPOLL_SOURCE_IRQ.into()),
        ("RPOLL_NAME_LEN", RPOLL_NAME_LEN as u64),
        ("sizeof_event", RPOLL_EVENT_SIZE as u64),
        ("sizeof_info", RPOLL_INFO_SIZE as u64),
        ("sizeof_stats", RPOLL_STATS_SIZE as u64),
    ];
    for (k, rust) in expect {
        assert_eq!(num(k), rust, "{k}: C header vs Rust");
    }
}

#[test]
fn layouts_match_the_c_header() {
    let c = c_values();
    let e = RpollEvent::from_bytes(hex(&c["event"]).as_slice().try_into().unwrap());
    assert_eq!(
        e,
        RpollEvent {
            seq: 0x0102030405060708,
            timestamp_ns: 0x1112131415161718,
            jiffies: 0x2122232425262728,
            source: 0x31323334,
            lost: 0x41424344,
        }
    );
    let i = RpollInfo::from_bytes(hex(&c["info"]).as_slice().try_into().unwrap());
    assert_eq!(i.name_bytes(), b"rpoll-tick");
    let fields = [
        i.source,
        i.queue_depth,
        i.period_us,
        i.irq,
        i.trigger,
        i.debounce_us,
        i.max_readers,
        i.gpio_line,
    ];
    assert_eq!(fields, [11, 12, 13, 14, 15, 16, 17, 18]);
    let s = RpollStats::from_bytes(hex(&c["stats"]).as_slice().try_into().unwrap());
    let fields = [
        s.produced,
        s.overruns,
        s.debounced,
        s.readers,
        s.base,
        s.delivered,
        s.lost,
        s.queued,
    ];
    assert_eq!(fields, [1, 2, 3, 4, 5, 6, 7, 8]);
}
