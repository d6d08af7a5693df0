"""Demo data: a small living product for `make run`, and larger deterministic datasets for the benchmark.

`workcommunities seed demo` writes everything through the services, so every rule applies: companies with logos,
galleries and skills; communities with logos and tags; posts and events each with at least one image (the shipped
app's home screen reads `media[0]` of every feed item); cases; live stories; students with names, skills, statuses
and avatars; memberships, company follows and event sign-ups. Images are PNGs drawn here (no network); texts mix
Russian and English like the real data. The same sizes always give the same dataset.

`--scale N` loads the benchmark's dataset (`BENCH_SIZE` times N, bench/). Its posts and events are built from the same
request bodies but written in batches of rows (`bulk`): through the services each one costs a dozen statements, which
at 100 000 posts is half an hour; every id they reference was created by this run, so the rules hold by construction.

Demo logins (dev code 11111): students `+79900000001` …, companies `+79910000001` … (a company's first OTP login
with its phone owns it).
"""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import insert, select
from uuid_utils.compat import uuid7

from workcommunities.db.models import (
    AuditEntry,
    Company,
    Content,
    ContentMedia,
    ContentSkill,
    ContentType,
    Media,
    Role,
    Skill,
    Status,
    User,
    metadata,
)
from workcommunities.domain.communities.schemas import CaseCreateIn, CommunityCreateIn
from workcommunities.domain.communities.services import CommunityService
from workcommunities.domain.companies.schemas import AdminCompanyUpdateIn, CompanyCreateIn
from workcommunities.domain.companies.services import CompanyService
from workcommunities.domain.content.schemas import PostCreateIn, StoryCreateIn
from workcommunities.domain.content.services import ContentService, StoryService
from workcommunities.domain.events.schemas import EventCreateIn
from workcommunities.domain.events.services import EventService
from workcommunities.domain.media.services import MediaService
from workcommunities.domain.media.storage import MediaStorage
from workcommunities.domain.profiles.schemas import ProfileUpdateIn
from workcommunities.domain.profiles.services import ProfileService
from workcommunities.domain.reference.services import ReferenceService
from workcommunities.domain.users.services import UserService
from workcommunities.lib.repository import Session
from workcommunities.lib.schema import Moment, Tags, dedupe
from workcommunities.settings import Settings

# Media ids the shipped app loads by name on two screens (contract §3.1): the demo gives them pictures.
APP_MEDIA_IDS = (UUID("45389f36a4ad45568109de7f40701464"), UUID("759c01e031744dca9d6436a8d24accb8"))
STUDENT_PHONE = "+7990{:07d}"
COMPANY_PHONE = "+7991{:07d}"
IMAGE_POOL = 24  # distinct pictures; larger datasets reuse them
REFERENCE_TABLES = frozenset({"sphere", "skill", "status"})


@dataclass(frozen=True)
class DemoSize:
    companies: int = 6
    communities: int = 12
    posts: int = 120
    events: int = 36
    students: int = 30

    @classmethod
    def scaled(cls, scale: float) -> DemoSize:
        """The benchmark's dataset times `scale` (at least one company, community and event)."""
        return cls(
            companies=max(1, round(BENCH_SIZE.companies * scale)),
            communities=max(1, round(BENCH_SIZE.communities * scale)),
            posts=round(BENCH_SIZE.posts * scale),
            events=max(1, round(BENCH_SIZE.events * scale)),
            students=round(BENCH_SIZE.students * scale),
        )


# `seed demo --scale 1`: what the benchmark loads (bench/README.md).
BENCH_SIZE = DemoSize(companies=20, communities=100, posts=5000, events=1000, students=300)
BATCH = 1000  # rows per INSERT (bulk) and content items per commit
DEMO_CAPACITIES = (20, 50, None)  # a third of the events each (None: unlimited), drawn without the random source
CONTENT_DAYS = 90  # bulk posts and events are spread over this many past days, so the feed mixes both


class Progress(Protocol):
    """A progress display: `with progress(label, total) as bar: bar.update(1)` (click's progressbar fits)."""

    def __call__(self, label: str, total: int) -> AbstractContextManager[Any]: ...


