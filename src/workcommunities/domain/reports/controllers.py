"""`/reports`: reporting abusive content (rules: reports/services.py)."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from workcommunities.domain.auth.guards import require_user
from workcommunities.domain.reports.deps import report_service
from workcommunities.domain.reports.schemas import ReportIn, ReportOut
from workcommunities.domain.reports.services import ReportService
from workcommunities.lib.errors import documented
from workcommunities.lib.security import Principal


class ReportController(Controller):
    path = "/reports"
    tags = ["reports"]
    dependencies = {"reports": report_service}

    @post(
        "/",
        guards=[require_user],
        status_code=200,
        responses=documented(401, 404, 429),
        summary="Report a post, event, story, community or company (again: updates the caller's report of it)",
    )
    async def report(
        self, caller: NamedDependency[Principal], data: JSONBody[ReportIn], reports: NamedDependency[ReportService]
    ) -> ReportOut:
        return await reports.report(caller.user_id, data)
