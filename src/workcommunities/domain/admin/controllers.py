"""`/admin`: companies and communities administration (their rules are the companies and communities services), the
moderation queue (reports/services.py) and the audit log."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.types import Scope

from workcommunities.domain.admin.deps import audit_service
from workcommunities.domain.admin.schemas import AuditEntryOut
from workcommunities.domain.admin.services import AuditService
from workcommunities.domain.auth.guards import require_admin
from workcommunities.domain.communities.deps import community_service
from workcommunities.domain.communities.schemas import CommunityCreateIn, CommunityOut, CommunityUpdateIn
from workcommunities.domain.communities.services import CommunityService
from workcommunities.domain.companies.deps import company_service
from workcommunities.domain.companies.schemas import AdminCompanyUpdateIn, CompanyCreateIn, CompanyOut
from workcommunities.domain.companies.services import CompanyService
from workcommunities.domain.reports.deps import moderation_service
from workcommunities.domain.reports.schemas import ModeratedOut, ModerationCaseOut, ResolveIn
from workcommunities.domain.reports.services import ModerationService
from workcommunities.domain.users.deps import user_service
from workcommunities.domain.users.services import UserService
from workcommunities.lib.dependencies import app_state
from workcommunities.lib.errors import documented
from workcommunities.lib.pagination import NEXT_CURSOR_HEADERS, Page, keyset_page, page_provider
from workcommunities.lib.schema import Moment, StatusOk
from workcommunities.lib.security import Principal


class AdminCompanyController(Controller):
    path = "/admin"
    tags = ["admin"]
    guards = [require_admin]
    dependencies = {"companies": company_service}

    @post(
        "/companies",
        status_code=200,
        responses=documented(400, 401, 403),
        summary="Create a company (no owner until a phone is bound and logs in)",
    )
    async def create_company(
        self, data: JSONBody[CompanyCreateIn], companies: NamedDependency[CompanyService]
    ) -> CompanyOut:
        return await companies.create_company(data)

    @patch(
        "/companies/{company_id:uuid}",
        responses=documented(400, 401, 403, 404, 409),
        summary="Update any company, including the phone its OTP login binds to",
    )
    async def update_company(
        self,
        company_id: FromPath[UUID],
        data: JSONBody[AdminCompanyUpdateIn],
        companies: NamedDependency[CompanyService],
    ) -> CompanyOut:
        return await companies.update_company(company_id, data)

    @delete(
        "/companies/{company_id:uuid}",
        status_code=200,
        dependencies={"accounts": user_service},
        responses=documented(401, 403, 404, validation=False),
        summary="Delete a company's account: its communities are archived, its owner's account erased",
    )
    async def delete_company(
        self,
        company_id: FromPath[UUID],
        companies: NamedDependency[CompanyService],
        accounts: NamedDependency[UserService],
        scope: Scope,
    ) -> StatusOk:
        state = app_state(scope)
        await companies.delete_company(company_id, accounts, state.media_storage, state.recent_callers)
        return StatusOk()


class AdminCommunityController(Controller):
    path = "/admin/communities"
    tags = ["admin"]
    guards = [require_admin]
    dependencies = {"communities": community_service}

    @post(
        "/",
        status_code=200,
        responses=documented(400, 401, 403, 404),
        summary="Create a community for any company, or for none",
    )
    async def create(
        self, data: JSONBody[CommunityCreateIn], communities: NamedDependency[CommunityService]
    ) -> CommunityOut:
        return await communities.create_as_admin(data)

    @patch(
        "/{community_id:uuid}",
        responses=documented(400, 401, 403, 404),
        summary="Edit or archive any community (only the given fields)",
    )
    async def update(
        self,
        community_id: FromPath[UUID],
        data: JSONBody[CommunityUpdateIn],
        communities: NamedDependency[CommunityService],
    ) -> CommunityOut:
        return await communities.update_any(community_id, data)


CaseStatus = Literal["open", "resolved"]


class AdminModerationController(Controller):
    path = "/admin"
    tags = ["admin"]
    guards = [require_admin]
    dependencies = {"moderation": moderation_service, "page": page_provider(20)}

    @get(
        "/reports",
        responses=documented(401, 403),
        summary="The moderation queue: the reports grouped by target, open ones the most reported first, resolved "
        "ones the latest decision first",
    )
    async def queue(
        self,
        moderation: NamedDependency[ModerationService],
        page: NamedDependency[Page],
        status: Annotated[
            Literal["open", "resolved"], QueryParameter(description="open (default) or resolved")
        ] = "open",
    ) -> list[ModerationCaseOut]:
        return await moderation.queue(status, page)

    @post(
        "/reports/{case_id:uuid}/resolve",
        status_code=200,
        responses=documented(400, 401, 403, 404, 409),
        summary="Resolve every open report of a target: dismiss, hide the post, event or story, or archive the "
        "community",
    )
    async def resolve(
        self,
        case_id: FromPath[UUID],
        data: JSONBody[ResolveIn],
        caller: NamedDependency[Principal],
        moderation: NamedDependency[ModerationService],
    ) -> ModerationCaseOut:
        return await moderation.resolve(caller, case_id, data)

    @post(
        "/content/{item_id:uuid}/unhide",
        status_code=200,
        responses=documented(401, 403, 404, validation=False),
        summary="Show a hidden post, event or story again",
    )
    async def unhide(self, item_id: FromPath[UUID], moderation: NamedDependency[ModerationService]) -> ModeratedOut:
        return await moderation.unhide(item_id)


class AdminAuditController(Controller):
    path = "/admin/audit"
    tags = ["admin"]
    guards = [require_admin]
    dependencies = {"audit": audit_service, **keyset_page(50)}

    @get(
        "/",
        response_headers=NEXT_CURSOR_HEADERS,
        responses=documented(400, 401, 403),
        summary="The audit log, newest first: admin actions and changes of communities, content, cases and companies",
    )
    async def entries(
        self,
        audit: NamedDependency[AuditService],
        page: NamedDependency[Page],
        actor: Annotated[UUID | None, QueryParameter(description="Only what this user did")] = None,
        target: Annotated[UUID | None, QueryParameter(description="Only what was done to this id")] = None,
        action: Annotated[
            str | None, QueryParameter(max_length=64, description="Only this action, e.g. `community.archive`")
        ] = None,
        since: Annotated[Moment | None, QueryParameter(description="From this time on (RFC 3339)")] = None,
        until: Annotated[Moment | None, QueryParameter(description="Before this time (RFC 3339)")] = None,
    ) -> Response[list[AuditEntryOut]]:
        return (
            await audit.entries(page, actor=actor, target=target, action=action, since=since, until=until)
        ).response()
