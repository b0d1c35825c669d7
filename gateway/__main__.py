"""`python -m gateway serve`."""
import argparse
import sys

import uvicorn

from gateway.settings import GatewaySettings
from services.kit.logging import configure_logging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway")
    parser.add_argument("command", choices=["serve"])
    parser.parse_args(argv)
    settings = GatewaySettings()
    configure_logging("gateway", settings.log_level)
    uvicorn.run("gateway.app:create_app", factory=True, host=settings.host, port=settings.port,
                log_config=None, access_log=False)
    return 0


sys.exit(main())
