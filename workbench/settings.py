"""Settings, read once from environment variables.

Every knob a deployment can turn lives here, so a reader can see them all in one place and
the rest of the code never touches ``os.environ``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

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


def _positive(name: str, default: int) -> int:
    value = _int(name, default)
    if value < 1:
        raise SettingsError(f"{name} must be 1 or more, not {value}")
    return value


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
    smtp_url: str = field(default="", repr=False)  # may hold a password: never in a repr or a log
    # Build the similar-cases index at start-up, in the background, so the first query need not wait.
    warm_similarity_index: bool = True
    smtp: SmtpConfig | None = None  # parsed from smtp_url; None when no server is configured
    mail_from: str = "workbench@localhost"
    chase_ladder: tuple[Any, ...] | None = None  # remedies.ladder.Rung tuple from a file; None = the default
    chase_at: tuple[int, int] = (6, 30)  # the daily chase scan's hour and minute, Europe/London
    # How often a process that is not the scheduler leader tries the lock again (and the leader checks it still holds it).
    scheduler_standby_seconds: int = 30

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


@dataclass(frozen=True)
class SmtpConfig:
    """Where mail goes: ``smtp://[user:password@]host:port[?starttls=true]`` or ``smtps://...``."""

    host: str
    port: int
    tls: bool = False  # smtps: TLS from the first byte
    starttls: bool = False
    username: str = ""
    password: str = field(default="", repr=False)

    def describe(self) -> str:
        """For logs and messages: never the password."""
        who = f"{self.username}@" if self.username else ""
        mode = " (TLS)" if self.tls else " (STARTTLS)" if self.starttls else ""
        return f"{'smtps' if self.tls else 'smtp'}://{who}{self.host}:{self.port}{mode}"


def parse_smtp_url(url: str, name: str = "WORKBENCH_SMTP_URL") -> SmtpConfig | None:
    """The SMTP server from its URL; "" means none. Messages never repeat the password."""
    url = url.strip()
    if not url:
        return None
    form = "smtp://[user:password@]host:port[?starttls=true] or smtps://[user:password@]host:port"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise SettingsError(f"{name} must look like {form}; its port is not a number") from None
    if parts.scheme not in ("smtp", "smtps"):
        raise SettingsError(f"{name} must start with smtp:// or smtps://, not {parts.scheme + ':' if parts.scheme else 'nothing'}")
    if not parts.hostname:
        raise SettingsError(f"{name} names no host; it must look like {form}")
    if parts.path not in ("", "/"):
        raise SettingsError(f"{name} must not have a path after the port; it must look like {form}")
    options: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key != "starttls":
            raise SettingsError(f"{name}: unknown option {key!r}; the only option is starttls=true")
        if value.lower() not in ("true", "false", "on", "off", "1", "0", "yes", "no"):
            raise SettingsError(f"{name}: starttls must be true or false, not {value!r}")
        options[key] = value.lower()
    starttls = options.get("starttls", "false") in ("true", "on", "1", "yes")
    tls = parts.scheme == "smtps"
    if tls and starttls:
        raise SettingsError(f"{name}: smtps:// is TLS already; use smtp://...?starttls=true or smtps:// without it")
    if parts.password is not None and not parts.username:
        raise SettingsError(f"{name} has a password but no user name")
    return SmtpConfig(
        host=parts.hostname, port=port or (465 if tls else 25), tls=tls, starttls=starttls,
        username=unquote(parts.username or ""), password=unquote(parts.password or ""),
    )


_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


def _mail_from() -> str:
    raw = os.environ.get("WORKBENCH_MAIL_FROM", "").strip() or "workbench@localhost"
    if not _ADDRESS.match(raw):
        raise SettingsError(f"WORKBENCH_MAIL_FROM must be an email address like compliance@ombudsman.example, not {raw!r}")
    return raw


def _chase_at() -> tuple[int, int]:
    raw = os.environ.get("WORKBENCH_CHASE_AT", "").strip() or "06:30"
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", raw)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise SettingsError(f"WORKBENCH_CHASE_AT must be a time of day like 06:30 (24-hour clock), not {raw!r}")
    return int(match[1]), int(match[2])


