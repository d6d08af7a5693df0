"""All ORM models; importing this package registers every table on `metadata` (Alembic's import point), and the
search indexes beside them (`search.py`: DDL only, not mapped)."""

from workcommunities.db.models._base import metadata
from workcommunities.db.models.audit import AuditEntry
from workcommunities.db.models.auth import OtpCode
from workcommunities.db.models.communities import Case, Community, Membership
from workcommunities.db.models.companies import Company, CompanyFollow, CompanyMedia, CompanySkill
from workcommunities.db.models.content import (
    Content,
    ContentMedia,
    ContentSkill,
    ContentType,
    EventParticipant,
    ModerationStatus,
    ParticipationStatus,
    Story,
)
from workcommunities.db.models.media import Media
from workcommunities.db.models.reference import Skill, Sphere, Status
from workcommunities.db.models.reports import ModerationCase, Report
from workcommunities.db.models.search import is_search_object
from workcommunities.db.models.users import Profile, ProfileSkill, ProfileStatus, Role, User

__all__ = (
    "AuditEntry",
    "Case",
    "Community",
    "Company",
    "CompanyFollow",
    "CompanyMedia",
    "CompanySkill",
    "Content",
    "ContentMedia",
    "ContentSkill",
    "ContentType",
    "EventParticipant",
    "Media",
    "Membership",
    "ModerationCase",
    "ModerationStatus",
    "OtpCode",
    "ParticipationStatus",
    "Profile",
    "ProfileSkill",
    "ProfileStatus",
    "Report",
    "Role",
    "Skill",
    "Sphere",
    "Status",
    "Story",
    "User",
    "is_search_object",
    "metadata",
)
