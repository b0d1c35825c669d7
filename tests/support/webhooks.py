"""A webhook receiver on a free loopback port: records every request, and answers as each path is told
(a list of statuses to give first, then 200; a delay, to play a receiver that hangs; or a trickle: the
answer's headers at once, then its body one byte at a time, so that no single read ever times out)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.ports import free_port

# Webhooks reach public addresses only (services/notifications/channels/destinations.py); a test's
# receiver listens on loopback, so every process that must reach one is started with this.
LOOPBACK_RECEIVERS = {"LIAISON_NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS": '["127.0.0.0/8"]'}


@dataclass
class ReceivedHook:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int
    at: float


class WebhookReceiver:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.received: list[ReceivedHook] = []
        self.scripts: dict[str, list[int]] = {}
        self.delays: dict[str, float] = {}
        self.trickles: dict[str, float] = {}  # path -> seconds between bytes of a 1,000-byte answer
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self._answer(self.rfile.read(int(self.headers.get("content-length") or 0)))

            def _answer(self, body: bytes) -> None:
                trickle = receiver.trickles.get(self.path)
                if trickle:
                    with receiver.lock:
                        receiver.received.append(
                            ReceivedHook(
                                self.path, {k.lower(): v for k, v in self.headers.items()}, body, 200, time.monotonic()
                            )
                        )
                    try:
                        self.send_response(200)
                        self.send_header("content-length", "1000")
                        self.end_headers()
                        for _ in range(1000):
                            self.wfile.write(b" ")
                            self.wfile.flush()
                            time.sleep(trickle)
                    except OSError:
                        pass  # the sender gave up
                    return
                delay = receiver.delays.get(self.path, 0.0)
                if delay:
                    time.sleep(delay)
                with receiver.lock:
                    script = receiver.scripts.get(self.path) or []
                    status = script.pop(0) if script else 200
                    receiver.received.append(
                        ReceivedHook(
                            self.path, {k.lower(): v for k, v in self.headers.items()}, body, status, time.monotonic()
                        )
                    )
                try:
                    self.send_response(status)
                    self.send_header("content-length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def at(self, path: str) -> list[ReceivedHook]:
        with self.lock:
            return [hook for hook in self.received if hook.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 20.0, ok_only: bool = False) -> list[ReceivedHook]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [h for h in self.at(path) if not ok_only or 200 <= h.answered < 300]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{len(self.at(path))} request(s) at {path} after {timeout}s, wanted {count}")
