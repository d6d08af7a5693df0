"""`workcommunities import-seed`: bring the old service's database and media files across, keeping every id.

The old database (schema in `../shared/reference/seed-schema.sql`) is only read, in read-only transactions. Rows are
written through our models with our rules, table by table, in the order their references need:

- reference rows are matched to ours by title (a missing one is added with its old id), and every old skill and
  status id is translated to ours;
- ids are kept (they are 32 hex characters in both), so links, bookmarks and tokens the old service signed with the
  same JWT_SECRET stay valid; password hashes are bcrypt in both;
- naive timestamps are read as UTC; comma-joined tags become trimmed lists without repeats; a company's skill-id tags
  become its ordered skill list; follows and memberships merge into the one membership relation; content rows keep
  their media in order, their skills and an event's single legacy media; stories keep their media (and expire
  STORY_TTL_HOURS after they were made); login codes are not imported; profile `city` and `interests` have no place
  here and are left behind;
- media files (`<id>.<ext>` or `<id>` in the old media folder) are copied into the configured storage and checked
  against the recorded size.

A row that cannot be imported (an id that is not 32 hex characters, a reference to a row that is not there, a
duplicate the old service allowed, a text longer than our column, a media row whose file is missing or of another
size) is skipped and reported with its id and the reason; a reference that only decorates a row (a logo, an avatar,
a company's unknown skill tag, a password hash that is not bcrypt) is dropped from it and reported the same way.
Rows already here (a second run) are counted, not written again, and rows that were not written the first time are
not completed later: run it once, with the media folder. A dry run counts what it would import and writes nothing,
neither to the database nor to the storage.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from workcommunities.domain.media.storage import MediaStorage
from workcommunities.importer.base import ImportFailure, Progress, Report, old_database
from workcommunities.importer.tables import Importer
from workcommunities.lib.repository import Session

__all__ = ("ImportFailure", "Report", "import_seed", "old_database")


async def import_seed(
    source: str,
    session: Session,
    storage: MediaStorage,
    media_dir: Path | None,
    story_ttl_hours: int,
    dry_run: bool,
    progress: Progress,
) -> Report:
    """Read the old database at `source` (read-only transactions) and write what it holds here."""
    url, arguments = old_database(source)
    engine = create_async_engine(url, connect_args=arguments)
    try:
        try:
            old = await engine.connect()
        except (OSError, DBAPIError) as exc:
            raise ImportFailure(f"cannot open the old database: {exc}") from exc
        try:
            ttl = timedelta(hours=story_ttl_hours)
            return await Importer(old, session, storage, media_dir, ttl, dry_run, progress).run()
        finally:
            await old.close()
    finally:
        await engine.dispose()
