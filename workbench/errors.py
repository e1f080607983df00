"""Errors in the house style: JSON with a message for the API, a styled page for people.

No response ever carries a stack trace; unexpected errors are logged with an id the user can quote.
A database that cannot be reached is a 503 that says so (pages, API and /healthz alike), not a 500.
"""

from __future__ import annotations

import logging
import secrets
import socket
import sqlite3
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE

from workbench.auth import is_api_path

log = logging.getLogger("workbench.errors")

DATABASE_UNREACHABLE = "The case system cannot reach its database"
RETRY_AFTER_SECONDS = 30

TITLES = {
    400: "There is a problem with the request",
    401: "Please sign in",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "That action is not allowed here",
    409: "Someone else changed this record",
    413: "The upload is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "The service is unavailable",
}


def _json(status: int, detail: str, extra: object | None = None) -> Response:
    body: dict[str, object] = {"status_code": status, "detail": detail}
    if extra:
        body["extra"] = extra
    return Response(body, status_code=status, media_type="application/json")


def _page(request: Request, status: int, detail: str) -> Response:
    headers = {}
    if status == 401 and request.headers.get("hx-request"):
        headers["HX-Redirect"] = "/login"
    return Template(
        template_name="errors/error.html",
        context={"status": status, "title": TITLES.get(status, "Something went wrong"), "detail": detail},
        status_code=status,
        headers=headers,
    )


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    detail = exc.detail or TITLES.get(status, "Error")
    if is_api_path(request.url.path):
        extra = exc.extra if status < 500 and isinstance(exc.extra, (dict, list)) else None
        response = _json(status, detail, extra)
        response.headers.update(exc.headers or {})  # Retry-After on 429
        return response
    if isinstance(exc, NotAuthorizedException) and request.method == "GET" and not request.headers.get("hx-request"):
        path = request.url.path
        query = f"?next={quote(path + ('?' + request.url.query if request.url.query else ''))}" if path != "/" else ""
        return Redirect(f"/login{query}")
    return _page(request, status, detail)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    incident = secrets.token_hex(4)
    if is_database_unreachable(exc):
        return database_unreachable_response(request, exc, incident)
    log.exception("Unhandled error %s on %s %s", incident, request.method, request.url.path, exc_info=exc)
    detail = f"Try again later. If it keeps happening, quote incident {incident}."
    if is_api_path(request.url.path):
        return _json(HTTP_500_INTERNAL_SERVER_ERROR, detail)
    return _page(request, HTTP_500_INTERNAL_SERVER_ERROR, detail)


def database_unreachable_response(request: Request, exc: BaseException, incident: str) -> Response:
    """503 with Retry-After: the request did nothing, and trying again later is the right thing to do.

    Logged as one line: an outage is one fact, not a stack trace per request.
    """
    log.error("Database unreachable (incident %s) on %s %s: %s: %s", incident, request.method, request.url.path,
              type(exc).__name__, exc)
    detail = (f"{DATABASE_UNREACHABLE}, so nothing was read or saved. Try again in a few minutes; "
              f"if it keeps happening, tell the service desk and quote incident {incident}.")
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if is_api_path(request.url.path):
        response = _json(HTTP_503_SERVICE_UNAVAILABLE, detail)
        response.headers.update(headers)
        return response
    return Template(
        template_name="errors/error.html",
        context={"status": 503, "title": "Sorry, the case system cannot reach its database", "detail": detail},
        status_code=HTTP_503_SERVICE_UNAVAILABLE,
        headers=headers,
    )


# SQLSTATEs meaning "no usable connection": class 08 (connection exception), 57P01-03 (the server
# shutting down or starting up), 53300 (too many connections), 3D000 (no such database).
_UNREACHABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300", "3D000")
# SQLite: the file cannot be opened or read, or stayed locked beyond the busy timeout.
_UNREACHABLE_SQLITE = ("unable to open database file", "database is locked", "disk i/o error",
                       "file is not a database", "database disk image is malformed")


def is_database_unreachable(exc: BaseException) -> bool:
    """True when this error, or one it was raised from, says the database cannot be reached or used.

    Not every database error: a constraint violation or a bad query is a bug, and stays a 500.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        error = pending.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        if _says_unreachable(error):
            return True
        pending += [error.__cause__, error.__context__]
    return False


def _says_unreachable(error: BaseException) -> bool:
    if isinstance(error, (ConnectionError, socket.gaierror)):
        return True
    if type(error).__module__.startswith("asyncpg"):
        if (getattr(error, "sqlstate", None) or "").startswith(_UNREACHABLE_SQLSTATES):
            return True
        # the client side: "connection is closed", "connection was closed in the middle of operation"
        return type(error).__name__ == "InterfaceError" and "connection" in str(error).lower()
    if isinstance(error, sqlite3.DatabaseError) and not isinstance(error, sqlite3.IntegrityError):
        return any(text in str(error).lower() for text in _UNREACHABLE_SQLITE)
    return False


EXCEPTION_HANDLERS = {
    HTTPException: http_exception_handler,
    Exception: internal_error_handler,
}
