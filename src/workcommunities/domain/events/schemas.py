"""The event shape."""

from __future__ import annotations

from datetime import datetime

from workcommunities.domain.reference.schemas import SkillOut
from workcommunities.lib.schema import Struct


class EventOut(Struct):
    id: str
    community_id: str
    title: str
    event_date: datetime
    city: str
    location: str
    description: str
    registration: str
    format: str
    media_id: str
    tags: list[str]
    skills: list[SkillOut]
    cost: int
    participant_payout: int
    participants_count: int = 0