# --- pictures ---------------------------------------------------------------------------------------------------


def png(width: int, height: int, top: tuple[int, int, int], bottom: tuple[int, int, int], band: int) -> bytes:
    """A PNG: a vertical gradient from `top` to `bottom` crossed by a light diagonal band."""
    rows = []
    band_width = width // 5
    for y in range(height):
        t = y / max(1, height - 1)
        color = bytes(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        light = bytes(min(255, c + 70) for c in color)
        start = (y + band) % width
        end = min(width, start + band_width)
        rows.append(b"\x00" + color * start + light * (end - start) + color * (width - end))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + chunk(b"IEND", b"")
    )


PALETTE = [(42, 171, 238), (48, 132, 20), (233, 84, 32), (124, 77, 255), (255, 179, 0), (0, 150, 136)]


def pictures(rng: random.Random, count: int) -> Iterator[bytes]:
    for index in range(count):
        top, bottom = rng.sample(PALETTE, 2)
        yield png(480, 270, top, bottom, band=rng.randrange(480) + index)


# --- texts --------------------------------------------------------------------------------------------------------

COMPANIES = [
    ("Яндекс Практикум", "Образовательные программы для будущих разработчиков и аналитиков."),
    ("Northwind Labs", "We build data tools for logistics and invite students to real projects."),
    ("СберТех", "Технологии для миллионов клиентов: стажировки, хакатоны и митапы."),
    ("Blue Orbit Robotics", "Robotics and embedded systems; our engineers mentor student teams."),
    ("Газпром нефть Цифра", "Цифровые двойники, промышленный ИИ и кейс-чемпионаты."),
    ("Lumen Health", "Biotech and medical software, from lab automation to clinical data."),
    ("Kaspersky Academy", "Информационная безопасность: CTF, лекции и исследовательские кейсы."),
    ("Greenfield Energy", "Renewables and smart grids; open challenges for engineering students."),
]
COMMUNITIES = [
    ("Python-разработчики", ["python", "backend"]),
    ("Data Science Club", ["ml", "data"]),
    ("Frontend & UX", ["react", "design"]),
    ("Робототехника", ["robotics", "embedded"]),
    ("Кибербезопасность", ["security", "ctf"]),
    ("Product Management", ["product", "career"]),
    ("Биотех и химия", ["biotech", "lab"]),
    ("Mobile Dev", ["android", "ios"]),
    ("Инженеры энергетики", ["energy", "engineering"]),
    ("Testing & QA", ["qa", "automation"]),
]
POST_TITLES = [
    "Открыт набор на стажировку",
    "How we shipped our first ML model",
    "Итоги хакатона",
    "Meet the team: {community}",
    "Новый кейс для студентов",
    "Reading list for the summer",
    "Как подготовиться к техническому интервью",
    "Open source week recap",
]
POST_BODIES = [
    "Рассказываем, как устроена работа команды и какие задачи ждут стажёров. Подавайте заявки до конца месяца.",
    "A short story of what went right, what went wrong and what we would do differently next time.",
    "Спасибо всем участникам! Лучшие решения получат приглашения на оплачиваемую практику.",
    "Join the discussion in the comments and share what you are working on.",
]
EVENTS = ["Митап", "Workshop", "Хакатон", "Career day", "Лекция", "Demo day"]
CITIES = ["Москва", "Санкт-Петербург", "Казань", "Новосибирск", "Online"]
FORMATS = ["offline", "online", "hybrid"]
CASES = [
    "Оптимизация маршрутов доставки",
    "Fraud detection on card payments",
    "Чат-бот для поддержки",
    "Energy forecast",
]
FIRST_NAMES = ["Анна", "Иван", "Maria", "Дмитрий", "Alex", "Екатерина", "Sergey", "Ольга", "Daniel", "Полина"]
LAST_NAMES = ["Петрова", "Смирнов", "Ivanova", "Кузнецов", "Morozov", "Волкова", "Orlov", "Соколова", "Lee", "Новикова"]


# --- seeding ------------------------------------------------------------------------------------------------------


