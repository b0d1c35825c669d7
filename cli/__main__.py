"""`liaison <group> <command>`: the administrators' command line (bin/liaison runs this).

Each group is a module in this package with a `register(subparsers)` that adds its commands;
each command sets `handler(args) -> int`. Commands run the owning service's own code against its
own database (LIAISON_<SERVICE>_DATABASE_URL), the way its API would.
"""

from __future__ import annotations

import argparse
import importlib
import sys

GROUPS: list[str] = ["partners", "users", "keys"]  # module names under cli/


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="liaison", description="Liaison administration")
    groups = parser.add_subparsers(dest="group", required=True, metavar="GROUP")
    for name in GROUPS:
        importlib.import_module(f"cli.{name}").register(groups)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
