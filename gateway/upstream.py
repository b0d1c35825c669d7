"""Connections to one service: a pooled client, timeouts, retries for idempotent requests, a circuit breaker.

Two interchangeable transports. aiohttp is the default: on the proxy path it was measured several
times faster than httpx's connection pool on this kind of machine (tests/bench/gateway_throughput.py
prints both). httpx stays for tests, whose in-process services are reached through httpx's ASGI transport.
Both hand back the service's raw header bytes and raw (still encoded) body: nothing is re-encoded.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
import httpx
from yarl import URL

if TYPE_CHECKING:
    from gateway.metrics import UpstreamMetrics

log = logging.getLogger("liaison.gateway.upstream")

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# What a service says about itself when it cannot serve anyone (overloaded, a dependency down). A 500
# is one request's bug, and is that request's answer only: it must never open the circuit for all.
UNAVAILABLE_STATUSES = frozenset({502, 503, 504})
# Never sent on unless the client sent them: the service's answer must be what the client asked for.
_AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent")


@dataclass
class UpstreamResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: bytes) -> bytes | None:
        return next((v for k, v in self.headers if k.lower() == name), None)


class UpstreamError(Exception):
    """The service could not be asked, or did not answer: `timeout`, `unavailable`, `refused` (no connection:
    the request never left, so any method may try another replica), `dropped` (the connection ended
    before an answer) or `circuit_open`."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason


