"""Device's read paths on a pipe standing in for /dev/rpoll-*: whole records
decoded in order, read_available() never blocks, iteration ends on an empty
non-blocking file, and the asyncio iterator wakes up for records written
later. (The ioctls need the real driver.)"""

import asyncio
import os
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from rpoll import Device  # noqa: E402
from rpoll import uapi  # noqa: E402


def record(seq, lost=0):
    return uapi.EVENT.pack(seq, 1000 * seq, 4_294_000_000 + seq, uapi.SOURCE_TIMER, lost)


class PipeDevice(unittest.TestCase):
    def setUp(self):
        self.r, self.w = os.pipe()
        self.dev = Device(self.r, "pipe")

    def tearDown(self):
        self.dev.close()
        os.close(self.w)

    def test_read_decodes_records_in_order(self):
        os.write(self.w, record(1) + record(2) + record(3, lost=4))
        evs = self.dev.read(8)
        self.assertEqual([e.seq for e in evs], [1, 2, 3])
        self.assertEqual(evs[2].lost, 4)
        self.assertEqual(evs[0].timestamp_ns, 1000)

    def test_read_available_does_not_block(self):
        self.assertEqual(self.dev.read_available(), [])
        os.write(self.w, record(7))
        self.assertEqual([e.seq for e in self.dev.read_available()], [7])
        self.assertFalse(self.dev.nonblocking, "blocking mode not restored")

    def test_iteration_ends_when_nonblocking_queue_is_empty(self):
        os.set_blocking(self.r, False)
        os.write(self.w, record(1) + record(2))
        self.assertEqual([e.seq for e in self.dev], [1, 2])

    def test_empty_nonblocking_read_raises_eagain(self):
        os.set_blocking(self.r, False)
        with self.assertRaises(BlockingIOError):
            self.dev.read()

    def test_asyncio_events_wake_for_later_records(self):
        async def run():
            loop = asyncio.get_running_loop()
            loop.call_later(0.05, os.write, self.w, record(10))
            loop.call_later(0.10, os.write, self.w, record(11))
            got = []
            async for ev in self.dev.events():
                got.append(ev.seq)
                if len(got) == 2:
                    break
            return got

        self.assertEqual(asyncio.run(asyncio.wait_for(run(), 5)), [10, 11])


if __name__ == "__main__":
    unittest.main()
