"""`python -m gateway migrate|serve|bootstrap-admin|demo`."""

import argparse
import logging
import os
import secrets
import sys
from pathlib import Path

import uvicorn

from gateway.metrics import forget_workers, prepare_multiprocess, serve_workers
from gateway.settings import GatewaySettings
from services.kit.logging import configure_logging
from services.kit.metrics import MULTIPROCESS_ENV
from services.kit.migrations import upgrade
from services.kit.settings import load_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap_admin(settings: GatewaySettings) -> None:
    """Creates `admin` on a gateway with no users yet: LIAISON_ADMIN_PASSWORD, or a generated password
    printed this once (it is stored only as an argon2 hash)."""
    from gateway.accounts import ADMIN_USERNAME
    from gateway.accounts import bootstrap_admin as create_admin
    from services.kit.db import make_engine, make_session_factory, unit_of_work

    given = os.environ.get("LIAISON_ADMIN_PASSWORD")
    password = given or secrets.token_urlsafe(18)
    engine = make_engine(settings.database_url)
    try:
        for session in unit_of_work(make_session_factory(engine)):
            created = create_admin(session=session, password=password)
    finally:
        engine.dispose()
    if created is None:
        print("gateway: users exist already; no admin created")
    elif given:
        print(f"gateway: created user '{ADMIN_USERNAME}' with the password from LIAISON_ADMIN_PASSWORD")
    else:
        print(f"gateway: created user '{ADMIN_USERNAME}'; its password, shown this once: {password}")


def load_demo(settings: GatewaySettings) -> None:
    """The demo's teams and officers (gateway/demo.py): LIAISON_DEMO_PASSWORD, or a generated password
    printed this once."""
    from gateway.demo import load
    from services.kit.db import make_engine, make_session_factory, unit_of_work

    given = os.environ.get("LIAISON_DEMO_PASSWORD")
    password = given or secrets.token_urlsafe(18)
    engine = make_engine(settings.database_url)
    try:
        for session in unit_of_work(make_session_factory(engine)):
            added = load(session, password=password)
    finally:
        engine.dispose()
    if not added:
        print("gateway: the demo users exist already")
    else:
        shown = "the password from LIAISON_DEMO_PASSWORD" if given else f"the password, shown this once: {password}"
        print(f"gateway: demo users {', '.join(added)} created, with {shown}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway")
    parser.add_argument(
        "command",
        choices=["migrate", "serve", "bootstrap-admin", "demo"],
        help="migrate: apply the migrations; serve: migrate, then serve HTTP; "
        "bootstrap-admin: migrate, then create the admin user if there is no user yet; "
        "demo: migrate, then create the demo's teams and officers (once)",
    )
    args = parser.parse_args(argv)
    # Only the server publishes (its relay sends what migrate or bootstrap-admin put in the outbox).
    settings = load_settings(GatewaySettings, **({} if args.command == "serve" else {"kafka_enabled": False}))
    configure_logging("gateway", settings.log_level)
    if args.command != "serve":  # a command's output is for the person who typed it, not a log
        logging.getLogger("alembic").setLevel(logging.WARNING)
    upgrade(MIGRATIONS, settings.database_url)
    if args.command == "bootstrap-admin":
        bootstrap_admin(settings)
    elif args.command == "demo":
        load_demo(settings)
    elif args.command == "serve":
        serve(settings)
    return 0


def serve(settings: GatewaySettings) -> None:
    made_here = MULTIPROCESS_ENV not in os.environ
    values = prepare_multiprocess(settings.workers)
    # Several workers: this process serves their metrics as one (each worker serves none of its own).
    server = None
    if values is not None and settings.metrics_port is not None:
        server = serve_workers(
            values, host=settings.metrics_host, port=settings.metrics_port, allowed=settings.metrics_allowed_networks
        )
    try:
        uvicorn.run(
            "gateway.app:create_app",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_config=None,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=settings.shutdown_drain_seconds,
            # uvicorn believes X-Forwarded-For from loopback by default; the app decides (trusted_proxies).
            proxy_headers=False,
        )
    finally:
        if server is not None:
            server.stop()
        if values is not None:
            forget_workers(values, made_here=made_here)


sys.exit(main())
