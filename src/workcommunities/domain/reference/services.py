"""Reading reference data, resolving skills in batches, and seeding the reference rows."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable
from functools import cache
from pathlib import Path
from uuid import UUID

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from workcommunities.db import AnyRow, AnySelect, fetch_rows
from workcommunities.db.models import Skill, Sphere, Status
from workcommunities.domain.reference.schemas import SkillOut, SphereOut, StatusOut
from workcommunities.lib.errors import BadRequest
from workcommunities.lib.schema import dedupe, parse_id

FIXTURE = Path(__file__).resolve().parents[2] / "db" / "fixtures" / "reference.json"

SKILL_COLUMNS = (
    Skill.id,
    Skill.title,
    Skill.sphere_id,
    Sphere.title.label("sphere_title"),
    Sphere.background_color,
    Sphere.text_color,
)


def _sphere_out(sphere: Sphere) -> SphereOut:
    return SphereOut(
        id=sphere.id.hex, title=sphere.title, background_color=sphere.background_color, text_color=sphere.text_color
    )


class ReferenceService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def spheres(self) -> list[SphereOut]:
        rows = await self.session.scalars(select(Sphere).order_by(Sphere.position, Sphere.title, Sphere.id))
        return [_sphere_out(sphere) for sphere in rows]

    async def statuses(self) -> list[StatusOut]:
        rows = await self.session.scalars(select(Status).order_by(Status.position, Status.title, Status.id))
        return [StatusOut(id=status.id.hex, title=status.title) for status in rows]

    async def skills(self, sphere_id: UUID | None = None) -> list[SkillOut]:
        query = (
            select(*SKILL_COLUMNS)
            .join(Sphere, Sphere.id == Skill.sphere_id)
            .order_by(Sphere.position, Sphere.title, Skill.position, Skill.title, Skill.id)
        )
        if sphere_id is not None:
            query = query.where(Skill.sphere_id == sphere_id)
        return [skill_out(row) for row in await self.session.execute(query)]

    async def skills_by_id(self, ids: Iterable[UUID]) -> dict[UUID, SkillOut]:
        """The given skills in one statement, keyed by id (unknown ids are absent)."""
        wanted = set(ids)
        if not wanted:
            return {}
        query = select(*SKILL_COLUMNS).join(Sphere, Sphere.id == Skill.sphere_id).where(Skill.id.in_(wanted))
        return {row.id: skill_out(row) for row in await self.session.execute(query)}


def skill_out(row: AnyRow) -> SkillOut:
    sphere = SphereOut(
        id=row.sphere_id.hex, title=row.sphere_title, background_color=row.background_color, text_color=row.text_color
    )
    return SkillOut(id=row.id.hex, title=row.title, sphere_id=sphere.id, sphere=sphere)


async def seed_reference(session: AsyncSession, fixture: Path = FIXTURE) -> None:
    """Insert or update the reference rows of the fixture, keyed by title; running it twice changes nothing."""
    data = json.loads(fixture.read_text())  # noqa: ASYNC240 - a small file, read once per seed run
    statuses = {s.title: s for s in await session.scalars(select(Status))}
    for position, title in enumerate(data["statuses"]):
        status = statuses.get(title) or Status(title=title)
        status.position = position
        session.add(status)
    spheres = {s.title: s for s in await session.scalars(select(Sphere))}
    skills = {(s.sphere_id, s.title): s for s in await session.scalars(select(Skill))}
    for position, item in enumerate(data["spheres"]):
        sphere = spheres.get(item["title"]) or Sphere(title=item["title"])
        sphere.background_color, sphere.text_color, sphere.position = (
            item["background_color"],
            item["text_color"],
            position,
        )
        session.add(sphere)
        await session.flush()
        for skill_position, title in enumerate(item["skills"]):
            skill = skills.get((sphere.id, title)) or Skill(sphere_id=sphere.id, title=title)
            skill.position = skill_position
            session.add(skill)
    await session.flush()


@cache
def _ordered_skills_query(owner: InstrumentedAttribute[UUID]) -> AnySelect:
    """Built once per link table; the owners come in as the expanding `ids` parameter."""
    link = owner.class_
    return (
        select(owner.label("owner_id"), *SKILL_COLUMNS)
        .select_from(link)
        .join(Skill, Skill.id == link.skill_id)
        .join(Sphere, Sphere.id == Skill.sphere_id)
        .where(owner.in_(bindparam("ids", expanding=True)))
        .order_by(owner, link.position)
    )


async def ordered_skills(
    session: AsyncSession, owner: InstrumentedAttribute[UUID], owner_ids: Collection[UUID]
) -> dict[UUID, list[SkillOut]]:
    """The skills of many owners in one statement, each list in its saved order. `owner` is the owner column of an
    ordered link table with `skill_id` and `position` (ContentSkill.content_id, CompanySkill.company_id, …)."""
    if not owner_ids:
        return {}
    result: dict[UUID, list[SkillOut]] = defaultdict(list)
    for row in await fetch_rows(session, _ordered_skills_query(owner), {"ids": list(owner_ids)}):
        result[row.owner_id].append(skill_out(row))
    return result


async def existing_ids(
    session: AsyncSession, column: InstrumentedAttribute[UUID], values: Iterable[str], field: str
) -> list[UUID]:
    """Body ids of a reference table (`Skill.id`, `Status.id`) → UUIDs in the given order (trimmed, empties and
    duplicates dropped); unknown ids → 400 `Invalid <field>: a, b`, checked before anything is written."""
    parsed = {value: parse_id(value) for value in dedupe(list(values))}
    candidates = [value for value in parsed.values() if value is not None]
    found = set(await session.scalars(select(column).where(column.in_(candidates)))) if candidates else set()
    invalid = [value for value, parsed_id in parsed.items() if parsed_id not in found]
    if invalid:
        raise BadRequest(f"Invalid {field}: {', '.join(invalid)}")
    return [value for value in parsed.values() if value is not None]


async def existing_skill_ids(session: AsyncSession, values: Iterable[str], field: str) -> list[UUID]:
    return await existing_ids(session, Skill.id, values, field)
