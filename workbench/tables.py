"""The shell's tables: staff accounts, personal API tokens, the append-only audit log, web sessions."""

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class User(Table, tablename="workbench_user"):
    username = Varchar(length=64, unique=True, index=True)
    full_name = Varchar(length=200)
    email = Varchar(length=254, default="")
    role = Varchar(length=32)
    password_hash = Varchar(length=255)
    active = Boolean(default=True)
    created_at = Timestamptz()
    last_login_at = Timestamptz(null=True, default=None)
    manager = ForeignKey("self", null=True, default=None, on_delete=OnDelete.restrict)


class ApiToken(Table, tablename="workbench_api_token"):
    """Only a hash of the token is kept, so a database leak does not leak working tokens."""

    user = ForeignKey(User, on_delete=OnDelete.restrict)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True, index=True)
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class AuditEvent(Table, tablename="workbench_audit_event"):
    """Append-only: rows are only ever inserted; each carries the hash of the one before it."""

    at = Timestamptz()
    actor = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    actor_name = Varchar(length=64)
    action = Varchar(length=64, index=True)
    record_type = Varchar(length=64, index=True)
    record_id = Varchar(length=64, index=True)
    summary = Text(default="")
    changes = JSON(default="{}")
    ip = Varchar(length=64, default="")
    sequence = Integer(unique=True)
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64)


class WebSession(Table, tablename="workbench_session"):
    """Server-side sessions on PostgreSQL, shared by every worker on every host (workbench.session_store)."""

    key = Varchar(length=128, unique=True, index=True)
    value = Bytea()
    expires_at = BigInt(null=True, default=None, index=True)  # Unix seconds; NULL never expires


class SignInFailure(Table, tablename="workbench_sign_in_failure"):
    """A failed sign-in or a bad API token, kept for the throttling window (workbench.login_throttle).

    In the database rather than process memory, so every web worker counts the same failures.
    """

    at = Timestamptz(index=True)
    kind = Varchar(length=16)  # "password" or "token"
    username = Varchar(length=64, default="", index=True)  # as typed, lower-cased: named accounts and unknown ones alike
    ip = Varchar(length=64, default="", index=True)
