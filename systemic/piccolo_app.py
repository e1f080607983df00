from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = Path(__file__).parent

APP_CONFIG = AppConfig(
    app_name="systemic",
    migrations_folder_path=str(CURRENT_DIRECTORY / "piccolo_migrations"),
    table_classes=table_finder(["systemic.tables"], exclude_imported=True),
    migration_dependencies=["investigations.piccolo_app", "remedies.piccolo_app"],
    commands=[],
)
