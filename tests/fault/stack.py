"""The fault suite's own system: its own broker and PostgreSQL (it kills them), two replicas of every
service on one database each, the gateway in front, a webhook receiver; and the kills."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from tests.support.gateway import bearer, login, start_gateway, user_headers
from tests.support.identity import TEST_IDENTITY_SECRET
from tests.support.kafka import KafkaBroker
from tests.support.people import wait_until_known
from tests.support.postgres import PostgresCluster
from tests.support.processes import ServiceProcess
from tests.support.webhooks import LOOPBACK_RECEIVERS, WebhookReceiver

SERVICES = ("partners", "engagements", "notifications")
HOOK_SECRET = "fault-suite-webhook-secret-0123"


@dataclass
class FaultStack:
    logs: Path
    broker: KafkaBroker = field(default_factory=KafkaBroker)
    postgres: PostgresCluster = field(default_factory=lambda: PostgresCluster(crash_safe=True))
    receiver: WebhookReceiver = field(default_factory=WebhookReceiver)
    replicas: dict[str, list[ServiceProcess]] = field(default_factory=dict)
    databases: dict[str, str] = field(default_factory=dict)
    gateway: ServiceProcess | None = None
    admin: dict = field(default_factory=dict)
    followers: dict[str, dict] = field(default_factory=dict)  # user -> bearer headers
    hook_path: str = "/hooks/fault"

    def start(self) -> FaultStack:
        self.broker.start()
        self.postgres.start()
        self.receiver.start()
        self.databases = {name: self.postgres.create_database(name) for name in (*SERVICES, "gateway")}
        env = {}
        for name in SERVICES:
            prefix = f"LIAISON_{name.upper()}_"
            env |= {
                prefix + "DATABASE_URL": self.databases[name],
                prefix + "ENVIRONMENT": "test",
                prefix + "IDENTITY_SECRET": TEST_IDENTITY_SECRET,
                prefix + "RELAY_IDLE_SECONDS": "0.1",
                prefix + "RELAY_LEASE_SECONDS": "10",
            }
        env |= self.broker.service_env()
        env |= {
            "LIAISON_NOTIFICATIONS_DISPATCH_IDLE_SECONDS": "0.05",
            "LIAISON_NOTIFICATIONS_WEBHOOK_TIMEOUT_SECONDS": "2",
            "LIAISON_NOTIFICATIONS_DISPATCH_LEASE_SECONDS": "6",
            "LIAISON_NOTIFICATIONS_RETRY_BASE_SECONDS": "0.5",
            "LIAISON_NOTIFICATIONS_RETRY_MAX_SECONDS": "2",
            "LIAISON_NOTIFICATIONS_DELIVERY_MAX_ATTEMPTS": "50",
            **LOOPBACK_RECEIVERS,
        }
        for name in SERVICES:
            self.replicas[name] = []
            for n in (1, 2):
                log_dir = self.logs / f"{name}-{n}"
                log_dir.mkdir(parents=True, exist_ok=True)
                self.replicas[name].append(ServiceProcess(name, env=env, log_dir=log_dir))
        # notifications asks engagements about restricted engagements: its first replica will do.
        for process in self.replicas["notifications"]:
            process.env["LIAISON_NOTIFICATIONS_ENGAGEMENTS_URL"] = self.replicas["engagements"][0].url
        for name in SERVICES:  # one replica first: it migrates; the second finds nothing to do
            self.replicas[name][0].start()
        for name in SERVICES:
            self.replicas[name][0].wait_ready(120)
            self.replicas[name][1].start()
        for name in SERVICES:
            self.replicas[name][1].wait_ready(120)
        urls = {name: ",".join(p.url for p in self.replicas[name]) for name in SERVICES}
        self.gateway = start_gateway(
            urls,
            self.databases["gateway"],
            self.logs,
            BREAKER_FAILURES="50",
            RATE_LIMIT_PER_SECOND="100000",
            RATE_LIMIT_BURST="100000",
            # The people directory on this stack's broker: the load names `admin` as an assignee.
            KAFKA_BOOTSTRAP=self.broker.bootstrap,
            KAFKA_SASL_PASSWORD=self.broker.passwords["gateway"],
            RELAY_IDLE_SECONDS="0.1",
        )
        self.admin = bearer(login(self.gateway.url))
        wait_until_known(self.databases["engagements"], "admin")  # the load names them assignee
        return self

    def subscribe_followers(self, count: int = 2) -> None:
        """Officers who follow the thrust every engagement of the load is tagged with, by inbox."""
        for n in range(count):
            user = f"follower-{n}-{uuid.uuid4().hex[:4]}@mrif.example"
            headers = user_headers(self.gateway.url, user, {"officer"})
            response = httpx.post(
                f"{self.gateway.url}/api/v1/subscriptions",
                headers=headers,
                json={"kind": "thrust", "target": "trade", "channels": ["inbox"]},
                timeout=30,
            )
            assert response.status_code == 201, response.text
            self.followers[user] = headers
        hook = httpx.post(
            f"{self.gateway.url}/api/v1/webhooks",
            headers=self.admin,
            json={
                "url": self.receiver.url + self.hook_path,
                "secret": HOOK_SECRET,
                "event_types": ["liaison.engagement.logged"],
            },
            timeout=30,
        )
        assert hook.status_code == 201, hook.text

    def notified(self, user: str, engagement_id: str) -> bool:
        """Has the follower an inbox entry about this engagement? (asked of the database: no paging)"""
        engine = create_engine(self.databases["notifications"])
        try:
            with engine.connect() as connection:
                found = connection.execute(
                    text('SELECT 1 FROM notifications WHERE "user" = :u AND subject_id = :s'),
                    {"u": user, "s": engagement_id},
                ).first()
        finally:
            engine.dispose()
        return found is not None

    # --- kills ---------------------------------------------------------------------------------------

    def kill_replica(self, service: str) -> ServiceProcess:
        """SIGKILL the first replica; the caller restarts it (`restart_replica`) when it has seen the
        other one carry on alone."""
        process = self.replicas[service][0]
        process.kill()
        return process

    @staticmethod
    def restart_replica(process: ServiceProcess) -> None:
        process.start()
        process.wait_ready(120)

    def kill_broker(self, *, down_for: float = 2.0) -> None:
        self.broker.kill()
        time.sleep(down_for)
        self.broker.restart()

    def kill_postgres(self, *, down_for: float = 1.0) -> None:
        self.postgres.kill()
        time.sleep(down_for)
        self.postgres.restart()

    def hang_receiver(self, *, for_seconds: float = 8.0) -> None:
        self.receiver.delays[self.hook_path] = 30.0
        time.sleep(for_seconds)
        self.receiver.delays.pop(self.hook_path, None)

    def stop(self) -> None:
        """Whatever came up goes down, even after a start that failed half-way."""
        for process in [self.gateway, *(p for ps in self.replicas.values() for p in ps)]:
            if process is not None and process.process is not None:
                process.stop()
        if self.receiver._thread.is_alive():
            self.receiver.stop()
        self.postgres.stop()
        self.broker.stop()