class CircuitBreaker:
    """Opens after `failures` failures in a row; while open, calls fail at once instead of waiting on
    a service that is down. After `reset_seconds` one call is let through to try it again.

    A failure is what says the service is down for everyone: no connection, no answer in time, or a
    502/503/504 it answers itself. A connection the service drops after reading a request is that
    request's doing (one bad header value did it: issue 10), so it counts neither way."""

    def __init__(self, *, failures: int, reset_seconds: float) -> None:
        self.threshold = failures
        self.reset_seconds = reset_seconds
        self.failures = 0
        self.open_until = 0.0

    def allow(self) -> bool:
        if self.failures < self.threshold:
            return True
        now = time.monotonic()
        if now >= self.open_until:
            # Half-open: this caller tries; everyone else keeps failing fast until it reports back.
            self.open_until = now + self.reset_seconds
            return True
        return False

    def succeeded(self) -> None:
        self.failures = 0

    def failed(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self.open_until = time.monotonic() + self.reset_seconds

    @property
    def is_open(self) -> bool:
        return self.failures >= self.threshold and time.monotonic() < self.open_until


class Upstream:
    """One service: a transport plus the policy around it (retries, breaker)."""

    def __init__(self, name: str, *, retries: int, breaker: CircuitBreaker) -> None:
        self.name = name
        self.retries = retries
        self.breaker = breaker
        self.metrics: UpstreamMetrics | None = None  # set by the gateway's lifespan

    replicas = 1

    async def request(
        self,
        method: str,
        target: str,
        *,
        headers: list[tuple[str, str]],
        body: bytes = b"",
        timeout: float | None = None,
    ) -> UpstreamResponse:
        if self.metrics is None:
            return await self._request(method, target, headers=headers, body=body, timeout=timeout)
        # Anything but an answer or an UpstreamError (the client went away, say) counts as a connection error.
        started = time.perf_counter()
        reason: str | None = "dropped"
        try:
            response = await self._request(method, target, headers=headers, body=body, timeout=timeout)
            reason = None
            return response
        except UpstreamError as error:
            reason = error.reason
            raise
        finally:
            breaker_open = self.breaker.failures >= self.breaker.threshold
            self.metrics.observe(
                self.name, reason=reason, seconds=time.perf_counter() - started, breaker_open=breaker_open
            )

    async def _request(
        self,
        method: str,
        target: str,
        *,
        headers: list[tuple[str, str]],
        body: bytes = b"",
        timeout: float | None = None,
    ) -> UpstreamResponse:
        attempts = 1 + (self.retries if method in IDEMPOTENT else 0)
        # A replica that refused the connection never saw the request: another one may take it, whatever the method.
        attempts = max(attempts, self.replicas)
        for attempt in range(attempts):
            if not self.breaker.allow():
                raise UpstreamError(self.name, "circuit_open")
            try:
                response = await self._send(method, target, headers, body, timeout)
            except UpstreamError as error:
                if error.reason != "dropped":  # one request's broken answer is not the service failing
                    self.breaker.failed()
                # A refused connection never reached the service: another replica may take any method. A
                # dropped one may have been read, so only an idempotent request goes again (a keep-alive
                # connection the service was closing looks the same). A timeout is not retried: waiting
                # twice as long helps nobody.
                retryable = error.reason == "refused" or (error.reason == "dropped" and method in IDEMPOTENT)
                if attempt + 1 >= attempts or not retryable:
                    if error.reason == "refused":
                        raise UpstreamError(self.name, "unavailable") from error
                    raise
                log.info("retrying", extra={"service": self.name, "reason": error.reason, "attempt": attempt + 1})
                continue
            if response.status in UNAVAILABLE_STATUSES:
                self.breaker.failed()
            else:
                self.breaker.succeeded()
            return response
        raise AssertionError("unreachable")

    async def _send(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, timeout: float | None
    ) -> UpstreamResponse:
        raise NotImplementedError

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


class AiohttpUpstream(Upstream):
    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        connect_timeout: float,
        read_timeout: float,
        max_connections: int,
        retries: int,
        breaker: CircuitBreaker,
        trace_configs: list[aiohttp.TraceConfig] | None = None,
    ) -> None:
        super().__init__(name, retries=retries, breaker=breaker)
        self.trace_configs = trace_configs  # a client span per call when traces are exported (kit/tracing.py)
        # Several replicas: "http://a:8001,http://b:8011", taken in turn, one that refused skipped for a while.
        self.base_urls = [url.strip().rstrip("/") for url in base_url.split(",") if url.strip()]
        self.base_url = self.base_urls[0]
        self.replicas = len(self.base_urls)
        self._turn = 0
        self._resting: dict[int, float] = {}
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_connections = max_connections
        self.session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        # keepalive below uvicorn's 5 s: the gateway drops an idle connection before the service
        # does, so a request is never written into a socket the service is closing.
        connector = aiohttp.TCPConnector(
            limit=self.max_connections,
            limit_per_host=self.max_connections,
            keepalive_timeout=4.0,
            enable_cleanup_closed=True,
        )
        self.session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            skip_auto_headers=_AUTO_HEADERS,
            trace_configs=self.trace_configs,
            timeout=aiohttp.ClientTimeout(total=None, connect=self.connect_timeout, sock_read=self.read_timeout),
        )

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

    def _pick(self) -> int:
        now = time.monotonic()
        for _ in range(self.replicas):
            index, self._turn = self._turn % self.replicas, self._turn + 1
            if self._resting.get(index, 0.0) <= now:
                return index
        return self._turn % self.replicas

    async def _send(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, timeout: float | None
    ) -> UpstreamResponse:
        index = self._pick()
        try:
            return await self._send_to(self.base_urls[index], method, target, headers, body, timeout)
        except UpstreamError as error:
            if error.reason == "refused":
                self._resting[index] = time.monotonic() + 2.0
            raise

    async def _send_to(
        self,
        base_url: str,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        timeout: float | None,
    ) -> UpstreamResponse:
        # encoded=True: the path and query go on byte for byte as the client sent them (and as signed).
        url = URL(base_url + target, encoded=True)
        if self.session is None:
            raise RuntimeError(f"upstream {self.name} used before start()")
        # Without a timeout of its own, the session's default applies.
        client_timeout = (
            aiohttp.ClientTimeout(total=timeout, connect=min(timeout, self.connect_timeout))
            if timeout is not None
            else self.session.timeout
        )
        try:
            async with self.session.request(
                method, url, headers=headers, data=body or None, allow_redirects=False, timeout=client_timeout
            ) as response:
                return UpstreamResponse(response.status, list(response.raw_headers), await response.read())
        except aiohttp.ClientConnectorError as exc:
            raise UpstreamError(self.name, "refused") from exc
            raise UpstreamError(self.name, "unavailable") from exc
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise UpstreamError(self.name, "timeout") from exc
        except aiohttp.ClientError as exc:
            # Connected, then the connection ended (ServerDisconnected, reset, a broken answer).
            raise UpstreamError(self.name, "dropped") from exc


class HttpxUpstream(Upstream):
    def __init__(
        self, name: str, client: httpx.AsyncClient, *, retries: int, breaker: CircuitBreaker, owned: bool = True
    ) -> None:
        super().__init__(name, retries=retries, breaker=breaker)
        for header in _AUTO_HEADERS:
            client.headers.pop(header, None)
        self.client = client
        self.owned = owned

    async def close(self) -> None:
        if self.owned:
            await self.client.aclose()

    async def _send(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, timeout: float | None
    ) -> UpstreamResponse:
        request = self.client.build_request(
            method,
            target,
            headers=headers,
            content=body,
            timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
        )
        try:
            response = await self.client.send(request, stream=True)
            try:
                # Raw bytes (still compressed if they were); a response a transport built in memory is read already.
                content = (
                    response.content
                    if response.is_stream_consumed
                    else b"".join([chunk async for chunk in response.aiter_raw()])
                )
            finally:
                await response.aclose()
        except httpx.ConnectError as exc:
            raise UpstreamError(self.name, "refused") from exc
        except httpx.TimeoutException as exc:
            raise UpstreamError(self.name, "timeout") from exc
        except httpx.TransportError as exc:
            raise UpstreamError(self.name, "dropped") from exc
        return UpstreamResponse(response.status_code, list(response.headers.raw), content)
