"""Token buckets, one per user or API key (per worker process)."""

from __future__ import annotations

import math
import time

MAX_BUCKETS = 100_000


class RateLimiter:
    def __init__(self, *, per_second: float, burst: int) -> None:
        self.rate = per_second
        self.burst = float(burst)
        self._buckets: dict[str, list[float]] = {}  # who -> [tokens, last refill]

    def take(self, who: str, now: float | None = None) -> float:
        """0 when the request may go; otherwise the seconds to wait before the next one will."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(who)
        if bucket is None:
            if len(self._buckets) >= MAX_BUCKETS:
                # Only idle callers are forgotten: a full bucket is what they would have anyway.
                self._buckets = {k: b for k, b in self._buckets.items() if b[0] + (now - b[1]) * self.rate < self.burst}
            bucket = self._buckets[who] = [self.burst, now]
        tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
        bucket[1] = now
        if tokens >= 1.0:
            bucket[0] = tokens - 1.0
            return 0.0
        bucket[0] = tokens
        return (1.0 - tokens) / self.rate


def retry_after_header(wait: float) -> str:
    return str(max(1, math.ceil(wait)))
