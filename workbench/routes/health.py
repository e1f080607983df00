"""/healthz: for load balancers and monitoring, whether this process can do its work.

It answers 200 only when the database answers too, so a proxy stops sending people to a
worker that would only show them an error page, and monitoring sees the outage as it starts.
"""

from __future__ import annotations

import logging

from litestar import Response, get

from workbench.db import check_database
from workbench.errors import DATABASE_UNREACHABLE, RETRY_AFTER_SECONDS, is_database_unreachable

log = logging.getLogger("workbench.health")


@get("/healthz", exclude_from_auth=True, include_in_schema=False, name="health")
async def health() -> Response:
    try:
        await check_database()
    except Exception as exc:  # any failure of the round trip means "not healthy"; say which kind
        log.warning("Health check failed: %s: %s", type(exc).__name__, exc)
        detail = DATABASE_UNREACHABLE if is_database_unreachable(exc) else "The database check failed"
        return Response({"status": "unavailable", "detail": detail}, status_code=503,
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    return Response({"status": "ok"})
