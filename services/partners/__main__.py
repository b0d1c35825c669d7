"""`python -m services.partners migrate|serve` (the kit's commands), or `demo`: migrate, then load the
demo directory (services/partners/demo.py) once."""

import sys
from pathlib import Path

from services.kit.cli import run
from services.partners.settings import PartnersSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def load_demo_directory() -> int:
    from contextlib import contextmanager

    from services.kit.db import make_engine, make_session_factory, unit_of_work
    from services.kit.migrations import upgrade
    from services.kit.settings import load_settings
    from services.partners.demo import load_demo

    settings = load_settings(PartnersSettings, kafka_enabled=False)  # outbox rows; the service's relay sends
    upgrade(MIGRATIONS, settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with contextmanager(unit_of_work)(make_session_factory(engine)) as session:
            added = load_demo(session=session)
    finally:
        engine.dispose()
    print(f"demo directory: {added} partner(s) added", file=sys.stderr)
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["demo"]:
        sys.exit(load_demo_directory())
    sys.exit(
        run(settings_factory=PartnersSettings, migrations=MIGRATIONS, app_factory="services.partners.app:create_app")
    )
