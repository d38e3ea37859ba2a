"""Guest tests of the Python package against the real driver (group
`python`), on the debug kernel with the test DTB: the classic pollable-driver
checks (device node, blocking read, wake-up, O_NONBLOCK, epoll, FIFO order,
a full queue), the ioctls with their errnos, asyncio over two devices, and
a press driven from the host (scripts/board-io agent, PL061 line 4 = "key").

Prints the guest result protocol: `guest plan N`, `guest test NAME ... ok
(MS ms)` or `... FAILED: why`, `guest: P passed, F failed`; exits 1 if any
test failed.
"""

import asyncio
import errno
import itertools
import os
import select
import selectors
import stat
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rpoll  # noqa: E402

WAIT_S = 10.0
KEY_LINE = 4
_request_ids = itertools.count(1)


class Failed(Exception):
    """A test's assertion."""


def check(cond, msg):
    if not cond:
        raise Failed(msg)


def drive(ops):
    """Asks the host's agent to set GPIO lines, e.g. "4=1 sleep=50 4=0"."""
    print(f"RPOLL-GPIO {next(_request_ids)} {ops}", flush=True)


def collect(dev, n, timeout=WAIT_S):
    """Up to n events from a device within timeout (selectors)."""
    out = []
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(dev, selectors.EVENT_READ)
        while len(out) < n:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                break
            out.extend(dev.read_available())
    return out


def sequence_ok(prev, events):
    """Every seq gap is explained by `lost`."""
    for ev in events:
        check(ev.seq == prev + 1 + ev.lost, f"seq {ev.seq} after {prev} with lost={ev.lost}")
        prev = ev.seq
    return prev


def identity(dev):
    s = dev.stats()
    check(s.delivered + s.lost + s.queued == s.produced - s.base, f"accounting identity broken: {s}")


def device_node_exists():
    st = os.stat("/dev/rpoll-tick")
    check(stat.S_ISCHR(st.st_mode), "/dev/rpoll-tick is not a character device")
    with rpoll.Device.open("tick") as dev:
        info = dev.info()
        check(info.name == "rpoll-tick", f"INFO name {info.name!r}")
        check(info.source == rpoll.SOURCE_TIMER, f"INFO source {info.source}")


def press_and_release(dev):
    """Presses and releases the key; returns its two records."""
    drive(f"{KEY_LINE}=1 sleep=50 {KEY_LINE}=0")
    evs = collect(dev, 2)
    check(len(evs) == 2, f"press and release gave {len(evs)} records")
    return evs


def read_blocked_then_press(max_events, settle_s):
    """A thread blocks in read() on the key; after `settle_s` the host
    presses it. Returns (still blocked before the press, records read,
    seconds from the press request to the wake-up). The key is released
    and its release record drained afterwards."""
    with rpoll.Device.open("key") as dev:
        got = []
        t = threading.Thread(target=lambda: got.extend(dev.read(max_events)))
        t.start()
        time.sleep(settle_s)
        blocked = t.is_alive()
        start = time.monotonic()
        drive(f"{KEY_LINE}=1")
        t.join(WAIT_S)
        woke = time.monotonic() - start
        drive(f"{KEY_LINE}=0")
        check(not t.is_alive(), f"the blocked reader was not woken within {WAIT_S} s")
        collect(dev, 1)
        return blocked, got, woke


def blocking_read_waits():
    blocked, got, _ = read_blocked_then_press(1, 0.3)
    check(blocked, f"read on a quiet device returned at once: {got}")


def event_wakes_blocked_reader():
    _, got, woke = read_blocked_then_press(4, 0.1)
    check(len(got) == 1 and got[0].edge == "rising" and got[0].level == 1,
          f"woken with {got}, want one rising record at level 1")
    check(got[0].kind == rpoll.SOURCE_GPIO, f"kind {got[0].kind}")
    print(f"python: blocked reader woken {woke * 1000:.1f} ms after the host was asked", flush=True)


def nonblocking_read_gives_eagain():
    with rpoll.Device.open("idle", nonblocking=True) as dev:
        try:
            dev.read()
        except BlockingIOError as e:
            check(e.errno == errno.EAGAIN, f"errno {e.errno}")
        else:
            raise Failed("read on an empty O_NONBLOCK device returned")
        check(dev.read_available() == [], "read_available on an empty device returned records")


def epoll_reports_epollin():
    with rpoll.Device.open("rpoll-ms", nonblocking=True) as ms, \
            rpoll.Device.open("idle", nonblocking=True) as idle:
        ep = select.epoll()
        try:
            ep.register(ms.fileno(), select.EPOLLIN)
            ep.register(idle.fileno(), select.EPOLLIN)
            ready = dict(ep.poll(WAIT_S))
        finally:
            ep.close()
        check(ready.get(ms.fileno(), 0) & select.EPOLLIN, f"no EPOLLIN for the 1 ms timer: {ready}")
        check(idle.fileno() not in ready, "the idle device was reported ready")
        r, _, _ = select.select([ms, idle], [], [], WAIT_S)
        check(r == [ms], f"select: {r}")


def events_in_fifo_order():
    with rpoll.Device.open("rpoll-ms", nonblocking=True) as dev:
        evs = collect(dev, 50)
        check(len(evs) >= 50, f"only {len(evs)} records")
        sequence_ok(evs[0].seq - 1 - evs[0].lost, evs)
        stamps = [e.timestamp_ns for e in evs]
        check(stamps == sorted(stamps), "timestamps go backwards")
        identity(dev)


