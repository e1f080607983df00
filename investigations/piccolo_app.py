from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = Path(__file__).parent

APP_CONFIG = AppConfig(
    app_name="investigations",
    migrations_folder_path=str(CURRENT_DIRECTORY / "piccolo_migrations"),
    table_classes=table_finder(modules=["investigations.tables"], exclude_imported=True),
    migration_dependencies=["workbench.piccolo_app"],
    commands=[],
)
