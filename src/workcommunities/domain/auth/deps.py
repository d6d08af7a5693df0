"""Providers of the auth slice."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.auth.services import AuthService


def provide_auth_service(db_session: NamedDependency[AsyncSession], state: State) -> AuthService:
    return AuthService(db_session, state.settings, state.sms_sender, state.login_throttle)


auth_service = Provide(provide_auth_service, sync_to_thread=False)
