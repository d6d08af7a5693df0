"""Posts and events (one `content` table, as the unified feed reads them), their media and skills, participants,
and company stories."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import BigInteger, CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workcommunities.db.models._base import DefaultBase, JsonList, UUIDv7AuditBase, fk, optional_fk, utcnow


class ContentType(StrEnum):
    post = "post"
    event = "event"


class ModerationStatus(StrEnum):
    """Whether a post, event or story shows: a moderator hides it (domain/reports/services.py), and every list and
    read leaves it out but for its company and admins."""

    visible = "visible"
    hidden = "hidden"


def moderation_status() -> Mapped[str]:
    return mapped_column(String(8), default=ModerationStatus.visible, server_default=ModerationStatus.visible.value)


class Content(UUIDv7AuditBase):
    __tablename__ = "content"
    __table_args__ = (
        CheckConstraint("type IN ('post', 'event')", name="type"),
        CheckConstraint("type = 'post' OR event_date IS NOT NULL", name="event_date"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity"),
        CheckConstraint("moderation_status IN ('visible', 'hidden')", name="moderation_status"),
        # The unified feed: newest first, id as tiebreak.
        Index("ix_content_feed", "created_at", "id"),
        # A community's posts, and the followed-communities feeds.
        Index("ix_content_community", "community_id", "type", "created_at", "id"),
        # Upcoming events.
        Index("ix_content_events", "type", "event_date", "id"),
    )

    community_id: Mapped[UUID] = fk("community.id", "CASCADE")
    type: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JsonList, default=list)
    cost: Mapped[int | None]
    participant_payout: Mapped[int | None]
    # Event-only columns.
    event_date: Mapped[datetime | None]
    city: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    registration: Mapped[str | None] = mapped_column(String(500))
    format: Mapped[str | None] = mapped_column(String(100))
    capacity: Mapped[int | None]  # places for participants; NULL: unlimited
    media_id: Mapped[UUID | None] = optional_fk("media.id")
    moderation_status: Mapped[str] = moderation_status()


class ContentMedia(DefaultBase):
    __tablename__ = "content_media"
    __table_args__ = (Index("ix_content_media_order", "content_id", "position"),)

    content_id: Mapped[UUID] = fk("content.id", "CASCADE", primary_key=True)
    media_id: Mapped[UUID] = fk("media.id", "CASCADE", primary_key=True, index=True)
    position: Mapped[int]


class ContentSkill(DefaultBase):
    __tablename__ = "content_skill"
    __table_args__ = (Index("ix_content_skill_order", "content_id", "position"),)

    content_id: Mapped[UUID] = fk("content.id", "CASCADE", primary_key=True)
    skill_id: Mapped[UUID] = fk("skill.id", "CASCADE", primary_key=True, index=True)
    position: Mapped[int]


class ParticipationStatus(StrEnum):
    going = "going"
    waitlisted = "waitlisted"


class EventParticipant(DefaultBase):
    """A user's place at an event: going, or on its waitlist (in `queue_position` order) while it is full."""

    __tablename__ = "event_participant"
    __table_args__ = (
        CheckConstraint("status IN ('going', 'waitlisted')", name="status"),
        # Counts per status, and the latest joiners (demoted when the capacity is lowered).
        Index("ix_event_participant_status", "content_id", "status", "joined_at", "user_id"),
        # The organiser's list: going in join order, then the waitlist in line (first in line: the next promoted).
        Index("ix_event_participant_order", "content_id", "status", "queue_position", "joined_at", "user_id"),
    )

    user_id: Mapped[UUID] = fk("user_account.id", "CASCADE", primary_key=True)
    content_id: Mapped[UUID] = fk("content.id", "CASCADE", primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=ParticipationStatus.going)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    queue_position: Mapped[int | None] = mapped_column(BigInteger)  # set while waitlisted
    checked_in_at: Mapped[datetime | None]


class Story(UUIDv7AuditBase):
    __tablename__ = "story"
    __table_args__ = (
        Index("ix_story_company", "company_id", "created_at", "id"),
        CheckConstraint("moderation_status IN ('visible', 'hidden')", name="moderation_status"),
    )

    company_id: Mapped[UUID] = fk("company.id", "CASCADE")
    title: Mapped[str] = mapped_column(String(300))
    media_id: Mapped[UUID | None] = optional_fk("media.id")
    expires_at: Mapped[datetime] = mapped_column(index=True)
    moderation_status: Mapped[str] = moderation_status()
