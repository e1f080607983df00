from pathlib import Path

from piccolo.conf.apps import AppConfig

CURRENT_DIRECTORY = Path(__file__).parent

# Tables arrive with the systemic issue; the app is registered now so migrations have a home.
APP_CONFIG = AppConfig(
    app_name="systemic",
    migrations_folder_path=str(CURRENT_DIRECTORY / "piccolo_migrations"),
    table_classes=[],
    migration_dependencies=["investigations.piccolo_app"],
    commands=[],
)
