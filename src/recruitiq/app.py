from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from anyio import to_thread
from fastapi import Depends, FastAPI, Response
from pydantic import BaseModel

from recruitiq import __version__
from recruitiq.apidoc import docs_ui
from recruitiq.apidoc.document import install as install_openapi
from recruitiq.applications.endpoints import router as applications_router
from recruitiq.audit.endpoints import router as audit_router
from recruitiq.audit.recorder import install as install_audit
from recruitiq.auth.endpoints import router as auth_router
from recruitiq.candidates.endpoints import router as candidates_router
from recruitiq.config import Settings, get_settings
from recruitiq.db import make_engine, make_session_factory
from recruitiq.errors import install_error_handlers
from recruitiq.events.endpoints import router as events_router
from recruitiq.interviews.endpoints import router as interviews_router
from recruitiq.jobs.endpoints import router as jobs_router
from recruitiq.kit.admission import AdmissionMiddleware
from recruitiq.kit.body_limit import BodyLimitMiddleware, RouteLimit
from recruitiq.kit.idempotency import IdempotencyMiddleware
from recruitiq.kit.parameters import refuse_unknown_parameters
from recruitiq.kit.request_id import RequestIdMiddleware
from recruitiq.kit.security_headers import SecurityHeadersMiddleware
from recruitiq.messaging.endpoints import router as messaging_router
from recruitiq.offers.endpoints import router as offers_router
from recruitiq.portal.endpoints import router as portal_router
from recruitiq.ratelimit.http import RateLimitHeadersMiddleware
from recruitiq.ratelimit.limiter import RateLimiter, plan_limits
from recruitiq.reports.endpoints import router as reports_router
from recruitiq.resumes.endpoints import MULTIPART_OVERHEAD
from recruitiq.resumes.endpoints import router as resumes_router
from recruitiq.usage.endpoints import router as usage_router
from recruitiq.webhooks.endpoints import router as webhooks_router
from recruitiq.webhooks.metrics import router as metrics_router
from recruitiq.worker import start_embedded, tune_interpreter

logger = logging.getLogger("recruitiq")


class Health(BaseModel):
    success: Literal[True]
    status: Literal["ok"]
    version: str


HEALTH_BODY = Health(success=True, status="ok", version=__version__).model_dump_json().encode()

RESUME_UPLOAD = re.compile(r"/api/v1/candidates/[^/]+/resume")

ROUTERS = (
    auth_router,
    jobs_router,
    candidates_router,
    applications_router,
    interviews_router,
    offers_router,
    events_router,
    webhooks_router,
    usage_router,
    metrics_router,
    messaging_router,
    reports_router,
    resumes_router,
    audit_router,
    portal_router,
)

DESCRIPTION = """
The RecruitIQ API: every hiring action is one REST call, every hiring event a signed webhook.

Authenticate with `Authorization: Bearer <token>`, where the token is a login token from
`POST /api/v1/auth/login` or an API key `riq_live_…` with scopes `<area>:read|write`.
Errors share one shape: `{"success": false, "error": {"code", "message", "details", "requestId"}}`.
Every POST accepts an `Idempotency-Key` header.
"""


def create_app(settings: Settings | None = None, *, run_worker: bool = True) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.resolved_database_url, pool_size=settings.api_threads)
    session_factory = make_session_factory(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One thread per admitted request, one connection per thread (kit/admission.py).
        to_thread.current_default_thread_limiter().total_tokens = settings.api_threads
        tune_interpreter()
        tasks = await start_embedded(app) if run_worker else []
        try:
            yield
        finally:
            if tasks:
                app.state.worker_context.stopping.set()
                _done, pending = await asyncio.wait(tasks, timeout=30)
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
            engine.dispose()

    app = FastAPI(
        title="RecruitIQ API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served offline by apidoc.docs_ui
        redoc_url=None,
        # Every route added from here on: unknown query parameters are a 422 (kit/parameters.py).
        dependencies=[Depends(refuse_unknown_parameters)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.rate_limiter = RateLimiter(engine, plan_limits(settings.api_rate_limits))
    install_error_handlers(app)
    app.add_middleware(IdempotencyMiddleware, session_factory=session_factory)
    install_audit(app)
    app.add_middleware(RateLimitHeadersMiddleware)

    app.add_middleware(
        AdmissionMiddleware,
        limit=settings.api_threads,
        queue_timeout=settings.api_queue_timeout_seconds,
        max_queue=settings.api_max_queue,
    )
    # Outside admission: an oversized body is refused without taking a slot.
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        route_limits=[RouteLimit("PUT", RESUME_UPLOAD,
                                 settings.resume_max_bytes + MULTIPART_OVERHEAD)],
    )
    app.add_middleware(SecurityHeadersMiddleware, production=settings.is_production)
    app.add_middleware(RequestIdMiddleware)

    @app.get("/healthz", tags=["meta"], response_model=Health)
    async def healthz() -> Response:
        return Response(HEALTH_BODY, media_type="application/json")

    for router in ROUTERS:
        app.include_router(router)
    install_openapi(app)
    docs_ui.install(app)
    return app


def app_with_worker() -> FastAPI:
    """``recruitiq serve --workers N``: each process builds its app from the environment."""
    return create_app(run_worker=True)


def api_only_app() -> FastAPI:
    """``recruitiq serve --workers N --no-worker``."""
    return create_app(run_worker=False)
