"""When the database stops answering, stop waiting for it: fail fast for a moment, then let one request try.

Without this, every request thread waits out its full deadline on a frozen database, new
requests (``/health`` included) queue behind them, and the instance looks dead. Two round
trips timing out within a second, or a connect timing out, open the breaker: waits already
under way give up, new ones fail at once (a 503), and after ``COOL_OFF`` seconds one request
tries for real; its success closes the breaker. Refused connections need none of this: they
fail at once by themselves. A single slow query does not open it.
"""

import threading
import time

COOL_OFF = 2.0
WINDOW = 1.0


class Breaker:
    """The state shared by every thread of this process."""

    def __init__(self):
        self._lock = threading.Lock()
        self.opened_at = 0.0
        self.open_until = 0.0
        self._trial = None
        self._recent = []

    @property
    def is_open(self):
        return self.opened_at > 0

    def admit(self):
        """False when this round trip must fail at once; True to go ahead (possibly as the one trial)."""
        if not self.is_open:
            return True
        with self._lock:
            if not self.is_open:
                return True
            if time.monotonic() < self.open_until or self._trial is not None:
                return False
            self._trial = threading.get_ident()
            return True

    def opened_since(self, moment):
        """True when the breaker opened after ``moment`` (another request found the database frozen)."""
        return self.opened_at > moment and self._trial != threading.get_ident()

    def timed_out(self, connecting):
        """Record a timeout; opens the breaker on a connect timeout or the second timeout within WINDOW."""
        now = time.monotonic()
        with self._lock:
            self._recent = [moment for moment in self._recent if now - moment < WINDOW] + [now]
            if connecting or len(self._recent) >= 2 or self._trial == threading.get_ident():
                self.opened_at, self.open_until, self._trial = now, now + COOL_OFF, None

    def failed(self):
        """Any other failure of the trial: stay open, let another request try after the cool-off."""
        with self._lock:
            if self._trial == threading.get_ident():
                self._trial, self.open_until = None, time.monotonic() + COOL_OFF

    def answered(self):
        """The database answered: close the breaker."""
        if self.is_open:
            with self._lock:
                self.opened_at, self.open_until, self._trial, self._recent = 0.0, 0.0, None, []


BREAKER = Breaker()
