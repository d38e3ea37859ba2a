"""An open rpoll device: read records, ioctls, select/selectors and asyncio.

Errors are the kernel's: every failing call raises OSError (or a subclass
such as BlockingIOError for EAGAIN) whose `errno` is what the driver
returned, e.g. ENODEV after the device was unbound, EPERM for an
unprivileged set_period_us().
"""

import asyncio
import errno
import fcntl
import os
from typing import AsyncIterator, Iterator, List

from . import uapi
from .records import Config, Event, Info, Stats


def device_path(name: str) -> str:
    """The path of a device given as a label ('tick'), a device name
    ('rpoll-tick') or a path ('/dev/rpoll-tick'); a label is tried first."""
    if "/" in name:
        return name
    by_label = f"/dev/rpoll-{name}"
    if name.startswith("rpoll-") and not os.path.exists(by_label):
        return f"/dev/{name}"
    return by_label


class Device:
    """One open file of an rpoll device. Usable with select()/selectors
    (fileno()), as a context manager, as a blocking iterator of events, and
    with `async for ev in dev.events()` on asyncio."""

    def __init__(self, fd: int, path: str):
        self._fd = fd
        self.path = path

    @classmethod
    def open(cls, name: str, nonblocking: bool = False) -> "Device":
        """Opens /dev/rpoll-<name> read-only (O_NONBLOCK if asked)."""
        path = device_path(name)
        flags = os.O_RDONLY | os.O_CLOEXEC | (os.O_NONBLOCK if nonblocking else 0)
        return cls(os.open(path, flags), path)

    def fileno(self) -> int:
        return self._fd

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> "Device":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def nonblocking(self) -> bool:
        return bool(fcntl.fcntl(self._fd, fcntl.F_GETFL) & os.O_NONBLOCK)

    def read(self, max_events: int = 64) -> List[Event]:
        """One read() of up to `max_events` records: blocks on a blocking
        file until at least one is there; raises BlockingIOError (EAGAIN)
        on an empty non-blocking one."""
        if max_events < 1:
            raise ValueError("max_events must be at least 1")
        data = os.read(self._fd, max_events * uapi.EVENT.size)
        return [Event.unpack(data, off) for off in range(0, len(data), uapi.EVENT.size)]

    def read_available(self, max_events: int = 64) -> List[Event]:
        """The records queued now, without blocking (empty if none), even on
        a blocking file: waits for nothing."""
        out: List[Event] = []
        was = self.nonblocking
        if not was:
            os.set_blocking(self._fd, False)
        try:
            while True:
                try:
                    batch = self.read(max_events)
                except BlockingIOError:
                    return out
                out.extend(batch)
        finally:
            if not was:
                os.set_blocking(self._fd, True)

    def __iter__(self) -> Iterator[Event]:
        """Events one by one; on a blocking file this waits forever, on a
        non-blocking one it ends when the queue is empty."""
        while True:
            try:
                batch = self.read()
            except BlockingIOError:
                return
            yield from batch

    async def events(self) -> AsyncIterator[Event]:
        """Async iterator over events for asyncio: waits for readability
        with the running loop (the file is switched to O_NONBLOCK)."""
        os.set_blocking(self._fd, False)
        loop = asyncio.get_running_loop()
        while True:
            try:
                batch = self.read()
            except BlockingIOError:
                ready = loop.create_future()
                loop.add_reader(self._fd, lambda: ready.done() or ready.set_result(None))
                try:
                    await ready
                finally:
                    loop.remove_reader(self._fd)
                continue
            for ev in batch:
                yield ev

    def _ioctl_read(self, request: int, size: int) -> bytes:
        buf = bytearray(size)
        fcntl.ioctl(self._fd, request, buf, True)
        return bytes(buf)

    def info(self) -> Info:
        """What the device is (RPOLL_IOC_INFO)."""
        return Info.unpack(self._ioctl_read(uapi.IOC_INFO, uapi.INFO.size))

    def stats(self) -> Stats:
        """Device and per-file counters (RPOLL_IOC_STATS)."""
        return Stats.unpack(self._ioctl_read(uapi.IOC_STATS, uapi.STATS.size))

    def level(self) -> int:
        """A GPIO device's current logical level, 0 or 1: the settled level
        of a both-edge line (RPOLL_IOC_GET_LEVEL; ENOTTY on timer and
        irq devices)."""
        (value,) = uapi.U32.unpack(self._ioctl_read(uapi.IOC_GET_LEVEL, uapi.U32.size))
        return value

    def set_clock(self, clock: int) -> None:
        """The clock of this file's timestamps: CLOCK_MONOTONIC (default),
        CLOCK_REALTIME, CLOCK_BOOTTIME or CLOCK_TAI (RPOLL_IOC_SET_CLOCK)."""
        fcntl.ioctl(self._fd, uapi.IOC_SET_CLOCK, uapi.U32.pack(clock))

    def flush(self) -> int:
        """Drops this file's queued events, counted as lost; returns how
        many (RPOLL_IOC_FLUSH)."""
        return fcntl.ioctl(self._fd, uapi.IOC_FLUSH, 0)

    def set_period_us(self, period_us: int) -> None:
        """Sets a timer device's period for every reader (needs
        CAP_SYS_ADMIN: EPERM otherwise; ENOTTY on other sources)."""
        if not 0 <= period_us <= 0xFFFFFFFF:
            raise OSError(errno.EINVAL, f"period {period_us} us out of range")
        fcntl.ioctl(self._fd, uapi.IOC_SET_PERIOD, uapi.U32.pack(period_us))

    def config(self) -> Config:
        """A GPIO or irq device's configuration (RPOLL_IOC_GET_CONFIG):
        edges (GPIO: EDGE_RISING | EDGE_FALLING) or trigger (irq), the
        debounce window and a sampled line's interval; ENOTTY on timers."""
        raw = self._ioctl_read(uapi.IOC_GET_CONFIG, uapi.CONFIG.size)
        edges, debounce_us, interval_us, *_ = uapi.CONFIG.unpack(raw)
        return Config(edges, debounce_us, interval_us)

    def set_config(self, config: Config) -> None:
        """Changes it for every reader (RPOLL_IOC_SET_CONFIG; needs
        CAP_SYS_ADMIN, EPERM otherwise; EINVAL with nothing changed)."""
        fcntl.ioctl(
            self._fd,
            uapi.IOC_SET_CONFIG,
            uapi.CONFIG.pack(
                config.edges, config.debounce_us, config.poll_interval_us, 0, 0, 0, 0, 0
            ),
        )

    def set_edge_mask(self, mask: int) -> int:
        """Receives only the GPIO edges `mask` names on this open file
        (RPOLL_IOC_SET_EDGE_MASK); returns the records it has kept out."""
        buf = bytearray(uapi.EDGE_MASK.pack(mask, 0, 0))
        fcntl.ioctl(self._fd, uapi.IOC_SET_EDGE_MASK, buf, True)
        return uapi.EDGE_MASK.unpack(bytes(buf))[2]

    def set_watermark(self, count: int, max_delay_us: int = 0) -> None:
        """Wakes this file's waiters (poll, epoll, a blocking read) only once
        `count` records are queued or the oldest is `max_delay_us` old
        (RPOLL_IOC_SET_WATERMARK; count 1 and delay 0 are the default: every
        record). A non-blocking read still returns whatever is queued."""
        fcntl.ioctl(
            self._fd, uapi.IOC_SET_WATERMARK, uapi.WATERMARK.pack(count, max_delay_us, 0, 0)
        )

    def want_initial(self) -> None:
        """This file's first record is its initial record: the line's level
        when it was opened, with no edge lost in between
        (RPOLL_IOC_WANT_INITIAL; before the first read, EBUSY after;
        ENOTTY on timer and irq devices)."""
        fcntl.ioctl(self._fd, uapi.IOC_WANT_INITIAL, 0)
