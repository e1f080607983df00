"""Settings, read once from environment variables.

Every knob a deployment can turn lives here, so a reader can see them all in one place and
the rest of the code never touches ``os.environ``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DEFAULT_DATA_DIR = "var"
MIN_SECRET_LENGTH = 32
WEAK_SECRETS = {"secret", "changeme", "change-me", "password", "development", "dev", "test"}


class SettingsError(RuntimeError):
    """A setting is missing or unsafe; the message says which and how to fix it."""


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "on", "true", "yes"}:
        return True
    if value in {"0", "off", "false", "no"}:
        return False
    raise SettingsError(f"{name} must be on or off, not {raw!r}")


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    secret_key: str
    demo: bool
    scheduler: bool
    cookie_secure: bool
    allowed_hosts: tuple[str, ...]
    db_pool: bool = True
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    smtp_url: str = ""

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def sessions_dir(self) -> Path:
        return self.data_dir / "sessions"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def generated_dir(self) -> Path:
        return self.data_dir / "generated"


def check_secret(secret: str) -> None:
    """Refuse secrets that would let anyone forge a session or CSRF token."""
    if not secret:
        raise SettingsError(
            "WORKBENCH_SECRET_KEY is not set. Generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'` and set it, "
            "or run in demo mode with WORKBENCH_DEMO=on."
        )
    if len(secret) < MIN_SECRET_LENGTH or secret.lower() in WEAK_SECRETS or len(set(secret)) < 10:
        raise SettingsError(
            f"WORKBENCH_SECRET_KEY is too weak: use at least {MIN_SECRET_LENGTH} random characters "
            "(for example `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
        )


def _demo_secret(data_dir: Path) -> str:
    """In demo mode keep one generated secret in the data directory, so logins survive restarts."""
    path = data_dir / "demo-secret-key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


def load_settings() -> Settings:
    """Build settings from the environment, refusing unsafe combinations with a clear message."""
    data_dir = Path(os.environ.get("WORKBENCH_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
    demo = _flag("WORKBENCH_DEMO", False)
    database_url = os.environ.get("WORKBENCH_DATABASE_URL") or f"sqlite:///{data_dir / 'workbench.sqlite3'}"
    if not database_url.startswith(("sqlite:///", "postgres://", "postgresql://")):
        raise SettingsError(
            "WORKBENCH_DATABASE_URL must start with sqlite:/// or postgresql://, "
            f"not {database_url.split(':', 1)[0]!r}"
        )
    secret = os.environ.get("WORKBENCH_SECRET_KEY", "")
    if not secret and demo:
        secret = _demo_secret(data_dir)
    check_secret(secret)
    hosts = os.environ.get("WORKBENCH_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        secret_key=secret,
        demo=demo,
        scheduler=_flag("WORKBENCH_SCHEDULER", True),
        cookie_secure=_flag("WORKBENCH_COOKIE_SECURE", not demo),
        allowed_hosts=tuple(h.strip() for h in hosts.split(",") if h.strip()),
        db_pool=_flag("WORKBENCH_DB_POOL", True),
        session_idle_minutes=_int("WORKBENCH_SESSION_IDLE_MINUTES", 30),
        session_absolute_hours=_int("WORKBENCH_SESSION_ABSOLUTE_HOURS", 12),
        smtp_url=os.environ.get("WORKBENCH_SMTP_URL", ""),
    )


@cache
def get_settings() -> Settings:
    return load_settings()


def database_url_from_env() -> str:
    """The database URL without the secret checks, for Piccolo's config module and CLI commands."""
    data_dir = Path(os.environ.get("WORKBENCH_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
    return os.environ.get("WORKBENCH_DATABASE_URL") or f"sqlite:///{data_dir / 'workbench.sqlite3'}"
