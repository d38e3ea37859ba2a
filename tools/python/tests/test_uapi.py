"""The Python layouts against include/uapi/linux/rpoll.h: a C program built
with the host's compiler ($CC, default cc) prints the header's constants and
the bytes of each structure with every field set to a distinct value; the
Python side must decode those bytes to the same values, encode the values
to the same bytes, and agree on every constant."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

import rpoll  # noqa: E402
from rpoll import uapi  # noqa: E402
from rpoll.records import Event, Info, Stats  # noqa: E402

ROOT = HERE.parents[2]

C_PROGRAM = r"""
#include <stdio.h>
#include <string.h>
#include <linux/rpoll.h>

#define CONST(x) printf("const %s %llu\n", #x, (unsigned long long)(x))

static void hex(const char *tag, const void *p, size_t n)
{
	const unsigned char *c = p;
	printf("bytes %s ", tag);
	while (n--)
		printf("%02x", *c++);
	putchar('\n');
}

int main(void)
{
	struct rpoll_event ev;
	struct rpoll_info in;
	struct rpoll_stats st;

	memset(&ev, 0, sizeof(ev));
	ev.seq = 0x1011121314151617ULL;
	ev.timestamp_ns = 0x2021222324252627ULL;
	ev.jiffies = 0x3031323334353637ULL;
	ev.source = 0x40414243u;
	ev.lost = 0x50515253u;
	memset(&in, 0, sizeof(in));
	strcpy(in.name, "rpoll-python");
	in.source = 101; in.queue_depth = 102; in.period_us = 103; in.irq = 104;
	in.trigger = 105; in.debounce_us = 106; in.max_readers = 107; in.gpio_line = 108;
	st.produced = 201; st.overruns = 202; st.debounced = 203; st.readers = 204;
	st.base = 205; st.delivered = 206; st.lost = 207; st.queued = 208;
	hex("event", &ev, sizeof(ev));
	hex("info", &in, sizeof(in));
	hex("stats", &st, sizeof(st));
	CONST(RPOLL_SOURCE_TIMER); CONST(RPOLL_SOURCE_IRQ); CONST(RPOLL_SOURCE_GPIO);
	CONST(RPOLL_SOURCE_MASK); CONST(RPOLL_EVENT_RISING); CONST(RPOLL_EVENT_FALLING);
	CONST(RPOLL_EVENT_LEVEL); CONST(RPOLL_GPIO_ACTIVE_LOW); CONST(RPOLL_GPIO_LINE_MASK);
	CONST(RPOLL_EVENT_RESUMED); CONST(RPOLL_IOC_GET_LEVEL);
	CONST(RPOLL_NAME_LEN); CONST(RPOLL_IOC_MAGIC); CONST(RPOLL_IOC_INFO);
	CONST(RPOLL_IOC_STATS); CONST(RPOLL_IOC_SET_CLOCK); CONST(RPOLL_IOC_FLUSH);
	CONST(RPOLL_IOC_SET_PERIOD); CONST(RPOLL_IOC_GET_CONFIG); CONST(RPOLL_IOC_SET_CONFIG);
	CONST(RPOLL_IOC_SET_EDGE_MASK); CONST(RPOLL_EVENT_CONFIG); CONST(RPOLL_EDGE_RISING);
	CONST(RPOLL_EDGE_FALLING); CONST(RPOLL_EVENT_INITIAL); CONST(RPOLL_EVENT_WAKEUP); CONST(RPOLL_IOC_WANT_INITIAL); CONST(RPOLL_IOC_SET_WATERMARK);
	CONST(RPOLL_EVENT_MERGED_SHIFT); CONST(RPOLL_EVENT_MERGED_MASK);
	printf("const sizeof_config %zu\n", sizeof(struct rpoll_config));
	printf("const sizeof_edge_mask %zu\n", sizeof(struct rpoll_edge_mask));
	printf("const sizeof_watermark %zu\n", sizeof(struct rpoll_watermark));
	return 0;
}
"""


def c_side():
    """{'const': {name: value}, 'bytes': {tag: bytes}} from the C program."""
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        raise unittest.SkipTest(f"no C compiler {cc}")  # counted as a failure by the runner
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = Path(tmp) / "layout.c", Path(tmp) / "layout"
        src.write_text(C_PROGRAM)
        subprocess.run([cc, "-Wall", "-Werror", "-I", str(ROOT / "include/uapi"), "-o", str(exe), str(src)],
                       check=True)
        out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    side = {"const": {}, "bytes": {}}
    for line in out.splitlines():
        kind, name, value = line.split()
        side[kind][name] = int(value) if kind == "const" else bytes.fromhex(value)
    return side


class Layouts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = c_side()

    def test_event_bytes(self):
        raw = self.c["bytes"]["event"]
        self.assertEqual(len(raw), uapi.EVENT.size)
        ev = Event.unpack(raw)
        want = Event(0x1011121314151617, 0x2021222324252627, 0x3031323334353637, 0x40414243, 0x50515253)
        self.assertEqual(ev, want)
        self.assertEqual(uapi.EVENT.pack(*vars(want).values()), raw)

    def test_info_bytes(self):
        raw = self.c["bytes"]["info"]
        self.assertEqual(len(raw), uapi.INFO.size)
        info = Info.unpack(raw)
        self.assertEqual(info, Info("rpoll-python", 101, 102, 103, 104, 105, 106, 107, 108))

    def test_stats_bytes(self):
        raw = self.c["bytes"]["stats"]
        self.assertEqual(len(raw), uapi.STATS.size)
        self.assertEqual(Stats.unpack(raw), Stats(201, 202, 203, 204, 205, 206, 207, 208))

    def test_constants(self):
        c = self.c["const"]
        pairs = {
            "RPOLL_SOURCE_TIMER": uapi.SOURCE_TIMER,
            "RPOLL_SOURCE_IRQ": uapi.SOURCE_IRQ,
            "RPOLL_SOURCE_GPIO": uapi.SOURCE_GPIO,
            "RPOLL_SOURCE_MASK": uapi.SOURCE_MASK,
            "RPOLL_EVENT_RISING": uapi.EVENT_RISING,
            "RPOLL_EVENT_FALLING": uapi.EVENT_FALLING,
            "RPOLL_EVENT_LEVEL": uapi.EVENT_LEVEL,
            "RPOLL_EVENT_RESUMED": uapi.EVENT_RESUMED,
            "RPOLL_GPIO_ACTIVE_LOW": uapi.GPIO_ACTIVE_LOW,
            "RPOLL_GPIO_LINE_MASK": uapi.GPIO_LINE_MASK,
            "RPOLL_NAME_LEN": uapi.NAME_LEN,
            "RPOLL_IOC_MAGIC": uapi.IOC_MAGIC,
        }
        for name, value in pairs.items():
            with self.subTest(name=name):
                self.assertEqual(c[name], value)

    def test_ioctl_numbers(self):
        c = self.c["const"]
        for name, value in {
            "RPOLL_IOC_INFO": uapi.IOC_INFO,
            "RPOLL_IOC_STATS": uapi.IOC_STATS,
            "RPOLL_IOC_SET_CLOCK": uapi.IOC_SET_CLOCK,
            "RPOLL_IOC_FLUSH": uapi.IOC_FLUSH,
            "RPOLL_IOC_SET_PERIOD": uapi.IOC_SET_PERIOD,
            "RPOLL_IOC_GET_LEVEL": uapi.IOC_GET_LEVEL,
            "RPOLL_IOC_GET_CONFIG": uapi.IOC_GET_CONFIG,
            "RPOLL_IOC_SET_CONFIG": uapi.IOC_SET_CONFIG,
            "RPOLL_IOC_SET_EDGE_MASK": uapi.IOC_SET_EDGE_MASK,
            "RPOLL_EVENT_CONFIG": uapi.EVENT_CONFIG,
            "RPOLL_EDGE_RISING": uapi.EDGE_RISING,
            "RPOLL_EDGE_FALLING": uapi.EDGE_FALLING,
            "RPOLL_EVENT_INITIAL": uapi.EVENT_INITIAL,
            "RPOLL_EVENT_WAKEUP": uapi.EVENT_WAKEUP,
            "RPOLL_IOC_WANT_INITIAL": uapi.IOC_WANT_INITIAL,
            "RPOLL_IOC_SET_WATERMARK": uapi.IOC_SET_WATERMARK,
            "RPOLL_EVENT_MERGED_SHIFT": uapi.EVENT_MERGED_SHIFT,
            "RPOLL_EVENT_MERGED_MASK": uapi.EVENT_MERGED_MASK,
            "sizeof_config": uapi.CONFIG.size,
            "sizeof_edge_mask": uapi.EDGE_MASK.size,
            "sizeof_watermark": uapi.WATERMARK.size,
        }.items():
            with self.subTest(name=name):
                self.assertEqual(c[name], value)


class Decoding(unittest.TestCase):
    def test_gpio_flags(self):
        ev = Event(1, 2, 3, uapi.SOURCE_GPIO | uapi.EVENT_RISING | uapi.EVENT_LEVEL, 0)
        self.assertEqual((ev.kind, ev.edge, ev.level), (uapi.SOURCE_GPIO, "rising", 1))
        ev = Event(1, 2, 3, uapi.SOURCE_GPIO | uapi.EVENT_FALLING, 0)
        self.assertEqual((ev.edge, ev.level), ("falling", 0))
        timer = Event(1, 2, 3, uapi.SOURCE_TIMER, 0)
        self.assertEqual((timer.edge, timer.level), (None, None))
        self.assertEqual(rpoll.source_name(timer.source), "timer")

    def test_device_path(self):
        self.assertEqual(rpoll.device_path("/dev/x"), "/dev/x")
        self.assertEqual(rpoll.device_path("tick"), "/dev/rpoll-tick")


if __name__ == "__main__":
    unittest.main()
