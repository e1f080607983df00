"""Managers browse the audit log; nothing here (or anywhere) edits it."""

from __future__ import annotations

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import get
from litestar.plugins.htmx import HTMXRequest
from litestar.params import FromQuery

from investigations.queries import viewer_for
from workbench.audit import verify_chain
from workbench.audit_visibility import withhold_restricted_details
from workbench.roles import OVERSIGHT
from workbench.tables import AuditEvent
from workbench.templating import render

PAGE_SIZE = 50


@get("/audit", name="audit-log", opt={"roles": OVERSIGHT})
async def audit_log(
    request: HTMXRequest,
    actor: FromQuery[str] = "",
    action: FromQuery[str] = "",
    record: FromQuery[str] = "",
    page: FromQuery[int] = 1,
    verify: FromQuery[bool] = False,
) -> HTMXBlockTemplate:
    query = AuditEvent.select(
        AuditEvent.sequence, AuditEvent.at, AuditEvent.actor_name, AuditEvent.action,
        AuditEvent.record_type, AuditEvent.record_id, AuditEvent.summary, AuditEvent.changes, AuditEvent.ip,
    )
    count = AuditEvent.count()
    for column, value in ((AuditEvent.actor_name, actor), (AuditEvent.action, action), (AuditEvent.record_id, record)):
        if value.strip():
            query = query.where(column == value.strip()[:64])
            count = count.where(column == value.strip()[:64])
    page = max(1, page)
    total = await count
    rows = await query.order_by(AuditEvent.sequence, ascending=False).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    rows = await withhold_restricted_details(viewer_for(request.user), rows)
    chain = await verify_chain() if verify else None
    context = {
        "rows": rows, "total": total, "page": page, "pages": max(1, -(-total // PAGE_SIZE)),
        "filters": {"actor": actor, "action": action, "record": record}, "chain": chain,
    }
    return render(request, "audit/log.html", context, block="audit_results")
