"""Reading reference data, and seeding it from the fixture."""

from __future__ import annotations

import json
from pathlib import Path

from workcommunities.db.models import Skill, Sphere, Status
from workcommunities.domain.reference.repositories import SkillRepository, SphereRepository, StatusRepository
from workcommunities.domain.reference.schemas import SkillOut, SphereOut, StatusOut
from workcommunities.lib.repository import Service, Uses
from workcommunities.lib.schema import parse_id

FIXTURE = Path(__file__).resolve().parents[2] / "db" / "fixtures" / "reference.json"


class ReferenceService(Service[Skill, SkillRepository]):
    repository_type = SkillRepository

    spheres = Uses(SphereRepository)
    statuses = Uses(StatusRepository)

    async def sphere_list(self) -> list[SphereOut]:
        return await self.spheres.listing()

    async def skill_list(self, sphere: str | None = None) -> list[SkillOut]:
        """Every skill, or a sphere's (an unknown or malformed sphere simply has none)."""
        if sphere is None:
            return await self.repository.listing()
        sphere_id = parse_id(sphere)
        return await self.repository.listing(sphere_id) if sphere_id is not None else []

    async def status_list(self) -> list[StatusOut]:
        return await self.statuses.listing()

    async def seed(self, fixture: Path = FIXTURE) -> None:
        """Insert or update the fixture's rows, matched by title; running it twice changes nothing."""
        data = json.loads(fixture.read_text())  # noqa: ASYNC240 - a small file, read once per seed run
        for position, title in enumerate(data["statuses"]):
            await self.statuses.upsert(Status(title=title, position=position), match_fields=["title"])
        for position, item in enumerate(data["spheres"]):
            sphere = Sphere(
                title=item["title"],
                background_color=item["background_color"],
                text_color=item["text_color"],
                position=position,
            )
            sphere = await self.spheres.upsert(sphere, match_fields=["title"])
            for skill_position, title in enumerate(item["skills"]):
                skill = Skill(sphere_id=sphere.id, title=title, position=skill_position)
                await self.repository.upsert(skill, match_fields=["sphere_id", "title"])
