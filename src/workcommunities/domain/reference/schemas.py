"""Reference shapes. `SkillOut` is the one skill shape of the whole API: `{id, title, sphere_id, sphere}`."""

from __future__ import annotations

from workcommunities.lib.schema import Struct


class SphereOut(Struct):
    id: str
    title: str
    background_color: str
    text_color: str


class SkillOut(Struct):
    id: str
    title: str
    sphere_id: str
    sphere: SphereOut | None


class StatusOut(Struct):
    id: str
    title: str
