"""rpoll's user-space ABI in Python: record and ioctl layouts, in one place.

Mirrors include/uapi/linux/rpoll.h; tests/test_uapi.py compiles that header
with the host's C compiler and checks every constant, size and field offset
here against it.
"""

import struct

# Sources (low byte of `source`) and GPIO event flags above it.
SOURCE_TIMER = 1
SOURCE_IRQ = 2
SOURCE_GPIO = 3
SOURCE_MASK = 0xFF
EVENT_RISING = 1 << 8
EVENT_FALLING = 1 << 9
EVENT_LEVEL = 1 << 10
# Timer records: the first after a system sleep (missed periods in overruns).
EVENT_RESUMED = 1 << 11
# GPIO and irq records: the first after RPOLL_IOC_SET_CONFIG changed the device.
EVENT_CONFIG = 1 << 12
# GPIO: a file's initial record (the line's level at open; IOC_WANT_INITIAL).
EVENT_INITIAL = 1 << 13
# GPIO and irq: the edge that woke the system (or stopped it from sleeping).
EVENT_WAKEUP = 1 << 14
# GPIO: bits 16..31 count the line's inputs merged into no record since the
# device's previous record.
EVENT_MERGED_SHIFT = 16
EVENT_MERGED_MASK = 0xFFFF << EVENT_MERGED_SHIFT
# Edges of struct rpoll_config and struct rpoll_edge_mask.
EDGE_RISING = 1
EDGE_FALLING = 2

GPIO_ACTIVE_LOW = 1 << 31
GPIO_LINE_MASK = 0xFFFF
NAME_LEN = 40

# Clocks for set_clock() (Linux clock ids).
CLOCK_REALTIME = 0
CLOCK_MONOTONIC = 1
CLOCK_BOOTTIME = 7
CLOCK_TAI = 11

# struct rpoll_event: seq, timestamp_ns, jiffies (u64), source, lost (u32).
EVENT = struct.Struct("<QQQII")
# struct rpoll_info: name[40], then 8 u32 (the last is gpio_line/reserved).
INFO = struct.Struct(f"<{NAME_LEN}s8I")
# struct rpoll_stats: 8 u64.
STATS = struct.Struct("<8Q")
U32 = struct.Struct("<I")
# struct rpoll_config: edges, debounce_us, poll_interval_us, reserved[5] (u32).
CONFIG = struct.Struct("<8I")
# struct rpoll_edge_mask: mask, reserved (u32), filtered (u64).
EDGE_MASK = struct.Struct("<IIQ")
# struct rpoll_watermark: count, max_delay_us, reserved[2] (u32).
WATERMARK = struct.Struct("<4I")

# asm-generic ioctl encoding (arm, arm64, x86): dir << 30 | size << 16 | type << 8 | nr.
_IOC_WRITE = 1
_IOC_READ = 2


def _ioc(direction, nr, size):
    return (direction << 30) | (size << 16) | (IOC_MAGIC << 8) | nr


IOC_MAGIC = 0xB9
IOC_INFO = _ioc(_IOC_READ, 0, INFO.size)
IOC_STATS = _ioc(_IOC_READ, 1, STATS.size)
IOC_SET_CLOCK = _ioc(_IOC_WRITE, 2, U32.size)
IOC_FLUSH = _ioc(0, 3, 0)
IOC_SET_PERIOD = _ioc(_IOC_WRITE, 4, U32.size)
IOC_GET_LEVEL = _ioc(_IOC_READ, 5, U32.size)
IOC_GET_CONFIG = _ioc(_IOC_READ, 6, CONFIG.size)
IOC_SET_CONFIG = _ioc(_IOC_WRITE, 7, CONFIG.size)
IOC_SET_EDGE_MASK = _ioc(_IOC_READ | _IOC_WRITE, 8, EDGE_MASK.size)
IOC_WANT_INITIAL = _ioc(0, 9, 0)
IOC_SET_WATERMARK = _ioc(_IOC_WRITE, 10, WATERMARK.size)