def load_chase_ladder(path_text: str) -> tuple[Any, ...] | None:
    """The chase ladder from a JSON file (a list of rungs), checked as the scan will use it.

    Each rung: ``key``, ``label``, ``recipient`` (link_officer, chief_executive or
    casework_manager) and exactly one of ``offset_working_days`` (relative to the due date,
    negative before it) and ``months_after_decision``. "" means the built-in default ladder.
    """
    if not path_text.strip():
        return None
    from remedies.ladder import RecipientRole, Rung, validate_ladder  # the domain owns what a rung is

    name = "WORKBENCH_CHASE_LADDER"
    path = Path(path_text.strip())
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"{name}: cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise SettingsError(f"{name}: {path} is not valid JSON: {exc}") from None
    if isinstance(data, dict):
        data = data.get("rungs")
    if not isinstance(data, list) or not data:
        raise SettingsError(f"{name}: {path} must hold a non-empty list of rungs (or {{\"rungs\": [...]}})")
    allowed = {"key", "label", "recipient", "offset_working_days", "months_after_decision"}
    recipients = ", ".join(r.value for r in RecipientRole)
    rungs = []
    for number, item in enumerate(data, start=1):
        where = f"{name}: rung {number} in {path}"
        if not isinstance(item, dict):
            raise SettingsError(f"{where} must be an object with key, label, recipient and an offset")
        unknown = sorted(set(item) - allowed)
        if unknown:
            raise SettingsError(f"{where}: unknown field {unknown[0]!r}; the fields are {', '.join(sorted(allowed))}")
        for text_field in ("key", "label"):
            if not isinstance(item.get(text_field), str) or not item[text_field].strip():
                raise SettingsError(f"{where} needs a {text_field} (text)")
        if len(item["key"]) > 40:
            raise SettingsError(f"{where}: the key must be 40 characters or fewer")
        try:
            recipient = RecipientRole(item.get("recipient"))
        except ValueError:
            raise SettingsError(f"{where}: recipient must be one of {recipients}, not {item.get('recipient')!r}") from None
        for number_field in ("offset_working_days", "months_after_decision"):
            value = item.get(number_field)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise SettingsError(f"{where}: {number_field} must be a whole number, not {value!r}")
        try:
            rungs.append(Rung(item["key"].strip(), item["label"].strip(), recipient,
                              offset_working_days=item.get("offset_working_days"),
                              months_after_decision=item.get("months_after_decision")))
        except ValueError as exc:
            raise SettingsError(f"{where}: {exc}") from None
    try:
        validate_ladder(rungs)
    except ValueError as exc:
        raise SettingsError(f"{name}: {path}: {exc}") from None
    return tuple(rungs)


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
        warm_similarity_index=_flag("WORKBENCH_WARM_SIMILARITY_INDEX", True),
        cookie_secure=_flag("WORKBENCH_COOKIE_SECURE", not demo),
        allowed_hosts=tuple(h.strip() for h in hosts.split(",") if h.strip()),
        db_pool=_flag("WORKBENCH_DB_POOL", True),
        session_idle_minutes=_int("WORKBENCH_SESSION_IDLE_MINUTES", 30),
        session_absolute_hours=_int("WORKBENCH_SESSION_ABSOLUTE_HOURS", 12),
        smtp_url=os.environ.get("WORKBENCH_SMTP_URL", ""),
        smtp=parse_smtp_url(os.environ.get("WORKBENCH_SMTP_URL", "")),
        mail_from=_mail_from(),
        chase_ladder=load_chase_ladder(os.environ.get("WORKBENCH_CHASE_LADDER", "")),
        chase_at=_chase_at(),
        scheduler_standby_seconds=_positive("WORKBENCH_SCHEDULER_STANDBY_SECONDS", 30),
    )


@cache
def get_settings() -> Settings:
    return load_settings()


def database_url_from_env() -> str:
    """The database URL without the secret checks, for Piccolo's config module and CLI commands."""
    data_dir = Path(os.environ.get("WORKBENCH_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
    return os.environ.get("WORKBENCH_DATABASE_URL") or f"sqlite:///{data_dir / 'workbench.sqlite3'}"
