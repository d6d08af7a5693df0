"""Reference rows (spheres, skills, statuses), and skills and statuses in the order an owner saved them.

Profiles, companies and content keep ordered lists of skills (and profiles of statuses) in link tables with a
`position`; `ordered()` reads them for a whole page of owners in one statement, in the one skill shape, and
`ordered_json()` is the same list as a JSON column of the owner's own row (lib/aggregate.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import ScalarSelect, bindparam, select
from sqlalchemy.orm import InstrumentedAttribute

from workcommunities.db import AnyRow, AnySelect
from workcommunities.db.models import Skill, Sphere, Status
from workcommunities.domain.reference.schemas import SkillOut, SphereOut, StatusOut
from workcommunities.lib.aggregate import json_list, json_object
from workcommunities.lib.repository import Repository

SKILL_COLUMNS = (
    Skill.id,
    Skill.title,
    Skill.sphere_id,
    Sphere.title.label("sphere_title"),
    Sphere.background_color,
    Sphere.text_color,
)
# Every reference list: by position, then title, then id (indexes ix_sphere_position, ix_skill_sphere_position,
# ix_status_position).
SPHERES = select(Sphere.id, Sphere.title, Sphere.background_color, Sphere.text_color).order_by(
    Sphere.position, Sphere.title, Sphere.id
)
SKILLS = (
    select(*SKILL_COLUMNS)
    .join(Sphere, Sphere.id == Skill.sphere_id)
    .order_by(Sphere.position, Sphere.title, Skill.position, Skill.title, Skill.id)
)
STATUSES = select(Status.id, Status.title).order_by(Status.position, Status.title, Status.id)


SPHERE_JSON = json_object(
    SphereOut,
    {
        "id": Sphere.id,
        "title": Sphere.title,
        "background_color": Sphere.background_color,
        "text_color": Sphere.text_color,
    },
)
SKILL_JSON = json_object(
    SkillOut, {"id": Skill.id, "title": Skill.title, "sphere_id": Skill.sphere_id, "sphere": SPHERE_JSON}
)
STATUS_JSON = json_object(StatusOut, {"id": Status.id, "title": Status.title})


def skill_out(row: AnyRow) -> SkillOut:
    sphere = SphereOut(
        id=row.sphere_id.hex, title=row.sphere_title, background_color=row.background_color, text_color=row.text_color
    )
    return SkillOut(id=row.id.hex, title=row.title, sphere_id=sphere.id, sphere=sphere)


@cache
def _ordered_query(owner: InstrumentedAttribute[UUID], target: type[Any], *columns: Any) -> AnySelect:
    """Built once per link table: its owners come in as the expanding `ids` parameter."""
    link = owner.class_
    target_id = getattr(link, f"{target.__tablename__}_id")
    query = select(owner.label("owner_id"), *columns).select_from(link).join(target, target.id == target_id)
    if target is Skill:
        query = query.join(Sphere, Sphere.id == Skill.sphere_id)
    return query.where(owner.in_(bindparam("ids", expanding=True))).order_by(owner, link.position)


def ordered_json(
    owner: InstrumentedAttribute[UUID], parent: Any, target: type[Skill | Status] = Skill
) -> ScalarSelect[Any]:
    """The skills (or statuses) of the `parent` row of an enclosing statement, in saved order, as a JSON array (a
    column of the statement's rows, or nested in another JSON object)."""
    link = owner.class_
    item = SKILL_JSON if target is Skill else STATUS_JSON
    query = select(json_list(item, link.position)).select_from(link)
    query = query.join(target, target.id == getattr(link, f"{target.__tablename__}_id"))
    if target is Skill:
        query = query.join(Sphere, Sphere.id == Skill.sphere_id)
    return query.where(owner == parent).scalar_subquery()


def _by_owner(rows: Sequence[AnyRow], build: Any) -> dict[UUID, list[Any]]:
    result: dict[UUID, list[Any]] = defaultdict(list)
    for row in rows:
        result[row.owner_id].append(build(row))
    return result


class SphereRepository(Repository[Sphere]):
    model_type = Sphere

    async def listing(self) -> list[SphereOut]:
        return [SphereOut.from_row(row) for row in await self.rows(SPHERES)]


class SkillRepository(Repository[Skill]):
    model_type = Skill

    async def listing(self, sphere_id: UUID | None = None) -> list[SkillOut]:
        query = SKILLS if sphere_id is None else SKILLS.where(Skill.sphere_id == sphere_id)
        return [skill_out(row) for row in await self.rows(query)]

    async def ordered(
        self, owner: InstrumentedAttribute[UUID], owner_ids: Collection[UUID]
    ) -> dict[UUID, list[SkillOut]]:
        """The skills of many owners in one statement, each list in its saved order. `owner` is the owner column
        of an ordered link table (ContentSkill.content_id, CompanySkill.company_id, ProfileSkill.profile_id)."""
        if not owner_ids:
            return {}
        rows = await self.rows(_ordered_query(owner, Skill, *SKILL_COLUMNS), {"ids": list(owner_ids)})
        return _by_owner(rows, skill_out)


class StatusRepository(Repository[Status]):
    model_type = Status

    async def listing(self) -> list[StatusOut]:
        return [StatusOut.from_row(row) for row in await self.rows(STATUSES)]

    async def ordered(
        self, owner: InstrumentedAttribute[UUID], owner_ids: Collection[UUID]
    ) -> dict[UUID, list[StatusOut]]:
        """The statuses of many owners in one statement, each list in its saved order (ProfileStatus.profile_id)."""
        if not owner_ids:
            return {}
        rows = await self.rows(_ordered_query(owner, Status, Status.id, Status.title), {"ids": list(owner_ids)})
        return _by_owner(rows, StatusOut.from_row)
