"""Providers of the auth slice."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from litestar.types import Scope
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.auth.services import AuthService
from workcommunities.lib.dependencies import app_state


def provide_auth_service(db_session: NamedDependency[AsyncSession], scope: Scope) -> AuthService:
    state = app_state(scope)
    return AuthService(db_session, state.settings, state.sms_sender, state.login_throttle)


auth_service = Provide(provide_auth_service, sync_to_thread=False)
