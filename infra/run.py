"""`make up`: Kafka, topics, migrations, the three services and the gateway on this machine, until Ctrl-C.

Usage: python -m infra.run [--check] [--no-kafka-stop]
  --check          come up, print the URLs, then shut everything down (exit 0 if all came up)
  --no-kafka-stop  leave Kafka running on exit (the next start is then quicker)
Ports and databases come from the same variables the services read (LIAISON_<NAME>_PORT,
LIAISON_<NAME>_DATABASE_URL, KAFKA_PORT, ...). LIAISON_REPLICAS=2 runs two instances of each service
(the second on its port + 10: 8011, 8012, 8013) on the same databases, and two gateway workers that
share the requests between them. Each run starts fresh logs in var/log/<name>.log
(LIAISON_LOG_DIR moves them, so that a test run does not overwrite those of a developer's stack).
Secrets: made at random on the first run, kept in var/secrets.env (0600; LIAISON_SECRETS_FILE moves
it), reused afterwards and handed to every process; a variable set in the environment wins.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from infra.local_secrets import load_into

ROOT = Path(__file__).resolve().parents[1]
KAFKA_SCRIPTS = ROOT / "infra" / "kafka"
LOG_DIR = Path(os.environ.get("LIAISON_LOG_DIR") or ROOT / "var" / "log")
SERVICE_PORTS = {"partners": 8001, "engagements": 8002, "notifications": 8003}
GATEWAY_PORT = 8000
# Prometheus' /metrics of each process (docs/metrics.md; infra/prometheus/prometheus.yml scrapes them).
# Log by e-mail (services/engagements/mail_in.py): the first engagements instance listens on loopback.
MAIL_PORT = int(os.environ.get("LIAISON_ENGAGEMENTS_MAIL_PORT", "2525"))
METRICS_PORTS = {"gateway": 9180, "partners": 9181, "engagements": 9182, "notifications": 9183}
READY_TIMEOUT = 60.0
STOP_GRACE = 10.0
LOG_TAIL_LINES = 20
KAFKA_PORT = int(os.environ.get("KAFKA_PORT", "9092"))  # as infra/kafka/start.sh reads it
KAFKA_BOOTSTRAP = f"127.0.0.1:{KAFKA_PORT}"
# The URLs polled are all on loopback; an http_proxy in the environment must not get in the way.
_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Shutdown(Exception):
    """Raised from the signal handler so that every way out of the runner goes through one clean-up."""


class StartupFailed(Exception):
    def __init__(self, message: str, component: Component | None = None) -> None:
        super().__init__(message)
        self.component = component


REPLICA_PORT_STEP = 10


@dataclass
class Component:
    name: str
    module: str
    port: int
    process: subprocess.Popen[bytes] | None = None
    service: str = ""  # the service a replica belongs to (its name without the replica number)
    replica: int = 1
    metrics_port: int | None = None

    @property
    def started(self) -> subprocess.Popen[bytes]:
        """Its process, once started (everything below runs after `start`)."""
        if self.process is None:
            raise RuntimeError(f"{self.name} was never started")
        return self.process

    @classmethod
    def configured(cls, name: str, module: str, default_port: int, replica: int = 1) -> Component:
        step = REPLICA_PORT_STEP * (replica - 1)
        port = int(os.environ.get(f"LIAISON_{name.upper()}_PORT", default_port)) + step
        metrics_port = int(os.environ.get(f"LIAISON_{name.upper()}_METRICS_PORT", METRICS_PORTS[name])) + step
        label = name if replica == 1 else f"{name}-{replica}"
        return cls(label, module, port, service=name, replica=replica, metrics_port=metrics_port)

    @property
    def env(self) -> dict[str, str]:
        """What this process reads differently from its siblings: its own ports."""
        prefix = f"LIAISON_{(self.service or self.name).upper()}_"
        env = {prefix + "PORT": str(self.port)}
        if self.metrics_port is not None:
            env[prefix + "METRICS_PORT"] = str(self.metrics_port)
        if self.service == "engagements" and self.replica == 1:  # one SMTP listener, not one per replica
            env[prefix + "MAIL_PORT"] = str(MAIL_PORT)
            env[prefix + "MAIL_HOST"] = "127.0.0.1"
        return env

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return LOG_DIR / f"{self.name}.log"


def replicas() -> int:
    return max(1, int(os.environ.get("LIAISON_REPLICAS", "1")))


def child_environment(services: list[Component]) -> dict[str, str]:
    """The caller's environment, plus the wiring that follows from the ports and this machine's
    secrets (made on the first run, var/secrets.env), unless set explicitly."""
    env = dict(os.environ)
    load_into(env, create=True)
    env.pop("LIAISON_ENGAGEMENTS_MAIL_PORT", None)  # given to the first engagements instance only
    env.setdefault("PYTHON", sys.executable)  # start.sh runs infra.kafka.admin with it
    for name in dict.fromkeys(s.service for s in services):
        urls = ",".join(s.url for s in services if s.service == name)
        env.setdefault(f"LIAISON_{name.upper()}_KAFKA_BOOTSTRAP", KAFKA_BOOTSTRAP)
        env.setdefault(f"LIAISON_GATEWAY_{name.upper()}_URL", urls)
    env.setdefault("LIAISON_GATEWAY_KAFKA_BOOTSTRAP", KAFKA_BOOTSTRAP)  # it publishes the people directory
    if replicas() > 1:
        env.setdefault("LIAISON_GATEWAY_WORKERS", str(replicas()))
    return env


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        # As uvicorn does, so that a port still in TIME_WAIT from the last run counts as free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def ensure_ports_free(all_components: list[Component]) -> None:
    for component in all_components:
        if not port_is_free(component.port):
            raise StartupFailed(
                f"port {component.port} ({component.name}) is already in use; stop what holds it "
                f"(ss -ltnp 'sport = :{component.port}') or set LIAISON_{component.name.upper()}_PORT"
            )


def run_checked(args: list[str], env: dict[str, str], what: str) -> None:
    # Its own process group, so that an interruption also ends what a script started (start.sh's readiness probe).
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        returncode = process.wait()
    except Shutdown:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()
        raise
    if returncode != 0:
        raise StartupFailed(f"{what} failed (exit {returncode})")


def kafka_is_running(env: dict[str, str]) -> bool:
    probe = [sys.executable, "-m", "infra.kafka.admin", "ready", "--bootstrap", KAFKA_BOOTSTRAP, "--timeout", "1"]
    return subprocess.run(probe, cwd=ROOT, env=env, capture_output=True).returncode == 0


def migrate(service: Component, env: dict[str, str]) -> None:
    with service.log_path.open("w") as log:
        result = subprocess.run(
            [sys.executable, "-m", service.module, "migrate"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    if result.returncode != 0:
        raise StartupFailed(f"migrating {service.name} failed (exit {result.returncode})", service)


def start(component: Component, env: dict[str, str]) -> None:
    with component.log_path.open("a") as log:
        # Its own session: the terminal's Ctrl-C reaches only the runner, which stops the children in order.
        component.process = subprocess.Popen(
            [sys.executable, "-m", component.module, "serve"],
            cwd=ROOT,
            env=env | component.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def answers_ready(component: Component) -> bool:
    try:
        with _http.open(component.url + "/readyz", timeout=3) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):  # HTTPError (503: not ready yet) is a URLError
        return False


def wait_until_ready(component: Component, timeout: float = READY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if component.started.poll() is not None:
            raise StartupFailed(
                f"{component.name} exited (code {component.started.returncode}) before it was ready", component
            )
        if answers_ready(component):
            return
        time.sleep(0.25)
    raise StartupFailed(
        f"{component.name} did not answer {component.url}/readyz with 200 within {timeout:.0f}s", component
    )


def log_tail(component: Component) -> str:
    lines = component.log_path.read_text(errors="replace").splitlines()
    return "\n".join(lines[-LOG_TAIL_LINES:])


def signal_group(component: Component, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(component.started.pid, signum)


def stop_processes(stopping: list[Component]) -> None:
    running = [c for c in stopping if c.process is not None and c.process.poll() is None]
    for component in running:
        signal_group(component, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    for component in running:
        try:
            component.started.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"{component.name} ignored SIGTERM for {STOP_GRACE:.0f}s; killing it")
            signal_group(component, signal.SIGKILL)
            component.started.wait()


def first_exited(running: list[Component]) -> Component:
    while True:
        for component in running:
            if component.started.poll() is not None:
                return component
        time.sleep(0.5)


def print_urls(services: list[Component], gateway: Component, elapsed: float) -> None:
    api = gateway.url + "/api/v1"
    # The web app first: it is what a person opens; the rest is for developers and integrations.
    print(
        f"\nLiaison is up in {elapsed:.1f}s.\n"
        f"\n  Open the web app:  {gateway.url}/   (log in as admin)\n"
        f"\n  gateway   {gateway.url}\n  API       {api}"
    )
    for service in services:
        print(f"  {service.name:<13} {service.url}/docs")
    body = (
        '{"kind":"federated_state","name_fr":"Écosse","name_en":"Scotland",'
        '"country":"GB","subdivision":"GB-SCT","region":"europe"}'
    )
    print(f"  docs          {gateway.url}/docs")
    domain = os.environ.get("LIAISON_ENGAGEMENTS_MAIL_DOMAIN", "liaison.localhost")
    print(f"  log by e-mail liaison@{domain} on SMTP 127.0.0.1:{MAIL_PORT} (a draft for the sender)")
    print(
        f"\nTry (the admin password was printed above on the first run, or is LIAISON_ADMIN_PASSWORD):"
        f"\n  TOKEN=$(curl -s {api}/auth/token -d grant_type=password -d username=admin -d password=... "
        f"| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')"
        f'\n  curl -s -X POST {api}/partners -H "authorization: Bearer $TOKEN" '
        f"-H 'content-type: application/json' -d '{body}'"
        f'\n  curl -s {api}/partners/<id>/overview -H "authorization: Bearer $TOKEN"    # partner 360'
    )


def raise_shutdown(signum: int, _frame) -> None:
    raise Shutdown(signal.Signals(signum).name)


def bring_up(
    services: list[Component],
    gateway: Component,
    env: dict[str, str],
    *,
    start_kafka: bool,
    started_at: float,
    demo: bool,
) -> None:
    if start_kafka:
        print(f"starting kafka at {KAFKA_BOOTSTRAP} ...")
        run_checked([str(KAFKA_SCRIPTS / "start.sh")], env, "infra/kafka/start.sh")
    else:
        print(f"kafka already running at {KAFKA_BOOTSTRAP}; it will be left running")
    # Topics, each service's SCRAM user (with the password it was handed) and the ACLs: every start.
    run_checked(
        [sys.executable, "-m", "infra.kafka.admin", "setup", "--bootstrap", KAFKA_BOOTSTRAP],
        env,
        "setting up Kafka (topics, users, ACLs)",
    )
    for service in services:
        if service.replica == 1:  # the others share its database (and would wait on its lock)
            print(f"migrating {service.service} ...")
            migrate(service, env)
    # Migrates the gateway's database and, on the first run only, creates `admin` (password from
    # LIAISON_ADMIN_PASSWORD, or generated and printed here once).
    run_checked([sys.executable, "-m", "gateway", "bootstrap-admin"], env, "preparing the gateway's users")
    if demo:
        # Written through the partners service's own rules, with outbox rows: once the services run,
        # the directory reaches engagements (and notifications) as events, like any other partner.
        run_checked([sys.executable, "-m", "services.partners", "demo"], env, "loading the demo directory")
        # The demo's officers and teams, whose directory events the gateway's relay sends once it runs.
        run_checked([sys.executable, "-m", "gateway", "demo"], env, "creating the demo users")
    for component in [*services, gateway]:
        print(f"starting {component.name} on {component.url} (log: {component.log_path})")
        start(component, env)
    for component in [*services, gateway]:
        wait_until_ready(component)
        print(f"{component.name} ready")
    if demo:
        run_checked(
            [sys.executable, "-m", "services.engagements.demo", "--wait-for-partners", "30", "--wait-for-people", "30"],
            env,
            "loading the demo engagements",
        )
    print_urls(services, gateway, time.monotonic() - started_at)


def shut_down(services: list[Component], gateway: Component, env: dict[str, str], *, stop_kafka: bool) -> None:
    # A second Ctrl-C must not cut the clean-up short and leave orphans behind.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if any(c.process is not None for c in [*services, gateway]):
        print("stopping the gateway, then the services ...")
    stop_processes([gateway])
    stop_processes(services)
    if stop_kafka:
        print("stopping kafka ...")
        subprocess.run([str(KAFKA_SCRIPTS / "stop.sh")], cwd=ROOT, env=env)
    print("stopped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.run", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="come up, print the URLs, then shut down")
    parser.add_argument("--no-kafka-stop", action="store_true", help="leave Kafka running on exit")
    parser.add_argument(
        "--no-demo",
        action="store_true",
        help="skip the demo directory and engagements (loaded by default; never twice)",
    )
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # a TextIOWrapper here  # progress lines must show as they happen, even through make
    started_at = time.monotonic()
    services = [
        Component.configured(name, f"services.{name}", port, replica)
        for name, port in SERVICE_PORTS.items()
        for replica in range(1, replicas() + 1)
    ]
    gateway = Component.configured("gateway", "gateway", GATEWAY_PORT)
    env = child_environment(services)
    signal.signal(signal.SIGINT, raise_shutdown)
    signal.signal(signal.SIGTERM, raise_shutdown)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    kafka_started_here = False
    exit_code = 0
    try:
        ensure_ports_free([*services, gateway])
        # Decided before start.sh runs: if it fails half-way, its broker is still ours to stop.
        kafka_started_here = not kafka_is_running(env)
        bring_up(services, gateway, env, start_kafka=kafka_started_here, started_at=started_at, demo=not args.no_demo)
        if not args.check:
            print("\nCtrl-C to stop.")
            crashed = first_exited([*services, gateway])
            print(
                f"\n{crashed.name} exited unexpectedly (code {crashed.started.returncode}); "
                f"last lines of {crashed.log_path}:\n{log_tail(crashed)}"
            )
            exit_code = 1
    except StartupFailed as failure:
        print(f"error: {failure}")
        if failure.component is not None:
            print(f"last lines of {failure.component.log_path}:\n{log_tail(failure.component)}")
        exit_code = 1
    except Shutdown as request:
        print(f"\n{request} received")
    finally:
        shut_down(services, gateway, env, stop_kafka=kafka_started_here and not args.no_kafka_stop)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
