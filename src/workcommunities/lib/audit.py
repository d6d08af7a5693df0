"""The audit log, written in the same flush as the change it records: a change that is rolled back leaves no entry.

Every insert, update and delete of an audited model through the ORM (Advanced Alchemy's `create`, `update`,
`patch`, `delete`: how requests write these models' columns) is recorded by a `before_flush` listener, with the
changed fields before and after; actions that are not a row change (an account's erasure) are recorded with
`record`. The actor is the request's caller, which the guard (or a login, for what it writes) puts on the session
(`set_actor`); without one (the CLI) it is "system". Bulk loads that write rows directly (`seed demo` at benchmark
sizes, `import`) are not recorded row by row. The ordered link lists (a post's media and skills), which are replaced
with plain statements, are recorded where they are replaced (`Repository.replace_ordered`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

from advanced_alchemy.mixins.uuid import uuid7
from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_scoped_session
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import History

from workcommunities.db.models import AuditEntry, Case, Community, Company, Content, Story

ACTOR = "audit_actor"  # the session.info key of the caller: (user id, role)
SYSTEM = "system"
# The kind of target each audited model is, by its row (content is a post or an event).
AUDITED: dict[type[Any], Callable[[Any], str]] = {
    Community: lambda _: "community",
    Company: lambda _: "company",
    Content: lambda row: str(row.type),
    Case: lambda _: "case",
    Story: lambda _: "story",
}
_NOT_RECORDED = {"created_at", "updated_at", "sa_orm_sentinel"}
_SECRETS = {"code_hash", "password_hash", "calendar_token_hash"}
AnySession = Session | AsyncSession | async_scoped_session[AsyncSession]


def set_actor(session: AnySession, user_id: UUID, role: str) -> None:
    session.info[ACTOR] = (user_id, role)


def mask_phone(phone: str) -> str:
    """+79991234567 → +7*******567: enough to tell two numbers apart in a log, not to call one."""
    return phone[:2] + "*" * max(len(phone) - 5, 0) + phone[-3:] if len(phone) > 5 else "*" * len(phone)


def mask_email(email: str) -> str:
    """anna.petrova@example.org → a***@example.org: the log outlives an erased account, never its address."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _value(field: str, value: Any) -> Any:
    """A column value as JSON, secrets masked."""
    if value is None:
        return None
    if field in _SECRETS:
        return "***"
    if field == "phone":
        return mask_phone(str(value))
    if field == "email":
        return mask_email(str(value))
    if isinstance(value, UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _entry(session: AnySession, action: str, target_type: str, target_id: UUID | None, changes: dict[str, Any]) -> None:
    actor_id, role = session.info.get(ACTOR, (None, SYSTEM))
    session.add(
        AuditEntry(
            id=uuid7(),
            actor_id=actor_id,
            actor_role=role,
            action=f"{target_type}.{action}",
            target_type=target_type,
            target_id=target_id,
            changes=changes,
        )
    )


def record(session: AnySession, action: str, target_type: str, target_id: UUID | None, changes: dict[str, Any]) -> None:
    """An action that is no row change of an audited model; `changes`: field → [before, after] (masked here)."""
    masked = {field: [_value(field, before), _value(field, after)] for field, (before, after) in changes.items()}
    _entry(session, action, target_type, target_id, masked)


def _columns(row: Any) -> Iterable[str]:
    return (column.key for column in inspect(type(row)).column_attrs if column.key not in _NOT_RECORDED)


def _changes(row: Any) -> dict[str, list[Any]]:
    state = inspect(row)
    changes = {}
    for field in _columns(row):
        history: History = state.attrs[field].history
        if history.has_changes():
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before != after:
                changes[field] = [_value(field, before), _value(field, after)]
    return changes


def _verb(changes: dict[str, list[Any]]) -> str:
    """An update that deletes an account (a company's: its row stays), archives, un-archives, hides, unhides, binds
    or unbinds a phone says so."""
    if "deleted_at" in changes:
        return "delete"
    if "moderation_status" in changes:
        return "hide" if changes["moderation_status"][1] == "hidden" else "unhide"
    if "is_archived" in changes:
        return "archive" if changes["is_archived"][1] else "unarchive"
    if "phone" in changes:
        return "bind_phone" if changes["phone"][1] is not None else "unbind_phone"
    return "update"


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for row in list(session.new):
        if (kind := AUDITED.get(type(row))) is not None:
            if row.id is None:  # the id is otherwise drawn during the flush, after this
                row.id = uuid7()
            loaded = inspect(row).dict  # never a load: this runs inside the flush
            values = {field: [None, _value(field, loaded.get(field))] for field in _columns(row)}
            _entry(session, "create", kind(row), row.id, {k: v for k, v in values.items() if v[1] is not None})
    for row in list(session.dirty):
        if (kind := AUDITED.get(type(row))) is not None and (changes := _changes(row)):
            _entry(session, _verb(changes), kind(row), row.id, changes)
    for row in list(session.deleted):
        if (kind := AUDITED.get(type(row))) is not None:
            loaded = inspect(row).dict
            values = {field: [_value(field, loaded.get(field)), None] for field in _columns(row)}
            _entry(session, "delete", kind(row), row.id, {k: v for k, v in values.items() if v[0] is not None})


def listen() -> None:
    """Record every session's changes of audited models (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
