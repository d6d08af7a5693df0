"""Shapes of the admin slice's own reads: the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workcommunities.lib.schema import Out


class AuditEntryOut(Out):
    id: str
    at: datetime
    actor_id: str  # "" for the system (the CLI, imports)
    actor_role: str  # student, company, admin or system
    action: str  # "<target type>.<verb>": community.archive, post.delete, report.resolve, user.erase, …
    target_type: str
    target_id: str
    changes: dict[str, Any]  # field → [before, after]; phones and secrets masked
