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

import aiohttp
import httpx
from yarl import URL

log = logging.getLogger("liaison.gateway.upstream")

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
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
    """The service could not be asked, or did not answer: `timeout`, `unavailable` or `circuit_open`."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason


class CircuitBreaker:
    """Opens after `failures` failures in a row; while open, calls fail at once instead of waiting on
    a service that is down. After `reset_seconds` one call is let through to try it again."""

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

    async def request(
        self,
        method: str,
        target: str,
        *,
        headers: list[tuple[str, str]],
        body: bytes = b"",
        timeout: float | None = None,
    ) -> UpstreamResponse:
        attempts = 1 + (self.retries if method in IDEMPOTENT else 0)
        for attempt in range(attempts):
            if not self.breaker.allow():
                raise UpstreamError(self.name, "circuit_open")
            try:
                response = await self._send(method, target, headers, body, timeout)
            except UpstreamError as error:
                self.breaker.failed()
                # A timeout is not retried: waiting twice as long helps nobody.
                if attempt + 1 >= attempts or error.reason != "unavailable":
                    raise
                log.info("retrying", extra={"service": self.name, "reason": error.reason, "attempt": attempt + 1})
                continue
            self.breaker.succeeded()
            return response
        raise AssertionError("unreachable")

    async def _send(self, method, target, headers, body, timeout) -> UpstreamResponse:
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
    ) -> None:
        super().__init__(name, retries=retries, breaker=breaker)
        self.base_url = base_url.rstrip("/")
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
            timeout=aiohttp.ClientTimeout(total=None, connect=self.connect_timeout, sock_read=self.read_timeout),
        )

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

    async def _send(self, method, target, headers, body, timeout) -> UpstreamResponse:
        # encoded=True: the path and query go on byte for byte as the client sent them (and as signed).
        url = URL(self.base_url + target, encoded=True)
        options = {}
        if timeout is not None:
            options["timeout"] = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, self.connect_timeout))
        try:
            async with self.session.request(
                method, url, headers=headers, data=body or None, allow_redirects=False, **options
            ) as response:
                return UpstreamResponse(response.status, list(response.raw_headers), await response.read())
        except (aiohttp.ClientConnectorError, aiohttp.ServerDisconnectedError) as exc:
            # ServerDisconnected on a reused connection: the service closed it before reading our request.
            raise UpstreamError(self.name, "unavailable") from exc
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise UpstreamError(self.name, "timeout") from exc
        except aiohttp.ClientError as exc:
            raise UpstreamError(self.name, "unavailable") from exc


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

    async def _send(self, method, target, headers, body, timeout) -> UpstreamResponse:
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
            raise UpstreamError(self.name, "unavailable") from exc
        except httpx.TimeoutException as exc:
            raise UpstreamError(self.name, "timeout") from exc
        except httpx.TransportError as exc:
            raise UpstreamError(self.name, "unavailable") from exc
        return UpstreamResponse(response.status_code, list(response.headers.raw), content)
