"""`liaison <group> <command>`: the administrators' command line (bin/liaison runs this).

Each group is a module in this package with a `register(subparsers)` that adds its commands;
each command sets `handler(args) -> int`. Commands run the owning service's own code against its
own database (LIAISON_<SERVICE>_DATABASE_URL), the way its API would; `kafka-users` talks to the
broker as its admin.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from infra.local_secrets import load_into

GROUPS: list[str] = ["partners", "users", "keys", "kafka_users", "outbox", "dlq", "resync"]  # module names under cli/


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="liaison", description="Liaison administration")
    groups = parser.add_subparsers(dest="group", required=True, metavar="GROUP")
    for name in GROUPS:
        importlib.import_module(f"cli.{name}").register(groups)
    args = parser.parse_args(argv)
    # On a machine that runs `make up`, the commands find the stack's secrets where it keeps them;
    # variables already set (production, tests) win.
    load_into(os.environ, create=False)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
