"""Reports and exports: one router for ``app.py``, two areas of the API."""

from __future__ import annotations

from recruitiq.kit.routing import api_router
from recruitiq.reports.export_endpoints import router as export_router
from recruitiq.reports.report_endpoints import router as report_router

router = api_router()
router.include_router(report_router)
router.include_router(export_router)
