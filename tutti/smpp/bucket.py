"""A token bucket: the segments-per-second pace both ends of an SMPP bind keep."""

from __future__ import annotations

import time


class TokenBucket:
    """Allow `rate` takes per second on average, at most `burst` at once."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = max(1.0, burst if burst is not None else rate / 10)
        # Start with one token, not a full bucket: a fresh bind must not open with a burst.
        self._tokens = 1.0
        self._at = time.monotonic()

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now

    def take(self, now: float | None = None) -> bool:
        """Take one token if there is one."""
        self._refill(time.monotonic() if now is None else now)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def delay(self, now: float | None = None) -> float:
        """Seconds until a token is available."""
        self._refill(time.monotonic() if now is None else now)
        return max(0.0, (1.0 - self._tokens) / self.rate)

    def hold(self, seconds: float, now: float | None = None) -> None:
        """Hand out nothing for `seconds` (the far end said we were too fast)."""
        self._refill(time.monotonic() if now is None else now)
        self._tokens = min(self._tokens, 1.0 - seconds * self.rate)
