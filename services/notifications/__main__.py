import sys
from pathlib import Path

from services.kit.cli import run
from services.notifications.settings import NotificationsSettings

sys.exit(
    run(
        settings_factory=NotificationsSettings,
        migrations=Path(__file__).parent / "migrations",
        app_factory="services.notifications.app:create_app",
    )
)
