"""Login throttling: too many failed sign-ins for an account, or from an address, and further
attempts are refused for a while.

Failures are rows in the database (``SignInFailure``), so every web worker counts the same ones.
The account is the username as typed, whether or not it exists: an unknown name locks exactly as
a real one does, so the refusal says nothing about which accounts exist. A refused attempt is not
checked at all (no password guess gets through while locked) and is audited. A successful sign-in
clears its account's failures. Bad API tokens count per address in the same way.

A sliding window: at most ``ACCOUNT_LIMIT`` guesses at one account per ``WINDOW``, whatever the pace.
The address limit is higher, because a whole office may share one address.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from workbench.audit import record_event
from workbench.db import write_transaction
from workbench.tables import SignInFailure

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
TOKEN_ADDRESS_LIMIT = 20

PASSWORD = "password"
TOKEN = "token"


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused and for how long; ``message`` is what the person is told."""

    scope: str  # "account" or "address": for the audit log only, never shown
    retry_after: timedelta

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after.total_seconds() / 60))

    @property
    def message(self) -> str:
        wait = "1 minute" if self.minutes == 1 else f"{self.minutes} minutes"
        return f"Too many failed sign-in attempts. Wait {wait} and try again, or ask an administrator to help."


def account_key(username: str) -> str:
    return username.strip().lower()[:64]


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def _refusal(kind: str, column, value: str, limit: int, scope: str, now: datetime) -> Refusal | None:
    """Refused while ``limit`` failures or more are inside the window; until enough of them age out."""
    rows = await (
        SignInFailure.select(SignInFailure.at)
        .where((SignInFailure.kind == kind) & (column == value) & (SignInFailure.at > now - WINDOW))
        .order_by(SignInFailure.at)
    )
    if len(rows) < limit:
        return None
    frees_at = rows[len(rows) - limit]["at"] + WINDOW  # when the count drops below the limit again
    return Refusal(scope, max(frees_at - now, timedelta(seconds=1)))


async def sign_in_refusal(username: str, ip: str) -> Refusal | None:
    """Checked before the password: the account's lock first, then the address's."""
    now = _now()
    return (await _refusal(PASSWORD, SignInFailure.username, account_key(username), ACCOUNT_LIMIT, "account", now)
            or (await _refusal(PASSWORD, SignInFailure.ip, ip, ADDRESS_LIMIT, "address", now) if ip else None))


async def token_refusal(ip: str) -> Refusal | None:
    return await _refusal(TOKEN, SignInFailure.ip, ip, TOKEN_ADDRESS_LIMIT, "address", _now())


async def record_failure(kind: str, username: str, ip: str) -> None:
    """Count one failure, and forget failures older than the window (nothing reads them)."""
    now = _now()
    async with write_transaction():
        await SignInFailure.delete().where(SignInFailure.at <= now - WINDOW)
        await SignInFailure(at=now, kind=kind, username=account_key(username), ip=ip[:64]).save()


async def clear_account(username: str) -> None:
    """A successful sign-in: its account starts again from no failures."""
    await SignInFailure.delete().where(
        (SignInFailure.kind == PASSWORD) & (SignInFailure.username == account_key(username))
    )


async def audit_refusal(kind: str, refusal: Refusal, username: str, ip: str) -> None:
    what = "Sign-in" if kind == PASSWORD else "API token"
    await record_event(
        None, f"{'login' if kind == PASSWORD else 'token'}.throttled", "user", account_key(username) or ip[:64],
        summary=f"{what} refused: too many failures for this {refusal.scope} in {int(WINDOW.total_seconds() // 60)} minutes",
        ip=ip,
    )
