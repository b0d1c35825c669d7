"""The secrets of a machine's own stack (`make up`): made at random on the first run, kept in one file
under var/ that only its owner can read (0600), reused afterwards, handed to every process as the
environment variables it reads. Nothing here is a default: production sets the same variables from
its own secret store (docker-compose.yml, infra/k8s) and never sees this file.

The file is `KEY=value` lines, so a shell can load it too: `set -a; . var/secrets.env; set +a`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("partners", "engagements", "notifications")
# The names under which the file keeps them (also the ones docker-compose.yml reads).
IDENTITY, TOKEN, KAFKA_ADMIN = "LIAISON_IDENTITY_SECRET", "LIAISON_TOKEN_SECRET", "LIAISON_KAFKA_ADMIN_PASSWORD"


def kafka_password_name(principal: str) -> str:
    return f"LIAISON_KAFKA_{principal.upper()}_PASSWORD"


# Every secret the local stack needs; a file from an older version gets the ones it lacks.
# The gateway is a Kafka principal too: it publishes the people directory (liaison.directory.v1).
KAFKA_PRINCIPALS = (*SERVICES, "gateway")
NAMES = (IDENTITY, TOKEN, KAFKA_ADMIN, *(kafka_password_name(s) for s in KAFKA_PRINCIPALS))


def secrets_file() -> Path:
    return Path(os.environ.get("LIAISON_SECRETS_FILE") or ROOT / "var" / "secrets.env")


def new_secret() -> str:
    # 256 bits, URL-safe: fits in a properties file, a JAAS line and a header without quoting.
    return secrets.token_urlsafe(32)


def _read(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            values[name.strip()] = value.strip()
    return values


def _write(path: Path, values: dict[str, str]) -> None:
    """Written next to the file, then renamed: a crash leaves the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write("# Made by `make up` (infra/local_secrets.py) for this machine only. Never commit or share.\n")
        out.writelines(f"{name}={value}\n" for name, value in values.items())
    os.replace(temporary, path)


def load_or_create(path: Path | None = None) -> dict[str, str]:
    path = path or secrets_file()
    values = _read(path) if path.exists() else {}
    if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
        print(f"warning: {path} could be read by others; its mode is now 0600", file=sys.stderr)
        path.chmod(0o600)
    missing = [name for name in NAMES if not values.get(name)]
    if missing:
        values |= {name: new_secret() for name in missing}
        _write(path, values)
    return values


def process_environment(values: dict[str, str]) -> dict[str, str]:
    """The variables each process reads, from the file's values: one identity secret shared by the
    gateway and the services, the gateway's token secret, and one Kafka password per principal."""
    env = {
        "LIAISON_GATEWAY_IDENTITY_SECRET": values[IDENTITY],
        "LIAISON_GATEWAY_TOKEN_SECRET": values[TOKEN],
        KAFKA_ADMIN: values[KAFKA_ADMIN],
    }
    for service in SERVICES:
        env[f"LIAISON_{service.upper()}_IDENTITY_SECRET"] = values[IDENTITY]
    for principal in KAFKA_PRINCIPALS:
        env[f"LIAISON_{principal.upper()}_KAFKA_SASL_PASSWORD"] = values[kafka_password_name(principal)]
    return env


def load_into(environ: dict[str, str] | os._Environ, *, create: bool) -> bool:
    """Adds the local secrets to `environ` where it has none of its own; False when there is no file
    (and `create` is off). Variables already set win: that is how a test or an operator overrides."""
    path = secrets_file()
    if not create and not path.exists():
        return False
    for name, value in process_environment(load_or_create(path)).items():
        environ.setdefault(name, value)
    return True


def main(argv: list[str] | None = None) -> int:
    """No argument: a fresh set, in the env-file format docker-compose.yml reads (`--env-file`).
    `--exports`: this machine's (made if need be) as the `export` lines a shell can eval (make kafka-up)."""
    if (argv if argv is not None else sys.argv[1:]) == ["--exports"]:
        for name, value in process_environment(load_or_create()).items():
            print(f"export {name}={value}")
        return 0
    for name in (*NAMES, "POSTGRES_PASSWORD"):
        print(f"{name}={new_secret()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
