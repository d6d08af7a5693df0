"""Our commands on the Litestar CLI: `seed reference` and `admin create`."""

from __future__ import annotations

import asyncio
from typing import Any

import click
from litestar import Litestar
from litestar.cli._utils import LitestarGroup
from litestar.plugins import CLIPluginProtocol
from sqlalchemy import select

from workcommunities.db.models import Profile, Role, User
from workcommunities.domain.auth.schemas import EmailPasswordIn
from workcommunities.domain.reference.services import seed_reference
from workcommunities.lib.security import hash_password


@click.group(cls=LitestarGroup, name="seed")
def seed_group() -> None:
    """Load data into the database."""


@seed_group.command(name="reference")
def seed_reference_command(app: Litestar) -> None:
    """Spheres, skills and statuses; safe to run again (rows are matched by title)."""

    async def run() -> None:
        config = app.state.db_config
        async with config.get_session() as session:
            await seed_reference(session)
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

    async def run() -> bool:
        config = app.state.db_config
        async with config.get_session() as session:
            if await session.scalar(select(User.id).where(User.email == data.email)):
                return False
            user = User(role=Role.admin, email=data.email, password_hash=await hash_password(data.password))
            session.add(user)
            await session.flush()
            session.add(Profile(user_id=user.id))
            await session.commit()
        await config.get_engine().dispose()
        return True

    if not asyncio.run(run()):
        raise click.ClickException(f"{data.email} is already registered")
    click.echo(f"admin {data.email} created")


class CLIPlugin(CLIPluginProtocol):
    def on_cli_init(self, cli: Any) -> None:
        cli.add_command(seed_group)
        cli.add_command(admin_group)
