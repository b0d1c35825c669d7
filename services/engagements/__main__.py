import sys
from pathlib import Path

from services.engagements.settings import EngagementsSettings
from services.kit.cli import run

sys.exit(
    run(
        settings_factory=EngagementsSettings,
        migrations=Path(__file__).parent / "migrations",
        app_factory="services.engagements.app:create_app",
    )
)
