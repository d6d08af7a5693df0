"""`/reference`: spheres, skills and statuses, in their fixed order (no pagination)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.reference.schemas import SkillOut, SphereOut, StatusOut
from workcommunities.domain.reference.services import ReferenceService
from workcommunities.lib.schema import parse_id


def provide_reference_service(db_session: NamedDependency[AsyncSession]) -> ReferenceService:
    return ReferenceService(db_session)


class ReferenceController(Controller):
    path = "/reference"
    tags = ["reference"]
    dependencies = {"reference": Provide(provide_reference_service, sync_to_thread=False)}

    @get("/spheres", summary="Spheres, in their fixed order")
    async def spheres(self, reference: NamedDependency[ReferenceService]) -> list[SphereOut]:
        return await reference.spheres()

    @get("/skills", summary="Skills with their sphere, by sphere then position")
    async def skills(
        self,
        reference: NamedDependency[ReferenceService],
        sphere_id: Annotated[str | None, QueryParameter(description="Only the skills of this sphere")] = None,
    ) -> list[SkillOut]:
        if sphere_id is None:
            return await reference.skills()
        parsed = parse_id(sphere_id)
        return await reference.skills(parsed) if parsed is not None else []

    @get("/statuses", summary="Statuses, in their fixed order")
    async def statuses(self, reference: NamedDependency[ReferenceService]) -> list[StatusOut]:
        return await reference.statuses()
