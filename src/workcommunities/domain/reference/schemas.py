"""Reference shapes. `SkillOut` is the one skill shape of the whole API: `{id, title, sphere_id, sphere}`."""

from __future__ import annotations

from workcommunities.lib.schema import Out


class SphereOut(Out):
    id: str
    title: str
    background_color: str
    text_color: str


class SkillOut(Out):
    id: str
    title: str
    sphere_id: str
    sphere: SphereOut | None


class StatusOut(Out):
    id: str
    title: str
