"""Token buckets, one per user or API key (per worker process)."""

from __future__ import annotations

import math
import time

from starlette.responses import Response

from services.kit.http_problems import problem_response

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


def too_many_requests(wait: float, *, detail: str, title: str = "Too many requests") -> Response:
    return problem_response(429, title=title, detail=detail, headers={"Retry-After": retry_after_header(wait)})


class LoginBackoff:
    """Failed logins slow down the client that makes them, for that account only.

    Kept per (account, client address): after `free_failures` failures in a row, each further one
    makes that client wait `base_seconds`, doubling up to `max_seconds`, before its next try on that
    account, and the password is not even checked meanwhile (429). Someone guessing from elsewhere
    therefore never locks the owner out; a successful login clears the slate. Per worker process,
    like the rate limits. Client addresses come from the connection (or from X-Forwarded-For set by
    a configured proxy: `trusted_proxies`), never from what a client says of itself.
    """

    def __init__(self, *, free_failures: int, base_seconds: float, max_seconds: float) -> None:
        self.free_failures = free_failures
        self.base_seconds = base_seconds
        self.max_seconds = max_seconds
        self._failures: dict[tuple[str, str], tuple[int, float]] = {}  # -> (failures, blocked until)

    @staticmethod
    def _key(username: str, client: str) -> tuple[str, str]:
        return (username.casefold(), client)

    def wait(self, username: str, client: str, now: float | None = None) -> float:
        """0 when this client may try this account now; otherwise the seconds left to wait."""
        now = time.monotonic() if now is None else now
        failures = self._failures.get(self._key(username, client))
        return 0.0 if failures is None else max(0.0, failures[1] - now)

    def failed(self, username: str, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if len(self._failures) >= MAX_BUCKETS:
            # Forget those whose wait is over and who are not near the cap: their next failure starts again.
            self._failures = {k: v for k, v in self._failures.items() if v[1] > now - self.max_seconds}
        key = self._key(username, client)
        count = self._failures.get(key, (0, 0.0))[0] + 1
        over = count - self.free_failures
        delay = 0.0 if over <= 0 else min(self.max_seconds, self.base_seconds * 2 ** min(over - 1, 32))
        self._failures[key] = (count, now + delay)

    def succeeded(self, username: str, client: str) -> None:
        self._failures.pop(self._key(username, client), None)
