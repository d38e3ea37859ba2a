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

GPIO_ACTIVE_LOW = 1 << 31
GPIO_LINE_MASK = 0xFFFF
NAME_LEN = 40

# Clocks for set_clock() (Linux clock ids).
CLOCK_REALTIME = 0
CLOCK_MONOTONIC = 1
CLOCK_BOOTTIME = 7

# struct rpoll_event: seq, timestamp_ns, jiffies (u64), source, lost (u32).
EVENT = struct.Struct("<QQQII")
# struct rpoll_info: name[40], then 8 u32 (the last is gpio_line/reserved).
INFO = struct.Struct(f"<{NAME_LEN}s8I")
# struct rpoll_stats: 8 u64.
STATS = struct.Struct("<8Q")
U32 = struct.Struct("<I")

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
