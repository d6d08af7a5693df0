"""Our commands on the Litestar CLI: `seed reference` and `admin create`."""

from __future__ import annotations

import asyncio
from typing import Any

import click
from advanced_alchemy.exceptions import RepositoryError
from litestar import Litestar
from litestar.cli._utils import LitestarGroup
from litestar.plugins import CLIPluginProtocol

from workcommunities.domain.auth.schemas import EmailPasswordIn
from workcommunities.domain.auth.services import AuthService
from workcommunities.domain.reference.services import ReferenceService
from workcommunities.lib.errors import DomainError


@click.group(cls=LitestarGroup, name="seed")
def seed_group() -> None:
    """Load data into the database."""


@seed_group.command(name="reference")
def seed_reference_command(app: Litestar) -> None:
    """Spheres, skills and statuses; safe to run again (rows are matched by title)."""

    async def run() -> None:
        config = app.state.db_config
        async with config.get_session() as session:
            await ReferenceService(session).seed()
            await session.commit()
        await config.get_engine().dispose()

    asyncio.run(run())
    click.echo("reference data is in place")


@click.group(cls=LitestarGroup, name="admin")
def admin_group() -> None:
    """Manage admin accounts."""


@admin_group.command(name="create")
@click.option("--email", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin_command(app: Litestar, email: str, password: str) -> None:
    """Create an admin who logs in with POST /auth/admin/login."""
    try:
        data = EmailPasswordIn(email=email, password=password)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc

    async def run() -> None:
        config = app.state.db_config
        try:
            async with config.get_session() as session:
                await AuthService(session, app.state.settings, app.state.sms_sender).create_admin(data)
                await session.commit()
        finally:
            await config.get_engine().dispose()

    try:
        asyncio.run(run())
    except (DomainError, RepositoryError) as exc:  # "Email already registered", or lost a race for it
        raise click.ClickException(f"{data.email}: {exc.detail}") from exc
    click.echo(f"admin {data.email} created")


class CLIPlugin(CLIPluginProtocol):
    def on_cli_init(self, cli: Any) -> None:
        cli.add_command(seed_group)
        cli.add_command(admin_group)
