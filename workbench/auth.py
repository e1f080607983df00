"""Who is asking: session or bearer-token authentication, idle and absolute timeouts, role guards.

Every route needs a login except the login page and static files. A route says which roles it
admits with ``opt={"roles": ...}``; ``role_guard`` enforces it. Per-record rules (restricted
cases) are checked where the record is loaded, because a guard runs before the record exists.
"""

from __future__ import annotations

import time

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException, TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware

from workbench.accounts import active_user, user_for_token
from workbench.login_throttle import TOKEN, audit_refusal, record_failure, token_refusal
from workbench.roles import Role
from workbench.sessions import STORE_NAME
from workbench.settings import Settings
from workbench.tables import User

PUBLIC_PATHS = ["^/login$", "^/static/", "^/favicon.ico$", "^/healthz$"]
SESSION_TOUCH_SECONDS = 60


def is_api_path(path: str) -> bool:
    return path.startswith(("/api/", "/schema"))


class WorkbenchAuthMiddleware(AbstractAuthenticationMiddleware):
    """Bearer token first (API clients), then the session cookie (browsers)."""

    def __init__(self, app, settings: Settings, **kwargs) -> None:
        super().__init__(app, **kwargs)
        self.idle_seconds = settings.session_idle_minutes * 60
        self.absolute_seconds = settings.session_absolute_hours * 3600

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        authorization = connection.headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            return AuthenticationResult(user=await _token_user(connection, authorization[7:].strip()), auth="bearer")
        session = connection.scope.get("session") or {}
        user_id = session.get("uid") if isinstance(session, dict) else None
        if not user_id:
            raise NotAuthorizedException("Please sign in")
        now = int(time.time())
        if now - session.get("issued", 0) > self.absolute_seconds or now - session.get("seen", 0) > self.idle_seconds:
            await end_session(connection)
            raise NotAuthorizedException("Your session has expired; please sign in again")
        user = await active_user(user_id)
        if user is None:
            await end_session(connection)
            raise NotAuthorizedException("Please sign in")
        if now - session.get("seen", 0) > SESSION_TOUCH_SECONDS:
            connection.set_session({**session, "seen": now})
        return AuthenticationResult(user=user, auth="session")


async def _token_user(connection: ASGIConnection, token: str) -> User:
    """The token's user; bad tokens count against the address, which is refused for a while after too many.

    A good token is answered without consulting the count: tokens are too long to guess, so the throttle
    only has to stop an address from trying bad ones, and the valid path stays one query.
    """
    user = await user_for_token(token)
    if user is not None:
        return user
    ip = connection.client.host if connection.client else ""
    refusal = await token_refusal(ip)
    if refusal is not None:
        await audit_refusal(TOKEN, refusal, "", ip)
        raise TooManyRequestsException(
            f"Too many requests with a bad API token from this address. Wait {refusal.minutes} minutes and try again.",
            headers={"Retry-After": str(int(refusal.retry_after.total_seconds()) + 1)},
        )
    await record_failure(TOKEN, "", ip)
    raise NotAuthorizedException("The API token is not valid")


async def end_session(connection: ASGIConnection) -> None:
    """Forget the session in the store as well as in the scope.

    The 401 raised here is answered from outside the session middleware, which therefore never
    sees the cleared scope; without the delete an expired or disabled session would stay valid on
    the server (and work again if the account were re-enabled).
    """
    session_id = connection.get_session_id()
    connection.clear_session()
    if session_id:
        await connection.app.stores.get(STORE_NAME).delete(session_id)


def auth_middleware(settings: Settings) -> DefineMiddleware:
    return DefineMiddleware(WorkbenchAuthMiddleware, settings=settings, exclude=PUBLIC_PATHS)


def start_session(connection: ASGIConnection, user: User) -> None:
    now = int(time.time())
    connection.set_session({"uid": user.id, "issued": now, "seen": now})


def role_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Admit only the roles the route names; a route that names none is public (login, static)."""
    roles = handler.opt.get("roles")
    if roles is None:
        return
    user = connection.scope.get("user")
    if user is None or Role(user.role) not in roles:
        raise PermissionDeniedException("Your role does not give access to this page")