@dataclass
class Seeder:
    session: Session
    settings: Settings
    storage: MediaStorage
    size: DemoSize
    progress: Progress
    bulk: bool = False

    def __post_init__(self) -> None:
        self.rng = random.Random(f"workcommunities-demo-{self.size}")  # noqa: S311 - demo data, not security
        self.now = datetime.now(UTC)
        self.images: list[str] = []

    async def run(self) -> None:
        await ReferenceService(self.session).seed()
        self.skills = [skill.hex for skill in await self.session.scalars(select(Skill.id).order_by(Skill.id))]
        self.statuses = [status.hex for status in await self.session.scalars(select(Status.id).order_by(Status.id))]
        await self.media()
        companies = await self.companies()
        communities = await self.communities(companies)
        await self.posts(communities)
        events = await self.events(communities)
        await self.stories(companies)
        await self.students(companies, communities, events)

    async def commit(self) -> None:
        await self.session.commit()

    async def media(self) -> None:
        media = MediaService(self.session, self.storage, self.settings.max_upload_bytes)
        with self.progress("images", IMAGE_POOL) as bar:
            for index, content in enumerate(pictures(self.rng, IMAGE_POOL)):
                fixed = APP_MEDIA_IDS[index] if index < len(APP_MEDIA_IDS) else None
                self.images.append((await media.add(content, fixed)).id)
                bar.update(1)
        await self.commit()

    def pick(self, values: list[str], count: int) -> list[str]:
        return self.rng.sample(values, min(count, len(values)))

    async def companies(self) -> list[UUID]:
        service = CompanyService(self.session)
        created = []
        with self.progress("companies", self.size.companies) as bar:
            for index in range(self.size.companies):
                name, about = COMPANIES[index % len(COMPANIES)]
                name = name if index < len(COMPANIES) else f"{name} {index // len(COMPANIES) + 1}"
                body = CompanyCreateIn(
                    name=name,
                    description=about,
                    tags=self.pick(self.skills, 3),
                    logo_media_id=self.pick(self.images, 1)[0],
                )
                company = await service.create_company(body)
                binding = AdminCompanyUpdateIn(
                    phone=COMPANY_PHONE.format(index + 1), media_uids=self.pick(self.images, 3)
                )
                await service.update_company(UUID(company.id), binding)
                created.append(UUID(company.id))
                bar.update(1)
        await self.commit()
        return created

    async def communities(self, companies: list[UUID]) -> list[tuple[UUID, UUID]]:
        """(company, community) pairs."""
        service = CommunityService(self.session)
        created = []
        with self.progress("communities", self.size.communities) as bar:
            for index in range(self.size.communities):
                company_id = companies[index % len(companies)]
                name, tags = COMMUNITIES[index % len(COMMUNITIES)]
                name = name if index < len(COMMUNITIES) else f"{name} #{index // len(COMMUNITIES) + 1}"
                body = CommunityCreateIn(
                    name=name,
                    tags=Tags(tags),
                    description=f"{name}: встречи, материалы и вакансии. Meetups, reading and jobs.",
                    telegram_url=f"https://t.me/wc_demo_{index + 1}",
                    logo_media_id=self.pick(self.images, 1)[0],
                )
                community = await service.create_for_company(company_id, body)
                case = CaseCreateIn(
                    title=self.rng.choice(CASES),
                    date=Moment.of(self.now + timedelta(days=self.rng.randrange(5, 90))),
                    description="Решение защищается перед экспертами компании.",
                    solutions_count=self.rng.randrange(0, 40),
                )
                await service.add_case(company_id, UUID(community.id), case)
                created.append((company_id, UUID(community.id)))
                bar.update(1)
        await self.commit()
        return created

    def created_at(self) -> datetime:
        """A bulk row's creation time: random within the past CONTENT_DAYS (the services stamp "now")."""
        return self.now - timedelta(
            seconds=self.rng.randrange(CONTENT_DAYS * 86400), microseconds=self.rng.randrange(10**6)
        )

    async def insert(
        self, rows: list[dict[str, Any]], media: list[dict[str, Any]], skills: list[dict[str, Any]]
    ) -> None:
        """A batch of content rows and their ordered links (bulk), committed."""
        await self.session.execute(insert(Content), rows)
        for model, links in ((ContentMedia, media), (ContentSkill, skills)):
            if links:
                await self.session.execute(insert(model), links)
        await self.commit()
        rows.clear()
        media.clear()
        skills.clear()

    def content_row(self, kind: ContentType, community_id: UUID, body: PostCreateIn | EventCreateIn) -> dict[str, Any]:
        """The columns the publishing service writes for `body` (tags trimmed and deduplicated), with a fresh id."""
        now = self.created_at()
        return {
            "id": uuid7(),  # what the model's default would draw; the links need it before the insert
            "community_id": community_id,
            "type": kind.value,
            "title": body.title,
            "tags": dedupe(body.tags),
            "cost": body.cost,
            "participant_payout": body.participant_payout,
            "created_at": now,
            "updated_at": now,
        }

    async def posts(self, communities: list[tuple[UUID, UUID]]) -> None:
        service = ContentService(self.session)
        rows: list[dict[str, Any]] = []
        media: list[dict[str, Any]] = []
        skills: list[dict[str, Any]] = []
        with self.progress("posts", self.size.posts) as bar:
            for index in range(self.size.posts):
                company_id, community_id = communities[index % len(communities)]
                title = self.rng.choice(POST_TITLES).format(community=COMMUNITIES[index % len(COMMUNITIES)][0])
                body = PostCreateIn(
                    community_id=community_id.hex,
                    title=title,
                    body=self.rng.choice(POST_BODIES),
                    media_uids=self.pick(self.images, self.rng.randrange(1, 4)),
                    tags=Tags(self.rng.sample(["career", "internship", "стажировка", "ml", "backend", "design"], 2)),
                    skill_ids=self.pick(self.skills, 2),
                    cost=self.rng.choice([0, 0, 500, 1500]),
                    participant_payout=self.rng.choice([0, 0, 0, 30000]),
                )
                if self.bulk:
                    row = {**self.content_row(ContentType.post, community_id, body), "body": body.body}
                    rows.append(row)
                    media += links(row["id"], "media_id", body.media_uids)
                    skills += links(row["id"], "skill_id", body.skill_ids)
                    if len(rows) == BATCH:
                        await self.insert(rows, media, skills)
                else:
                    await service.publish(company_id, ContentType.post, body)  # no read-back of the new post
                    if index % BATCH == BATCH - 1:
                        await self.commit()
                bar.update(1)
        if rows:
            await self.insert(rows, media, skills)
        await self.commit()

    async def events(self, communities: list[tuple[UUID, UUID]]) -> list[UUID]:
        service = EventService(self.session)
        created = []
        rows: list[dict[str, Any]] = []
        skills: list[dict[str, Any]] = []
        with self.progress("events", self.size.events) as bar:
            for index in range(self.size.events):
                company_id, community_id = communities[index % len(communities)]
                days = self.rng.randrange(-10, 60)  # a few are over: they leave the upcoming lists
                kind = self.rng.choice(EVENTS)
                body = EventCreateIn(
                    community_id=community_id.hex,
                    title=f"{kind}: {COMMUNITIES[index % len(COMMUNITIES)][0]}",
                    event_date=Moment.of((self.now + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)),
                    city=self.rng.choice(CITIES),
                    location="Главный офис, 3 этаж / Main office, 3rd floor",
                    description="Программа, спикеры и нетворкинг. Talks, Q&A and networking.",
                    registration=f"https://example.org/register/{index + 1}",
                    format=self.rng.choice(FORMATS),
                    media_id=self.pick(self.images, 1)[0],
                    tags=Tags(["event", kind.lower()]),
                    skill_ids=self.pick(self.skills, 2),
                    cost=self.rng.choice([0, 0, 1000]),
                    capacity=DEMO_CAPACITIES[index % len(DEMO_CAPACITIES)],
                )
                if self.bulk:
                    row = self.content_row(ContentType.event, community_id, body)
                    row.update(
                        event_date=body.event_date,
                        city=body.city,
                        location=body.location,
                        description=body.description,
                        registration=body.registration,
                        format=body.format,
                        capacity=body.capacity,
                        media_id=UUID(body.media_id) if body.media_id else None,
                    )
                    rows.append(row)
                    skills += links(row["id"], "skill_id", body.skill_ids)
                    created.append(row["id"])
                    if len(rows) == BATCH:
                        await self.insert(rows, [], skills)
                else:
                    created.append(await service.publish(company_id, ContentType.event, body))
                    if index % BATCH == BATCH - 1:
                        await self.commit()
                bar.update(1)
        if rows:
            await self.insert(rows, [], skills)
        await self.commit()
        return created

    async def stories(self, companies: list[UUID]) -> None:
        service = StoryService(self.session, self.settings.story_ttl_hours)
        for company_id in companies:
            body = StoryCreateIn(
                company_id=company_id.hex,
                title="Сегодня в офисе / Today at the office",
                media_uid=self.pick(self.images, 1)[0],
            )
            await service.create_story(company_id, body)
        await self.commit()

    async def students(self, companies: list[UUID], communities: list[tuple[UUID, UUID]], events: list[UUID]) -> None:
        users = UserService(self.session)
        profiles = ProfileService(self.session)
        community_service = CommunityService(self.session)
        company_service = CompanyService(self.session)
        event_service = EventService(self.session)
        with self.progress("students", self.size.students) as bar:
            for index in range(self.size.students):
                user = await users.create_account(Role.student, phone=STUDENT_PHONE.format(index + 1))
                first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
                profile = ProfileUpdateIn(
                    full_name=f"{first} {last}",
                    portfolio_url=f"https://github.com/demo-student-{index + 1}",
                    description=self.rng.choice(["Студент 3 курса", "Junior developer", "Магистрант, люблю данные"]),
                    skill_uids=self.pick(self.skills, 3),
                    status_uids=self.pick(self.statuses, 1),
                    avatar_media_id=self.pick(self.images, 1)[0],
                )
                await profiles.update_me(user.id, profile)
                for _, community_id in self.rng.sample(communities, min(3, len(communities))):
                    await community_service.follow(community_id, user.id)
                for company_id in self.rng.sample(companies, min(2, len(companies))):
                    await company_service.follow(user.id, company_id)
                for event_id in self.rng.sample(events, min(2, len(events))):
                    await event_service.join(user.id, event_id)
                bar.update(1)
                if index % 100 == 99:
                    await self.commit()
        await self.commit()


