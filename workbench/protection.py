"""Protections every response gets: CSRF on unsafe methods, and the security headers.

Requests authenticated by a bearer token skip CSRF: browsers never attach that header by
themselves, so a forged cross-site request cannot carry it.
"""

from __future__ import annotations

from litestar.config.csrf import CSRFConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, BeforeMessageSendHookHandler, Message, Receive, Scope, Send

from workbench.settings import Settings

CSRF_HEADER = "x-csrftoken"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


class WorkbenchCSRFMiddleware(CSRFMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("auth") == "bearer":
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def csrf_middleware(settings: Settings) -> DefineMiddleware:
    config = CSRFConfig(
        secret=settings.secret_key,
        cookie_name="workbench-csrf",
        cookie_secure=settings.cookie_secure,
        cookie_samesite="strict",
        header_name=CSRF_HEADER,
        exclude=["^/static/"],
    )
    return DefineMiddleware(WorkbenchCSRFMiddleware, config=config)


def security_headers_hook(settings: Settings) -> BeforeMessageSendHookHandler:
    """Adds CSP, frame denial, nosniff, referrer policy, no-store on dynamic pages, HSTS under TLS.

    A ``before_send`` hook rather than a route middleware: Litestar answers unknown routes, and
    exceptions raised in middleware (401 from authentication, 403 from CSRF), from outside the
    route's middleware stack, so a middleware would leave those responses without the headers.
    """
    hsts = settings.cookie_secure

    async def add_security_headers(message: Message, scope: Scope) -> None:
        if scope["type"] != "http" or message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if not scope["path"].startswith("/static/"):
            headers["Cache-Control"] = "no-store"
        if hsts:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"

    return add_security_headers


def host_without_port(host: str) -> str:
    if host.startswith("["):  # [::1]:8000
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class AllowedHostsMiddleware:
    """Refuse requests for other host names (Host-header injection into links and redirects).

    Litestar's own check matches the whole Host header, port included, so it refuses
    ``127.0.0.1:8000``; this one compares the name alone.
    """

    def __init__(self, app: ASGIApp, hosts: tuple[str, ...]) -> None:
        self.app = app
        self.any = "*" in hosts
        self.hosts = {h.lower() for h in hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.any:
            host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
            if host_without_port(host.lower()) not in self.hosts:
                await send({"type": "http.response.start", "status": 400,
                            "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": b'{"status_code":400,"detail":"Unknown host"}'})
                return
        await self.app(scope, receive, send)


def allowed_hosts_middleware(settings: Settings) -> DefineMiddleware:
    return DefineMiddleware(AllowedHostsMiddleware, hosts=settings.allowed_hosts)
