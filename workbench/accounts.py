"""Staff accounts and personal API tokens: the operations the CLI and the web app share."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from workbench.audit import record_event
from workbench.db import fetch_rows, placeholder, write_transaction
from workbench.passwords import hash_password, password_problem
from workbench.roles import Role
from workbench.tables import ApiToken, User

TOKEN_PREFIX = "wbk_"


class AccountError(ValueError):
    """A request about an account that cannot be met; the message is for the user."""


def now() -> datetime:
    return datetime.now(timezone.utc)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_user(
    username: str,
    password: str,
    role: Role,
    full_name: str = "",
    email: str = "",
    actor: User | None = None,
) -> User:
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise AccountError("Username must be letters, digits, dots, dashes or underscores")
    if problem := password_problem(password, username):
        raise AccountError(problem)
    password_hash = hash_password(password)
    async with write_transaction():
        if await User.exists().where(User.username == username):
            raise AccountError(f"User {username!r} already exists")
        user = User(
            username=username,
            full_name=full_name or username,
            email=email,
            role=role.value,
            password_hash=password_hash,
            active=True,
            created_at=now(),
        )
        await user.save()
        await record_event(
            actor,
            "user.created",
            "user",
            user.id,
            summary=f"Created {username} as {role.label}",
            changes={"after": {"username": username, "role": role.value, "full_name": user.full_name}},
        )
    return user


@dataclass(frozen=True)
class IssuedToken:
    token: str
    record: ApiToken


async def create_token(user: User, name: str = "personal token", actor: User | None = None) -> IssuedToken:
    """Issue a bearer token; only its hash is stored, so it is shown once."""
    name = name.strip()
    if not name or len(name) > 100:
        raise AccountError("Token name must be 1 to 100 characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with write_transaction():
        record = ApiToken(user=user.id, name=name, token_hash=hash_token(token), created_at=now())
        await record.save()
        await record_event(
            actor or user, "token.created", "user", user.id, summary=f"API token {name!r} issued"
        )
    return IssuedToken(token=token, record=record)


async def user_for_token(token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        await ApiToken.objects()
        .where((ApiToken.token_hash == hash_token(token)) & ApiToken.revoked_at.is_null())
        .first()
    )
    if row is None:
        return None
    return await active_user(row.user)


async def active_user(user_id: int) -> User | None:
    """The account behind a session or token, read on every request, so in raw SQL (a Piccolo
    query costs more to build than to run); None when it is gone or deactivated."""
    rows = await fetch_rows(
        f"SELECT * FROM workbench_user WHERE id = {placeholder(1)} AND active = {placeholder(2)}", [user_id, True])
    return User(**rows[0], _exists_in_db=True) if rows else None