def links(content_id: UUID, column: str, ids: list[str] | None) -> list[dict[str, Any]]:
    """Ordered link rows (content_media, content_skill) of a bulk content row; the ids are distinct already."""
    return [{"content_id": content_id, column: UUID(value), "position": n} for n, value in enumerate(ids or [])]


async def is_empty(session: Session) -> bool:
    """No users, companies or media yet: the only kind of database the demo fills (a run that failed halfway is not
    repeated over its own rows: `--reset` starts over)."""
    for model in (User, Company, Media):
        if await session.scalar(select(model.id).limit(1)) is not None:
            return False
    return True


async def erase(session: Session, storage: MediaStorage) -> None:
    """Everything but the reference data and the audit log (append-only), and every stored media file: what
    `seed demo --reset` starts from."""
    for key in list(await session.scalars(select(Media.storage_key))):
        await storage.delete(key)
    for table in reversed(metadata.sorted_tables):
        if table.name not in REFERENCE_TABLES and table.name != AuditEntry.__tablename__:
            await session.execute(table.delete())
    await session.commit()


async def seed_demo(
    session: Session, settings: Settings, storage: MediaStorage, size: DemoSize, progress: Progress, bulk: bool = False
) -> bool:
    """Fill an empty database; anything else is left untouched (False). `bulk`: posts and events in batches of rows
    (the benchmark's sizes) rather than one by one through the services."""
    if not await is_empty(session):
        return False
    await Seeder(session, settings, storage, size, progress, bulk).run()
    return True
