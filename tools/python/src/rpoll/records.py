"""Decoded records: an event, a device's description, its counters."""

from dataclasses import dataclass
from typing import Optional

from . import uapi

_SOURCE_NAMES = {uapi.SOURCE_TIMER: "timer", uapi.SOURCE_IRQ: "irq", uapi.SOURCE_GPIO: "gpio"}


def source_name(source: int) -> str:
    """'timer', 'irq', 'gpio' (or 'source N') for a `source` word."""
    kind = source & uapi.SOURCE_MASK
    return _SOURCE_NAMES.get(kind, f"source {kind}")


@dataclass(frozen=True)
class Event:
    """One struct rpoll_event."""

    seq: int
    timestamp_ns: int
    jiffies: int
    source: int
    lost: int

    @classmethod
    def unpack(cls, data: bytes, offset: int = 0) -> "Event":
        return cls(*uapi.EVENT.unpack_from(data, offset))

    @property
    def kind(self) -> int:
        """SOURCE_TIMER, SOURCE_IRQ or SOURCE_GPIO."""
        return self.source & uapi.SOURCE_MASK

    @property
    def edge(self) -> Optional[str]:
        """'rising' or 'falling' for a GPIO record, else None."""
        if self.source & uapi.EVENT_RISING:
            return "rising"
        if self.source & uapi.EVENT_FALLING:
            return "falling"
        return None

    @property
    def level(self) -> Optional[int]:
        """The logical level a GPIO line settled at (0 or 1), else None."""
        if self.kind != uapi.SOURCE_GPIO:
            return None
        return 1 if self.source & uapi.EVENT_LEVEL else 0

    @property
    def merged(self) -> int:
        """GPIO: the line's inputs merged into no record since the device's
        previous record (debounced, settled, or too short to be seen)."""
        return (self.source & uapi.EVENT_MERGED_MASK) >> uapi.EVENT_MERGED_SHIFT

    @property
    def initial(self) -> bool:
        """True for a file's initial record (the line's level at open, not
        an event; Device.want_initial())."""
        return bool(self.source & uapi.EVENT_INITIAL)

    @property
    def wakeup(self) -> bool:
        """True for the record of the edge that woke the system, or stopped
        it from going to sleep (a wakeup-source device; at most one per
        sleep)."""
        return bool(self.source & uapi.EVENT_WAKEUP)

    @property
    def resumed(self) -> bool:
        """True for a timer's first record after a system sleep (the
        periods missed while asleep are counted in the device's overruns)."""
        return bool(self.source & uapi.EVENT_RESUMED)


@dataclass(frozen=True)
class Info:
    """struct rpoll_info (RPOLL_IOC_INFO)."""

    name: str
    source: int
    queue_depth: int
    period_us: int
    irq: int
    trigger: int
    debounce_us: int
    max_readers: int
    gpio_line: int

    @classmethod
    def unpack(cls, data: bytes) -> "Info":
        name, *rest = uapi.INFO.unpack(data)
        return cls(name.split(b"\0", 1)[0].decode(), *rest)


@dataclass(frozen=True)
class Stats:
    """struct rpoll_stats (RPOLL_IOC_STATS): device-wide, then this file's."""

    produced: int
    overruns: int
    debounced: int
    readers: int
    base: int
    delivered: int
    lost: int
    queued: int

    @classmethod
    def unpack(cls, data: bytes) -> "Stats":
        return cls(*uapi.STATS.unpack(data))


@dataclass(frozen=True)
class Config:
    """struct rpoll_config (RPOLL_IOC_GET_CONFIG / RPOLL_IOC_SET_CONFIG):
    GPIO edges (EDGE_RISING | EDGE_FALLING) or an irq trigger, the debounce
    window, a sampled line's interval (0 otherwise)."""

    edges: int
    debounce_us: int
    poll_interval_us: int
