"""The first steps of `import-seed`: the reference rows (matched to ours by title) and the media files."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from uuid import UUID

import anyio
from sqlalchemy import select

from workcommunities.db.models import Media, Skill, Sphere, Status
from workcommunities.domain.media.filetypes import SNIFF_BYTES, UnsupportedMediaType, detect_type
from workcommunities.domain.media.storage import single_chunk
from workcommunities.importer.base import Steps, utc

SAFE_EXT = re.compile(r"^[a-z0-9]{1,16}$")


class ReferenceSteps(Steps):
    # --- reference data -------------------------------------------------------------------------------------------

    async def reference(self) -> None:
        """Old reference rows match ours by title; a missing one is added with its old id."""
        spheres = {sphere.title: sphere.id for sphere in await self.session.scalars(select(Sphere))}
        sphere_of: dict[str, UUID] = {}
        new_spheres: list[dict[str, object]] = []
        for row in await self.rows("SELECT id, title, background_color, text_color FROM spheres ORDER BY title, id"):
            if row.title in spheres:
                sphere_of[row.id] = spheres[row.title]
                self.report.present["spheres"] += 1
            elif (sphere_id := self.id_of("spheres", row)) is not None:
                sphere_of[row.id] = spheres[row.title] = sphere_id
                values = {
                    "id": sphere_id,
                    "title": row.title,
                    "background_color": row.background_color,
                    "text_color": row.text_color,
                    "position": len(spheres),
                }
                self.keep("spheres", Sphere, row, sphere_id, values, new_spheres)
        await self.write("spheres", Sphere, new_spheres)

        skills = {(skill.sphere_id, skill.title): skill.id for skill in await self.session.scalars(select(Skill))}
        new_skills: list[dict[str, object]] = []
        for row in await self.rows("SELECT id, title, sphere_id FROM skills ORDER BY title, id"):
            if (sphere_id := sphere_of.get(row.sphere_id)) is None:
                self.report.skip("skills", row.id, f"sphere_id {row.sphere_id} names no imported spheres row")
            elif (sphere_id, row.title) in skills:
                self.skill_ids[row.id] = skills[sphere_id, row.title]
                self.report.present["skills"] += 1
            elif (skill_id := self.id_of("skills", row)) is not None:
                self.skill_ids[row.id] = skills[sphere_id, row.title] = skill_id
                values = {"id": skill_id, "title": row.title, "sphere_id": sphere_id, "position": 99}
                self.keep("skills", Skill, row, skill_id, values, new_skills)
        await self.write("skills", Skill, new_skills)

        statuses = {status.title: status.id for status in await self.session.scalars(select(Status))}
        new_statuses: list[dict[str, object]] = []
        for row in await self.rows("SELECT id, title FROM statuses ORDER BY title, id"):
            if row.title in statuses:
                self.status_ids[row.id] = statuses[row.title]
                self.report.present["statuses"] += 1
            elif (status_id := self.id_of("statuses", row)) is not None:
                self.status_ids[row.id] = statuses[row.title] = status_id
                values = {"id": status_id, "title": row.title, "position": len(statuses)}
                self.keep("statuses", Status, row, status_id, values, new_statuses)
        await self.write("statuses", Status, new_statuses)

    # --- media ------------------------------------------------------------------------------------------------------

    def source_file(self, media_id: UUID, ext: str) -> Path | None:
        """The old service kept a file as `<id>.<ext>`, or `<id>` when it had no extension."""
        if self.media_dir is None:
            return None
        for name in (f"{media_id.hex}.{ext}" if ext else None, media_id.hex):
            if name and (self.media_dir / name).is_file():
                return self.media_dir / name
        return None

    async def media(self) -> None:
        """Each file is checked against its row's size and typed from its bytes, as an upload would be; a file of a
        type uploads do not take is kept as a download (`other`, served as an attachment)."""
        present = await self.existing(Media.id)
        rows = await self.rows("SELECT id, kind, mime, ext, size, url, created_at FROM media ORDER BY created_at, id")
        new: list[dict[str, object]] = []
        with self.progress("media files", len(rows)) as bar:
            for row in rows:
                bar.update(1)
                if (media_id := self.id_of("media", row)) is None or not self.fresh("media", media_id, present):
                    continue
                old_ext = (row.ext or "").lower()
                if (path := self.source_file(media_id, old_ext)) is None:
                    self.forget("media", row, media_id, "its file is missing from the media folder")
                    continue
                content = await anyio.Path(path).read_bytes()
                if len(content) != row.size:
                    self.forget("media", row, media_id, f"its file has {len(content)} bytes, the row says {row.size}")
                    continue
                try:
                    file_type = detect_type(content[:SNIFF_BYTES])
                    kind, mime, ext = file_type.kind, file_type.mime, file_type.ext
                except UnsupportedMediaType:
                    kind, mime, ext = "other", "application/octet-stream", old_ext if SAFE_EXT.match(old_ext) else ""
                key = f"{media_id.hex}.{ext}" if ext else media_id.hex
                if not self.dry_run:
                    await self.storage.put(key, single_chunk(content), content_type=mime)
                made = utc(row.created_at)
                new.append(
                    {
                        "id": media_id,
                        "kind": kind,
                        "mime": mime,
                        "ext": ext,
                        "size": row.size,
                        "storage_key": key,
                        "checksum": hashlib.sha256(content).hexdigest(),
                        "created_at": made,
                        "updated_at": made,
                    }
                )
        await self.write("media", Media, new)
