"""Server-side sessions (stored by workbench.session_store), with the session id rotated at login.

Anonymous requests (the login page, static files) store nothing. Litestar reuses the id from the
cookie when a session is written, which would let an attacker
who planted a session cookie share the victim's login (session fixation); ``rotate_session``
makes the next write use a fresh id and delete the old one. A session that a request did not change
is not written back (Litestar writes it after every request).
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig

ROTATE_KEY = "workbench.rotate_session"
LOADED_KEY = "workbench.session_as_loaded"
STORE_NAME = "sessions"


class RotatingSessionBackend(ServerSideSessionBackend):
    def get_session_id(self, connection: ASGIConnection) -> str:
        if connection.scope.get(ROTATE_KEY) is True:
            connection.scope[ROTATE_KEY] = self.generate_session_id()  # type: ignore[literal-required]
        fresh = connection.scope.get(ROTATE_KEY)
        if isinstance(fresh, str):
            return fresh
        return super().get_session_id(connection)

    async def load_from_connection(self, connection: ASGIConnection) -> dict:
        data = await super().load_from_connection(connection)
        if data:
            connection.scope[LOADED_KEY] = self.serialize_data(data, connection.scope)  # type: ignore[literal-required]
        return data

    def _unchanged(self, scope_session, connection: ASGIConnection) -> bool:
        """The session as it was read: nothing to store (authentication touches it once a minute)."""
        loaded = connection.scope.get(LOADED_KEY)
        return bool(scope_session) and loaded is not None and not connection.scope.get(ROTATE_KEY) \
            and self.serialize_data(scope_session, connection.scope) == loaded

    async def store_in_message(self, scope_session, message, connection) -> None:  # type: ignore[override]
        if connection.scope.get(ROTATE_KEY):
            old_id = connection.cookies.get(self.config.key)
            if old_id and old_id != "null":
                await self.delete(old_id, store=self.config.get_store_from_app(connection.scope["app"]))
        if not scope_session and not connection.cookies.get(self.config.key):
            return  # nothing to keep and nothing to clear: anonymous requests leave no session files
        if self._unchanged(scope_session, connection):
            return  # no write per request (a database write on PostgreSQL), no Set-Cookie
        await super().store_in_message(scope_session, message, connection)


@dataclass
class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def rotate_session(connection: ASGIConnection) -> None:
    connection.scope[ROTATE_KEY] = True  # type: ignore[literal-required]


def session_config(secure: bool, absolute_hours: int) -> RotatingSessionConfig:
    # The __Host- prefix pins the cookie to this host and path, but browsers demand Secure for it.
    return RotatingSessionConfig(
        key="__Host-workbench-session" if secure else "workbench-session",
        store=STORE_NAME,
        max_age=absolute_hours * 3600,
        secure=secure,
        httponly=True,
        samesite="lax",
    )