def full_queue_loss_accounted():
    with rpoll.Device.open("fast", nonblocking=True) as dev:
        depth = dev.info().queue_depth
        time.sleep(0.2)  # 2 ms period: about 100 events into a queue of 8
        # One read of a full queue returns exactly its records (a read moves
        # up to 16 under one lock hold); reading on until EAGAIN would also
        # get whatever the 2 ms timer adds meanwhile, which depends on speed.
        evs = dev.read(64)
        check(len(evs) == depth, f"{len(evs)} records from a full queue of {depth}")
        s = dev.stats()
        check(s.lost > 0, f"no loss counted: {s}")
        check(evs[0].lost > 0, f"first record after overflow reports lost={evs[0].lost}")
        sequence_ok(s.base, evs)
        identity(dev)


def ioctl_info_and_stats():
    with rpoll.Device.open("rpoll-ms") as dev:
        i = dev.info()
        check((i.period_us, i.queue_depth, i.source) == (1000, 256, rpoll.SOURCE_TIMER), f"INFO {i}")
        check(dev.stats().readers >= 1, "STATS counts no reader")
        identity(dev)


def ioctl_set_clock():
    with rpoll.Device.open("rpoll-ms", nonblocking=True) as dev:
        dev.set_clock(rpoll.CLOCK_REALTIME)
        dev.read_available()
        ev = collect(dev, 1)[0]
        now = time.time_ns()
        check(abs(now - ev.timestamp_ns) < 5e9, f"REALTIME stamp {ev.timestamp_ns} vs now {now}")
        try:
            dev.set_clock(12345)
        except OSError as e:
            check(e.errno == errno.EINVAL, f"bad clock: errno {e.errno}")
        else:
            raise Failed("an unknown clock id was accepted")


def ioctl_flush():
    with rpoll.Device.open("rpoll-ms", nonblocking=True) as dev:
        time.sleep(0.05)
        queued = dev.stats().queued
        n = dev.flush()
        check(n >= queued > 0, f"flush dropped {n}, {queued} were queued")
        ev = collect(dev, 1)[0]
        check(ev.lost >= n, f"next record reports lost={ev.lost} after {n} flushed")
        identity(dev)


def ioctl_set_period():
    with rpoll.Device.open("retune", nonblocking=True) as dev:
        check(dev.info().period_us == 2_000_000, f"retune period {dev.info().period_us}")
        try:
            dev.set_period_us(1000)
            evs = collect(dev, 3, timeout=2.0)
            check(len(evs) >= 3, f"{len(evs)} records within 2 s of a 1 ms period")
        finally:
            dev.set_period_us(2_000_000)


def ioctl_errors_carry_errno():
    with rpoll.Device.open("key") as key, rpoll.Device.open("rpoll-ms") as ms:
        for dev, value, want in ((key, 1000, errno.ENOTTY), (ms, 0, errno.EINVAL)):
            try:
                dev.set_period_us(value)
            except OSError as e:
                check(e.errno == want, f"SET_PERIOD {value} on {dev.path}: errno {e.errno}, want {want}")
            else:
                raise Failed(f"SET_PERIOD {value} on {dev.path} succeeded")


def asyncio_two_devices():
    async def take(name, n):
        out = []
        with rpoll.Device.open(name) as dev:
            async for ev in dev.events():
                out.append(ev)
                if len(out) == n:
                    return name, out

    async def both():
        return await asyncio.wait_for(asyncio.gather(take("rpoll-ms", 20), take("fast", 10)), WAIT_S)

    got = dict(asyncio.run(both()))
    check(len(got["rpoll-ms"]) == 20 and len(got["fast"]) == 10, f"counts {[len(v) for v in got.values()]}")
    for evs in got.values():
        sequence_ok(evs[0].seq - 1 - evs[0].lost, evs)


def gpio_press_from_host():
    with rpoll.Device.open("key", nonblocking=True) as dev:
        check(dev.info().source == rpoll.SOURCE_GPIO, "key is not a GPIO device")
        evs = press_and_release(dev)
        got = [(e.edge, e.level) for e in evs]
        check(got == [("rising", 1), ("falling", 0)], f"press and release gave {got}")
        check(evs[1].seq == evs[0].seq + 1, "press and release not consecutive")
        check(not any(e.resumed for e in evs), "a GPIO record flagged resumed")
        check(dev.level() == 0, f"level {dev.level()} after the release")
        identity(dev)
    with rpoll.Device.open("tick") as tick:
        try:
            tick.level()
            check(False, "level() on a timer device succeeded")
        except OSError as e:
            check(e.errno == errno.ENOTTY, f"level() on tick: {e}")


TESTS = [
    device_node_exists,
    blocking_read_waits,
    event_wakes_blocked_reader,
    nonblocking_read_gives_eagain,
    epoll_reports_epollin,
    events_in_fifo_order,
    full_queue_loss_accounted,
    ioctl_info_and_stats,
    ioctl_set_clock,
    ioctl_flush,
    ioctl_set_period,
    ioctl_errors_carry_errno,
    asyncio_two_devices,
    gpio_press_from_host,
]


def main():
    print(f"guest plan {len(TESTS)}", flush=True)
    passed = failed = 0
    for test in TESTS:
        start = time.monotonic()
        try:
            test()
        except Exception as e:  # noqa: BLE001 - every exception is a failure
            failed += 1
            why = str(e) if isinstance(e, Failed) else "".join(
                traceback.format_exception_only(type(e), e)).strip()
            print(f"guest test python_{test.__name__} ... FAILED: {why}", flush=True)
        else:
            passed += 1
            ms = int((time.monotonic() - start) * 1000)
            print(f"guest test python_{test.__name__} ... ok ({ms} ms)", flush=True)
    print(f"guest: {passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
