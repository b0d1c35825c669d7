"""The whole system as real processes: the three services and the gateway, on a broker and databases
the caller provides, with notifications mailing through `smtp_port` when one is given."""

from __future__ import annotations

from pathlib import Path

from tests.support.gateway import bearer, login, start_gateway
from tests.support.identity import TEST_IDENTITY_SECRET
from tests.support.kafka import KafkaBroker
from tests.support.processes import ServiceProcess
from tests.support.webhooks import LOOPBACK_RECEIVERS

SERVICES = ("partners", "engagements", "notifications")


def start_system(
    *,
    kafka: KafkaBroker,
    database_urls: dict[str, str],
    logs: Path,
    smtp_port: int | None = None,
    gateway_settings: dict[str, str] | None = None,
    **settings: str,
) -> dict:
    """The services on `kafka` (each as its own principal there); `database_urls` names one database per
    service and one for the gateway; `settings` are environment
    variables for the services, `gateway_settings` LIAISON_GATEWAY_* settings without their prefix.
    Returns the processes, the gateway's URL and the admin's bearer headers; `stop_system` ends them."""
    env = {}
    for name in SERVICES:
        prefix = f"LIAISON_{name.upper()}_"
        env |= {
            prefix + "DATABASE_URL": database_urls[name],
            prefix + "ENVIRONMENT": "test",
            prefix + "IDENTITY_SECRET": TEST_IDENTITY_SECRET,
            prefix + "RELAY_IDLE_SECONDS": "0.2",
        }
    env |= kafka.service_env()
    env |= LOOPBACK_RECEIVERS  # the tests' webhook receivers listen on loopback
    env |= settings
    processes = {"partners": ServiceProcess("partners", env=env, log_dir=logs).start()}
    env["LIAISON_ENGAGEMENTS_PARTNERS_URL"] = processes["partners"].url  # contacts' sealing keys
    processes["engagements"] = ServiceProcess("engagements", env=env, log_dir=logs).start()
    env["LIAISON_NOTIFICATIONS_ENGAGEMENTS_URL"] = processes["engagements"].url
    env["LIAISON_NOTIFICATIONS_DISPATCH_IDLE_SECONDS"] = "0.05"
    if smtp_port is not None:
        env |= {"LIAISON_NOTIFICATIONS_SMTP_HOST": "127.0.0.1", "LIAISON_NOTIFICATIONS_SMTP_PORT": str(smtp_port)}
    processes["notifications"] = ServiceProcess("notifications", env=env, log_dir=logs).start()
    for process in processes.values():
        process.wait_ready()
    # The gateway publishes the people directory on the same broker, as principal `gateway`.
    directory = {
        "KAFKA_BOOTSTRAP": kafka.bootstrap,
        "KAFKA_SASL_PASSWORD": kafka.passwords["gateway"],
        "RELAY_IDLE_SECONDS": "0.2",
    }
    processes["gateway"] = start_gateway(
        {name: processes[name].url for name in SERVICES},
        database_urls["gateway"],
        logs,
        **(directory | (gateway_settings or {})),
    )
    gateway = processes["gateway"].url
    # `databases`: for what only a database tells (tests/support/people.py `wait_until_known`).
    return {"processes": processes, "gateway": gateway, "admin": bearer(login(gateway)), "databases": database_urls}


def stop_system(system: dict) -> None:
    processes = system["processes"]
    for name in ("gateway", *SERVICES):
        processes[name].stop()
