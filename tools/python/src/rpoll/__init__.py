"""rpoll: read events from rpoll devices (/dev/rpoll-*) in Python.

    import rpoll
    with rpoll.Device.open("tick") as dev:
        for ev in dev:
            print(ev.seq, ev.timestamp_ns, ev.lost)

Standard library only (os, struct, fcntl, selectors, asyncio).
"""

from .device import Device, device_path
from .records import Config, Event, Info, Stats, source_name
from .uapi import (
    CLOCK_BOOTTIME,
    CLOCK_MONOTONIC,
    CLOCK_REALTIME,
    CLOCK_TAI,
    EDGE_FALLING,
    EDGE_RISING,
    GPIO_ACTIVE_LOW,
    GPIO_LINE_MASK,
    SOURCE_GPIO,
    SOURCE_IRQ,
    SOURCE_TIMER,
)

__all__ = [
    "Config",
    "Device",
    "device_path",
    "EDGE_FALLING",
    "EDGE_RISING",
    "Event",
    "Info",
    "Stats",
    "source_name",
    "CLOCK_BOOTTIME",
    "CLOCK_MONOTONIC",
    "CLOCK_REALTIME",
    "CLOCK_TAI",
    "GPIO_ACTIVE_LOW",
    "GPIO_LINE_MASK",
    "SOURCE_GPIO",
    "SOURCE_IRQ",
    "SOURCE_TIMER",
]
