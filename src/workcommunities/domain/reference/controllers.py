"""`/reference`: spheres, skills and statuses, in their fixed order (no pagination)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from workcommunities.domain.reference.deps import reference_service
from workcommunities.domain.reference.schemas import SkillOut, SphereOut, StatusOut
from workcommunities.domain.reference.services import ReferenceService


class ReferenceController(Controller):
    path = "/reference"
    tags = ["reference"]
    # Reference rows change with a release or a seed, not by the minute: clients and proxies may reuse them for five
    # minutes, then revalidate with the ETag (lib.http_headers.py).
    cache_control = CacheControlHeader(public=True, max_age=300)
    dependencies = {"reference": reference_service}

    @get("/spheres", summary="Spheres, in their fixed order")
    async def spheres(self, reference: NamedDependency[ReferenceService]) -> list[SphereOut]:
        return await reference.sphere_list()

    @get("/skills", summary="Skills with their sphere, by sphere then position")
    async def skills(
        self,
        reference: NamedDependency[ReferenceService],
        sphere_id: Annotated[str | None, QueryParameter(description="Only the skills of this sphere")] = None,
    ) -> list[SkillOut]:
        return await reference.skill_list(sphere_id)

    @get("/statuses", summary="Statuses, in their fixed order")
    async def statuses(self, reference: NamedDependency[ReferenceService]) -> list[StatusOut]:
        return await reference.status_list()
