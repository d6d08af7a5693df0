"""Providers of the users slice."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.users.services import UserService


def provide_user_service(db_session: NamedDependency[AsyncSession]) -> UserService:
    return UserService(db_session)


user_service = Provide(provide_user_service, sync_to_thread=False)
