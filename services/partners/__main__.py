import sys
from pathlib import Path

from services.kit.cli import run
from services.partners.settings import PartnersSettings

sys.exit(run(settings_factory=PartnersSettings, migrations=Path(__file__).parent / "migrations",
             app_factory="services.partners.app:create_app"))
