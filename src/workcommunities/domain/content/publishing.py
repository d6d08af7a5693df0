"""Rules shared by posts and events (one `content` table): where a company may publish, which content it owns, and
how a body becomes columns and ordered link lists. `ContentService` and `EventService` are both a PublishingService.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar
from uuid import UUID

from workcommunities.db.models import Content, ContentType
from workcommunities.domain.communities.services import CommunityService
from workcommunities.domain.content.repositories import ContentRepository
from workcommunities.domain.media.repositories import MediaRepository
from workcommunities.domain.reference.repositories import SkillRepository
from workcommunities.lib.errors import Forbidden, NotFound
from workcommunities.lib.repository import Service, Uses
from workcommunities.lib.schema import Struct, dedupe, parse_id, present

ContentRepositoryT = TypeVar("ContentRepositoryT", bound=ContentRepository)


class PublishingService(Service[Content, ContentRepositoryT], Generic[ContentRepositoryT]):
    media = Uses(MediaRepository)
    communities = Uses(CommunityService)
    skills = Uses(SkillRepository)

    async def columns(self, values: dict[str, Any]) -> dict[str, Any]:
        """A body's present fields as columns: tags trimmed and deduplicated (null is []), an event's single legacy
        media must exist (null or "" clears it)."""
        if "tags" in values:
            values["tags"] = dedupe(values["tags"])
        await self.media.resolve(values, "media_id")
        return values

    async def _links(self, values: dict[str, Any]) -> dict[str, list[UUID] | None]:
        """The ordered link lists a body replaces (null empties them; absent leaves them), every id checked."""
        links: dict[str, list[UUID] | None] = {"media_ids": None, "skill_ids": None}
        if "media_uids" in values:
            links["media_ids"] = await self.media.existing_ids(values["media_uids"] or [], "media_uids")
        if "skill_ids" in values:
            links["skill_ids"] = await self.skills.existing_ids(values["skill_ids"] or [], "skill_ids")
        return links

    async def _community(self, company_id: UUID, value: str) -> UUID:
        """A community id of a body: one the caller's company may publish into (404 / 403 / 409)."""
        return await self.communities.writable(company_id, parse_id(value.strip()))

    async def owned(self, company_id: UUID, kind: ContentType, content_id: UUID) -> Content:
        """The company's post or event: 404 unknown or of the other kind, 403 another company's."""
        if (found := await self.repository.locked(content_id, kind)) is None:
            raise NotFound()
        content, owner = found
        if owner != company_id:
            raise Forbidden()
        return content

    async def publish(self, company_id: UUID, kind: ContentType, body: Struct) -> UUID:
        """A new post or event in one of the company's communities; its id. Checked in the order of the body's
        references: the community, the columns (the hook), then the link lists."""
        values = present(body)
        community_id = await self._community(company_id, values["community_id"])
        content = await self.create({**values, "community_id": community_id, "type": kind})
        await self.repository.replace_links(content.id, kind, **await self._links(values))
        return content.id

    async def revise(self, company_id: UUID, kind: ContentType, content_id: UUID, body: Struct) -> None:
        """Apply a PATCH to the company's post or event. An archived community's content is read-only."""
        content = await self.owned(company_id, kind, content_id)
        await self.communities.writable(company_id, content.community_id)
        values = present(body)
        if "community_id" in values:  # an event may move to another of the company's communities
            values["community_id"] = await self._community(company_id, values["community_id"])
        await self.patch(content_id, values)
        await self.repository.replace_links(content_id, kind, **await self._links(values))

    async def remove(self, company_id: UUID, kind: ContentType, content_id: UUID) -> None:
        """Deleting stays possible in an archived community (the owner may clean up); links go by ON DELETE CASCADE.
        Through the ORM, so the audit log records it (lib/audit.py)."""
        await self.owned(company_id, kind, content_id)
        await self.delete(content_id)
