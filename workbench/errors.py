"""Errors in the house style: JSON with a message for the API, a styled page for people.

No response ever carries a stack trace; unexpected errors are logged with an id the user can quote.
"""

from __future__ import annotations

import logging
import secrets
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from workbench.auth import is_api_path

log = logging.getLogger("workbench.errors")

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
    log.exception("Unhandled error %s on %s %s", incident, request.method, request.url.path, exc_info=exc)
    detail = f"Try again later. If it keeps happening, quote incident {incident}."
    if _is_database_down(exc):
        detail = f"The database cannot be reached. Try again in a minute. (incident {incident})"
    if is_api_path(request.url.path):
        return _json(HTTP_500_INTERNAL_SERVER_ERROR, detail)
    return _page(request, HTTP_500_INTERNAL_SERVER_ERROR, detail)


def _is_database_down(exc: Exception) -> bool:
    names = {type(e).__name__ for e in (exc, exc.__cause__, exc.__context__) if e is not None}
    return bool(names & {"ConnectionRefusedError", "CannotConnectNowError", "OperationalError", "InterfaceError"})


EXCEPTION_HANDLERS = {
    HTTPException: http_exception_handler,
    Exception: internal_error_handler,
}
