"""The application factory: one place that assembles the shell and the domains."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from litestar import Litestar, Router
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.flash import FlashConfig, FlashPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router

from investigations.api import CaseApiController, search_bodies
from investigations.import_api import import_cases_api
from investigations.document_routes import CaseDocumentsController
from investigations.lifecycle import OUTCOME_LABELS, STAGE_LABELS
from investigations.casework_api import CaseworkApiController
from investigations.casework_routes import CaseworkController
from investigations.intake_routes import IntakeController
from investigations.routes import CasePagesController
from investigations.statement_api import statement_docx
from remedies.compliance_routes import BodyPagesController, ComplianceController
from remedies.holiday_routes import HolidaysController
from systemic.api import similar_cases_api
from systemic import routes as systemic_routes
from systemic import scan_routes as systemic_scan_routes
from remedies.case_routes import CaseRecommendationsController, RecommendationController
from remedies import api as remedies_api
from remedies.letter_routes import chase_letter
from remedies.statistics_routes import statistics_page
from workbench.auth import auth_middleware, role_guard
from workbench.db import close_database, open_database
from workbench.errors import EXCEPTION_HANDLERS
from workbench.protection import allowed_hosts_middleware, csrf_middleware, security_headers_hook
from workbench.roles import ROLE_LABELS, Role
from workbench.routes.account_api import issue_token, me
from workbench.routes.audit_log import audit_log
from workbench.routes.dashboard import home
from workbench.routes.health import health
from workbench.routes.login import login_page, login_submit, logout
from workbench.routes.reports import ReportsController, reports_area
from workbench.scheduler import run_scheduler
from workbench.session_store import session_store
from workbench.sessions import STORE_NAME, session_config
from workbench.settings import Settings, get_settings
from workbench.templating import template_config

STATIC_DIR = Path(__file__).parent / "static"
REQUEST_MAX_BODY = 1_000_000  # uploads raise it on their own routes


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        await open_database(use_pool=settings.db_pool)
        try:
            yield
        finally:
            await close_database()

    @asynccontextmanager
    async def scheduler(app: Litestar) -> AsyncIterator[None]:
        if not settings.scheduler:
            app.state.scheduler = None
            yield
            return
        async with run_scheduler(settings) as running:
            app.state.scheduler = running
            yield

    @asynccontextmanager
    async def similarity_index(app: Litestar) -> AsyncIterator[None]:
        """Start building the similar-cases index in the background (a minute at 200,000 cases)."""
        from systemic.matching import warm_up

        task = warm_up() if settings.warm_similarity_index else None
        try:
            yield
        finally:
            if task is not None and not task.done():
                task.cancel()

    templates = template_config(
        {"ROLE_LABELS": ROLE_LABELS, "STAGE_LABELS": STAGE_LABELS, "OUTCOME_LABELS": OUTCOME_LABELS, "Role": Role},
        auto_reload=settings.demo,
    )
    sessions = session_config(secure=settings.cookie_secure, absolute_hours=settings.session_absolute_hours)
    return Litestar(
        route_handlers=[
            health,
            # The HTML pages: not part of the API, so not in its OpenAPI schema.
            Router(path="/", include_in_schema=False, route_handlers=[
                login_page, login_submit, logout, home, audit_log,
                IntakeController, CasePagesController, CaseworkController, CaseDocumentsController,
                # remedies: case page
                CaseRecommendationsController, RecommendationController,
                # remedies: chasing
                chase_letter,
                # remedies: holidays
                HolidaysController,
                # remedies: compliance screens
                ComplianceController, BodyPagesController,
                # remedies: statistics pages
                statistics_page,
                # systemic: pages
                *systemic_routes.HANDLERS,
                # documents
                reports_area, ReportsController,
                # systemic: scan
                *systemic_scan_routes.HANDLERS,
            ]),
            me,
            issue_token,
            CaseworkApiController,
            CaseApiController,
            import_cases_api,
            search_bodies,
            # remedies: API
            # documents: API
            statement_docx,
            similar_cases_api,
            *remedies_api.HANDLERS,
            create_static_files_router(path="/static", directories=[STATIC_DIR], name="static", include_in_schema=False),
        ],
        middleware=[
            allowed_hosts_middleware(settings),
            sessions.middleware,
            auth_middleware(settings),
            csrf_middleware(settings),
        ],
        guards=[role_guard],
        before_send=[security_headers_hook(settings)],
        stores={STORE_NAME: session_store(settings)},
        template_config=templates,
        plugins=[HTMXPlugin(), FlashPlugin(config=FlashConfig(template_config=templates))],
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(
            title="Ombudsman Workbench API", version="1", path="/schema", render_plugins=[JsonRenderPlugin()]
        ),
        lifespan=[database, scheduler, systemic_scan_routes.background_scans, similarity_index],
        request_max_body_size=REQUEST_MAX_BODY,
        logging_config=LoggingConfig(log_exceptions="never", configure_root_logger=True),
        debug=False,
    )
