"""Sign in and sign out."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

import anyio
from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from workbench.audit import record_event
from workbench.auth import start_session
from workbench.db import write_transaction
from workbench.login_throttle import PASSWORD, audit_refusal, clear_account, record_failure, sign_in_refusal
from workbench.passwords import dummy_hash, verify_password
from workbench.roles import ALL_STAFF
from workbench.sessions import rotate_session
from workbench.tables import User

_DUMMY_HASH: list[str] = []


def safe_next(target: str | None) -> str:
    """Only local paths: an open redirect after login would be a phishing aid."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@get("/login", exclude_from_auth=True, name="login")
async def login_page(
    request: Request,
    next_page: Annotated[str | None, QueryParameter(name="next")] = None,
    signed_out: FromQuery[bool] = False,
) -> Template:
    context = {"next": safe_next(next_page), "errors": {}, "username": "", "signed_out": signed_out}
    return Template("auth/login.html", context=context)


async def _check_credentials(username: str, password: str) -> User | None:
    user = await User.objects().where(User.username == username.strip().lower()).first()
    if user is None or not user.active:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(dummy_hash())
        await anyio.to_thread.run_sync(verify_password, _DUMMY_HASH[0], password)
        return None
    ok = await anyio.to_thread.run_sync(verify_password, user.password_hash, password)
    return user if ok else None


@post("/login", exclude_from_auth=True, name="login-submit")
async def login_submit(
    request: Request,
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template | Redirect:
    username = str(data.get("username", "")).strip()
    password = str(data.get("password", ""))
    target = safe_next(str(data.get("next") or ""))
    errors: dict[str, str] = {}
    if not username:
        errors["username"] = "Enter your username"
    if not password:
        errors["password"] = "Enter your password"
    ip = request.client.host if request.client else ""
    refusal = None if errors else await sign_in_refusal(username, ip)
    if refusal is not None:  # locked: the password is not even checked
        await audit_refusal(PASSWORD, refusal, username, ip)
        errors["password"] = refusal.message
    user = None if errors else await _check_credentials(username, password)
    if user is None:
        if not errors:
            errors["password"] = "The username or password is not right"
            await record_failure(PASSWORD, username, ip)
            await record_event(None, "login.failed", "user", username.lower()[:64], summary="Failed sign-in", ip=ip)
        request.clear_session()
        return Template(
            "auth/login.html",
            context={"next": target, "errors": errors, "username": username, "signed_out": False},
            status_code=429 if refusal else 400,
        )
    await clear_account(username)
    request.clear_session()
    rotate_session(request)
    start_session(request, user)
    async with write_transaction():
        await User.update({User.last_login_at: datetime.now(timezone.utc)}).where(User.id == user.id)
        await record_event(user, "login", "user", user.id, summary="Signed in", ip=ip)
    return Redirect(target)


@post("/logout", name="logout", opt={"roles": ALL_STAFF})
async def logout(request: Request) -> Redirect:
    user = request.user
    await record_event(user, "logout", "user", user.id, summary="Signed out")
    request.clear_session()
    return Redirect("/login?signed_out=true")
