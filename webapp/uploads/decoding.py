"""How many images one process decodes at once: a bound on the memory uploads can take.

Decoding needs about 3-4 bytes per pixel, plus the copies re-encoding makes (bench/upload_memory.py
measures it). With several request threads per worker, four large uploads at once could take
a small instance past its memory, so each process decodes at most ``UPLOAD_DECODES`` images at a
time; an upload that finds every slot taken waits ``UPLOAD_DECODE_WAIT`` seconds, then is
refused with 503 and ``Retry-After`` (nothing is stored) instead of growing the process.
"""

import contextlib
import threading

from ..exceptions import Busy

BUSY = "The server is busy with other images right now. Nothing was saved; please try again in a few seconds."
RETRY_AFTER = 5


class DecodeSlots:
    """A per-process count of image decodes under way, at most ``count`` at once."""

    def __init__(self, count, wait):
        self.count = count
        self.wait = wait
        self._slots = threading.BoundedSemaphore(count)

    @contextlib.contextmanager
    def slot(self):
        """Hold one slot while the block decodes; Busy when none frees up within ``wait`` seconds."""
        if not self._slots.acquire(timeout=self.wait):
            raise Busy(BUSY, retry_after=RETRY_AFTER)
        try:
            yield
        finally:
            self._slots.release()
