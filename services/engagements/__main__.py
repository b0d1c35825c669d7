import sys
from pathlib import Path

from services.kit.cli import run
from services.engagements.settings import EngagementsSettings

sys.exit(run(settings_factory=EngagementsSettings, migrations=Path(__file__).parent / "migrations",
             app_factory="services.engagements.app:create_app"))
