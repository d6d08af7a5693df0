"""Our commands on the Litestar CLI: `seed reference`, `seed demo`, `import-seed`, `admin create` and `smoke`."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import httpx
from advanced_alchemy.exceptions import RepositoryError
from litestar import Litestar
from litestar.cli._utils import LitestarGroup
from litestar.plugins import CLIPluginProtocol
from sqlalchemy.exc import ArgumentError

from workcommunities.demo import BENCH_SIZE, DemoSize, erase, seed_demo
from workcommunities.domain.auth.schemas import EmailPasswordIn
from workcommunities.domain.auth.services import AuthService
from workcommunities.domain.reference.services import ReferenceService
from workcommunities.importer import ImportFailure, Report, import_seed, old_database
from workcommunities.lib.errors import DomainError
from workcommunities.settings import Settings
from workcommunities.smoke import Smoke, SmokeFailure


def _progress(label: str, total: int) -> Any:
    """A progress bar on a terminal; elsewhere click prints the label as a plain line."""
    return click.progressbar(length=total, label=f"{label:18}", show_pos=True)


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


def _size_option(name: str, low: int) -> Any:
    default = getattr(DemoSize, name)
    return click.option(f"--{name}", type=click.IntRange(low), default=None, help=f"[default: {default}]")


@seed_group.command(name="demo")
@click.option("--reset", is_flag=True, help="First erase everything but the reference data.")
@click.option(
    "--scale",
    type=click.FloatRange(0, min_open=True),
    default=None,
    help=f"The benchmark's dataset ({BENCH_SIZE.companies} companies, {BENCH_SIZE.communities} communities, "
    f"{BENCH_SIZE.posts} posts, {BENCH_SIZE.events} events, {BENCH_SIZE.students} students) times this, its posts "
    "and events written in batches; the options below override single sizes.",
)
@_size_option("companies", 1)
@_size_option("communities", 1)
@_size_option("posts", 0)
@_size_option("events", 1)
@_size_option("students", 0)
def seed_demo_command(app: Litestar, reset: bool, scale: float | None, **sizes: int | None) -> None:
    """A browsable product in an empty database (ENV=dev only: a database with users, companies or media is left
    alone)."""
    settings: Settings = app.state.settings
    if not settings.is_dev:  # its accounts log in with known phone numbers, and --reset erases the database
        raise click.ClickException("seed demo runs with ENV=dev only")
    base = DemoSize() if scale is None else DemoSize.scaled(scale)
    size = dataclasses.replace(base, **{name: value for name, value in sizes.items() if value is not None})

    async def run() -> bool:
        config = app.state.db_config
        try:
            async with config.get_session() as session:
                if reset:
                    await erase(session, app.state.media_storage)
                storage = app.state.media_storage
                return await seed_demo(session, settings, storage, size, _progress, bulk=scale is not None)
        finally:
            await config.get_engine().dispose()

    if asyncio.run(run()):
        click.echo("demo data is in place")
    else:
        click.echo("the database already has users, companies or media: demo data not loaded (see --reset)")


@click.command(name="import-seed")
@click.option(
    "--from", "source", required=True, metavar="URL", help="The old service's PostgreSQL database (only read)"
)
@click.option("--media-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Its media folder")
@click.option("--dry-run", is_flag=True, help="Count what would be imported and change nothing")
def import_seed_command(app: Litestar, source: str, media_dir: Path | None, dry_run: bool) -> None:
    """Bring the old service's data and media files across (into DATABASE_URL and the media storage), keeping ids;
    rows that cannot come are listed with the reason. Safe to run again."""
    settings: Settings = app.state.settings
    try:
        old_database(source)
    except (ValueError, ArgumentError) as exc:
        raise click.BadParameter(str(exc), param_hint="--from") from exc
    if media_dir is None:
        click.echo("no --media-dir: every media row is skipped, and a later run cannot bring them in", err=True)

    async def run() -> Report:
        config = app.state.db_config
        try:
            async with config.get_session() as session:
                storage, ttl = app.state.media_storage, settings.story_ttl_hours
                return await import_seed(source, session, storage, media_dir, ttl, dry_run, _progress)
        finally:
            await config.get_engine().dispose()

    try:
        lines = asyncio.run(run()).lines(dry_run)
    except ImportFailure as exc:
        raise click.ClickException(str(exc)) from exc
    path = Path(settings.data_dir) / f"import-report-{datetime.now(UTC):%Y%m%dT%H%M%S}Z.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    click.echo("\n".join(lines))
    click.echo(f"report written to {path}")


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
                await AuthService(
                    session, app.state.settings, app.state.sms_sender, app.state.login_throttle
                ).create_admin(data)
                await session.commit()
        finally:
            await config.get_engine().dispose()

    try:
        asyncio.run(run())
    except (DomainError, RepositoryError) as exc:  # "Email already registered", or lost a race for it
        raise click.ClickException(f"{data.email}: {exc.detail}") from exc
    click.echo(f"admin {data.email} created")


@click.command(name="smoke")
@click.option("--base-url", required=True, help="Where the server answers, e.g. http://localhost:8000")
@click.option("--student-phone", default="", help="A student's phone, logged in with --student-code")
@click.option("--student-code", default=Smoke.student_code, show_default=True, help="The dev login code")
@click.option("--student-token", default="", envvar="SMOKE_STUDENT_TOKEN", help="A student token (production)")
@click.option("--company-email", default="", help="A company account to reuse (default: a new one each run)")
@click.option("--company-password", default="", envvar="SMOKE_COMPANY_PASSWORD")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request")
def smoke_command(base_url: str, timeout: float, **logins: str) -> None:
    """Walk a student and a company through the main flows of a running server; exit 1 at the first broken step."""
    if not (logins["student_phone"] or logins["student_token"]):
        raise click.UsageError("give --student-phone (dev) or --student-token (SMOKE_STUDENT_TOKEN)")
    if bool(logins["company_email"]) != bool(logins["company_password"]):
        raise click.UsageError("give --company-email and --company-password together")
    with httpx.Client(base_url=base_url, timeout=timeout) as client:
        try:
            Smoke(client, click.echo, **logins).run()
        except SmokeFailure as exc:
            raise click.ClickException(f"FAILED {exc}") from exc
    click.echo("smoke check passed")


class CLIPlugin(CLIPluginProtocol):
    def on_cli_init(self, cli: Any) -> None:
        cli.add_command(seed_group)
        cli.add_command(admin_group)
        cli.add_command(import_seed_command)
        cli.add_command(smoke_command)
