"""`GET /search`: communities, companies, posts and events by their words, on PostgreSQL (full text in Russian and in
any language, prefixes, trigrams for misspellings) and on SQLite (FTS5, prefixes).

The data is written through the API (the indexes are kept by the database, whatever writes), except the thousands of
rows of the plan test, which are inserted directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import insert, text

from tests.conftest import StatementCounter
from tests.helpers import Api, bearer, claims
from tests.shapes import COMMUNITY_KEYS, COMPANY_KEYS, EVENT_KEYS, MEDIA_KEYS, POST_KEYS, SKILL_KEYS
from workcommunities.db.models import Content
from workcommunities.domain.search.repositories import CANDIDATES, RECENT

KINDS = ("communities", "companies", "posts", "events")
NOTHING: dict[str, list[Any]] = {kind: [] for kind in KINDS}
FUTURE = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)


@dataclass
class Company:
    token: str
    id: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


async def a_company(api: Api, name: str = "Компания", description: str = "") -> Company:
    token = await api.company()
    company = Company(token, claims(token)["company_id"])
    body = {"name": name, "description": description}
    response = await api.client.patch("/companies/me", json=body, headers=company.headers)
    assert response.status_code == 200, response.text
    return company


async def a_community(client: httpx.AsyncClient, company: Company, name: str, **fields: Any) -> dict[str, Any]:
    response = await client.post("/communities/", json={"name": name, **fields}, headers=company.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def a_post(
    client: httpx.AsyncClient, company: Company, community_id: str, title: str, body: str = "", **fields: Any
) -> dict[str, Any]:
    payload = {"community_id": community_id, "title": title, "body": body, **fields}
    response = await client.post("/content/posts", json=payload, headers=company.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def an_event(
    client: httpx.AsyncClient, company: Company, community_id: str, title: str, **fields: Any
) -> dict[str, Any]:
    payload = {"community_id": community_id, "title": title, "event_date": FUTURE.isoformat(), **fields}
    response = await client.post("/events/", json=payload, headers=company.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def archive(client: httpx.AsyncClient, company: Company, community_id: str, archived: bool = True) -> None:
    response = await client.patch(
        f"/communities/{community_id}", json={"is_archived": archived}, headers=company.headers
    )
    assert response.status_code == 200, response.text


async def search(client: httpx.AsyncClient, q: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    response = await client.get("/search", params={"q": q, **params}, headers=headers)
    assert response.status_code == 200, response.text
    found = response.json()
    assert set(found) == set(KINDS), found
    return found


def names(found: dict[str, Any], kind: str) -> list[str]:
    """The names (communities, companies) or titles (posts, events) of one kind, in the order found."""
    return [item["name" if kind in ("communities", "companies") else "title"] for item in found[kind]]


def is_postgresql(app: Litestar) -> bool:
    return bool(app.state.db_config.get_engine().dialect.name == "postgresql")


# --- what is found, and in which shape -------------------------------------------------------------------------------


async def test_each_kind_is_found_in_the_shape_of_its_list(
    client: httpx.AsyncClient, api: Api, create_media: Any
) -> None:
    company = await a_company(api, "Школа программистов", "Учим программированию с нуля")
    community = await a_community(
        client, company, "Программисты Python", tags=["backend"], description="Сообщество разработчиков"
    )
    skills = [skill["id"] for skill in (await client.get("/reference/skills")).json()][:2]
    media = await create_media()
    post = await a_post(
        client, company, community["id"], "Программа стажировки", "Текст", media_uids=[media], skill_ids=skills
    )
    event = await an_event(client, company, community["id"], "Программа митапа", skill_ids=skills, city="Москва")

    found = await search(client, "програм")
    assert [item["id"] for item in found["communities"]] == [community["id"]]
    assert [item["id"] for item in found["companies"]] == [company.id]
    assert [item["id"] for item in found["posts"]] == [post["id"]]
    assert [item["id"] for item in found["events"]] == [event["id"]]
    # The shapes of the lists (every key, nothing null), the same items as the lists show them.
    for kind, keys in zip(KINDS, (COMMUNITY_KEYS, COMPANY_KEYS, POST_KEYS, EVENT_KEYS), strict=True):
        [item] = found[kind]
        assert set(item) == keys, kind
        assert all(value is not None for value in item.values()), kind
    assert found["communities"] == (await client.get("/communities/")).json()
    assert found["companies"] == (await client.get("/companies/")).json()
    assert found["posts"] == [post]
    assert found["events"] == [(await client.get(f"/events/{event['id']}")).json()]
    [found_post], [found_event] = found["posts"], found["events"]
    assert [set(each) for each in found_post["media"]] == [MEDIA_KEYS]
    assert [skill["id"] for skill in found_post["skills"]] == skills
    assert all(set(skill) == SKILL_KEYS for skill in found_post["skills"] + found_event["skills"])


async def test_events_show_the_callers_participation(client: httpx.AsyncClient, api: Api) -> None:
    company = await a_company(api)
    community = await a_community(client, company, "Митапы")
    event = await an_event(client, company, community["id"], "Хакатон")
    student = await api.student()
    assert (await client.post(f"/events/{event['id']}/join", headers=bearer(student))).status_code == 200

    [anonymous] = (await search(client, "хакатон"))["events"]
    [theirs] = (await search(client, "хакатон", headers=bearer(student)))["events"]
    assert (anonymous["my_participation"], anonymous["participants_count"]) == ("", 1)
    assert (theirs["my_participation"], theirs["participants_count"]) == ("going", 1)
    # A bad token is simply anonymous, as on every public route.
    [bad] = (await search(client, "хакатон", headers=bearer("nonsense")))["events"]
    assert bad == anonymous


async def test_russian_forms_prefixes_and_tags(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    company = await a_company(api)
    community = await a_community(client, company, "Клуб")
    await a_post(client, company, community["id"], "Курс: программирование на Python", "Для начинающих")
    await a_post(client, company, community["id"], "Про безопасность", "", tags=["кибербезопасность", "CTF"])

    def posts(found: dict[str, Any]) -> list[str]:
        return names(found, "posts")

    # Another form of the word: PostgreSQL's Russian stemming; SQLite matches its beginning.
    stemmed = posts(await search(client, "программирования"))
    assert stemmed == (["Курс: программирование на Python"] if is_postgresql(app) else [])
    assert posts(await search(client, "программ")) == ["Курс: программирование на Python"]
    # While typing: each word as a prefix, every word required, in any case, any language.
    assert posts(await search(client, "прогр")) == ["Курс: программирование на Python"]
    assert posts(await search(client, "ПРОГР pyth")) == ["Курс: программирование на Python"]
    assert posts(await search(client, "прогр java")) == []
    assert posts(await search(client, "начинающ")) == ["Курс: программирование на Python"]
    # Tags.
    assert posts(await search(client, "кибербез")) == ["Про безопасность"]
    assert posts(await search(client, "ctf")) == ["Про безопасность"]


async def test_a_misspelling_is_found_by_trigrams_on_postgresql(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    company = await a_company(api, "Альфа")
    community = await a_community(client, company, "Программирование и алгоритмы")
    await a_post(client, company, community["id"], "Основы программирования", "Текст")
    await an_event(client, company, community["id"], "Встреча программистов")

    found = await search(client, "програмирование")
    if is_postgresql(app):
        assert names(found, "communities") == ["Программирование и алгоритмы"]
        assert names(found, "posts") == ["Основы программирования"]
    else:  # no fallback on SQLite
        assert found == NOTHING
    # The fallback is only for a query that nothing matches: the exact matches come alone, and a word that some kind
    # has is no misspelling for the others either.
    await a_post(client, company, community["id"], "Програмирование с ошибкой", "")
    assert names(await search(client, "програмирование", types="posts"), "posts") == ["Програмирование с ошибкой"]
    found = await search(client, "програмирование")
    assert (names(found, "posts"), found["communities"], found["events"]) == (["Програмирование с ошибкой"], [], [])


async def test_a_title_match_ranks_above_a_body_match(client: httpx.AsyncClient, api: Api) -> None:
    company = await a_company(api, "Компания", "Делаем нейросети")
    community = await a_community(client, company, "Сообщество", description="Нейросети и данные")
    other = await a_community(client, company, "Нейросети")
    in_body = await a_post(client, company, community["id"], "Новости", "Сегодня говорим про нейросети и нейросети")
    in_title = await a_post(client, company, community["id"], "Нейросети", "Обзор")
    in_tags = await a_post(client, company, community["id"], "Обзор", "", tags=["нейросети"])
    await an_event(client, company, community["id"], "Встреча", description="Про нейросети")
    await an_event(client, company, community["id"], "Нейросети: митап")

    found = await search(client, "нейросет")
    assert [post["id"] for post in found["posts"]] == [in_title["id"], in_tags["id"], in_body["id"]]
    assert names(found, "events") == ["Нейросети: митап", "Встреча"]
    assert [item["id"] for item in found["communities"]] == [other["id"], community["id"]]
    assert names(found, "companies") == ["Компания"]


async def test_types_choose_the_kinds(client: httpx.AsyncClient, api: Api) -> None:
    company = await a_company(api, "Данные")
    community = await a_community(client, company, "Данные")
    await a_post(client, company, community["id"], "Данные")
    await an_event(client, company, community["id"], "Данные")

    everything = await search(client, "данные")
    assert all(len(everything[kind]) == 1 for kind in KINDS)
    only = await search(client, "данные", types="posts,events")
    assert (only["communities"], only["companies"]) == ([], [])
    assert (only["posts"], only["events"]) == (everything["posts"], everything["events"])
    assert (await search(client, "данные", types=" companies , companies"))["companies"] == everything["companies"]
    assert (await search(client, "данные", types="companies"))["posts"] == []


async def test_limit_and_offset_apply_to_each_kind(client: httpx.AsyncClient, api: Api) -> None:
    company = await a_company(api)
    community = await a_community(client, company, "Лекторий")  # not a match: "лекц" does not begin it
    for index in range(5):
        await a_post(client, company, community["id"], f"Лекция {index}")
        if index < 3:
            await a_community(client, company, f"Лекции {index}")
    everything = await search(client, "лекц")
    assert (len(everything["posts"]), len(everything["communities"])) == (5, 3)

    pages = [await search(client, "лекц", limit=2, offset=offset) for offset in (0, 2, 4)]
    assert [len(page["posts"]) for page in pages] == [2, 2, 1]
    assert [len(page["communities"]) for page in pages] == [2, 1, 0]
    for kind in ("posts", "communities"):
        assert [item for page in pages for item in page[kind]] == everything[kind]
    # The list conventions: limit clamped to 100, bad values refused.
    assert len((await search(client, "лекц", limit=1000))["posts"]) == 5
    for params in ({"limit": 0}, {"offset": -1}, {"limit": "x"}):
        response = await client.get("/search", params={"q": "лекц", **params})
        assert response.status_code == 422, params


async def test_archived_communities_and_their_content_are_never_found(client: httpx.AsyncClient, api: Api) -> None:
    company = await a_company(api)
    community = await a_community(client, company, "Архивное сообщество", tags=["архив"])
    await a_post(client, company, community["id"], "Архивный пост")
    await an_event(client, company, community["id"], "Архивная встреча")
    assert sum(len(items) for items in (await search(client, "архив")).values()) == 3

    await archive(client, company, community["id"])
    # Not even through trigrams: a misspelling finds nothing either.
    for q in ("архив", "архивнае", "сообщество"):
        assert await search(client, q) == NOTHING, q
    await archive(client, company, community["id"], archived=False)
    assert sum(len(items) for items in (await search(client, "архив")).values()) == 3


async def test_edits_and_deletes_reach_the_index(client: httpx.AsyncClient, api: Api) -> None:
    company = await a_company(api, "Старое имя")
    community = await a_community(client, company, "Клуб")
    post = await a_post(client, company, community["id"], "Черновик", "")

    response = await client.patch(f"/content/posts/{post['id']}", json={"title": "Итоги года"}, headers=company.headers)
    assert response.status_code == 200, response.text
    assert names(await search(client, "черновик"), "posts") == []
    assert names(await search(client, "итоги"), "posts") == ["Итоги года"]
    response = await client.patch("/companies/me", json={"name": "Новое имя"}, headers=company.headers)
    assert response.status_code == 200, response.text
    assert names(await search(client, "новое"), "companies") == ["Новое имя"]
    assert names(await search(client, "старое"), "companies") == []

    response = await client.delete(f"/content/posts/{post['id']}", headers=company.headers)
    assert response.status_code == 200, response.text
    assert names(await search(client, "итоги"), "posts") == []


# --- bad input -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "a"},
        {"q": " я\t"},
        {"q": "x" * 101},
        {"q": "ok", "types": "people"},
        {"q": "ok", "types": "posts,people"},
        {"q": "ok", "types": ""},
    ],
)
async def test_bad_queries_are_refused(client: httpx.AsyncClient, params: dict[str, str]) -> None:
    response = await client.get("/search", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


async def test_the_longest_and_shortest_queries_are_taken(client: httpx.AsyncClient) -> None:
    for q in ("x" * 100, " ab ", "a b"):
        assert await search(client, q) == NOTHING


# (query, found on PostgreSQL, found on SQLite): the post "Программирование" / "На питоне" is found when every word
# of the query begins a word of it. Operators of tsquery and FTS5 are punctuation, keywords are words; PostgreSQL's
# `russian` configuration drops English stop words (and, or, not), which SQLite requires like any word.
USER_OPERATORS = [
    ("&|!():*\"'", False, False),
    ("программ & | ! ( ) : * \" '", True, True),
    ("программ:*", True, True),
    ("программ*", True, True),
    ('"программ"', True, True),
    ("'программ'", True, True),
    ("программ'); DROP TABLE content; --", False, False),
    ("программ OR питон", True, False),
    ("программ AND NOT", True, False),
    ("NEAR(программ питон)", False, False),
    ("программ NEAR питон", False, False),
    ("-программ", True, True),
    ("программ -питон", True, True),
    ("title:программ", False, False),
    ("{title body}: программ", False, False),
    ("^программ", True, True),
    ("программ <-> питон", True, True),
    ("программ <2> питон", False, False),
    ("\\программ\\", True, True),
    ("программ\x00", True, True),
    ("программ_питон", True, True),
    ("NOT", False, False),
    ("OR", False, False),
    ("* *", False, False),
    ("''", False, False),
    ('""', False, False),
]


@pytest.mark.parametrize(("q", "on_postgresql", "on_sqlite"), USER_OPERATORS)
async def test_query_operators_in_user_text_are_plain_text(
    client: httpx.AsyncClient, api: Api, app: Litestar, q: str, on_postgresql: bool, on_sqlite: bool
) -> None:
    company = await a_company(api)
    community = await a_community(client, company, "Клуб")
    await a_post(client, company, community["id"], "Программирование", "На питоне")

    found = await search(client, q, types="posts")
    expected = on_postgresql if is_postgresql(app) else on_sqlite
    assert names(found, "posts") == (["Программирование"] if expected else []), q


# --- cost -----------------------------------------------------------------------------------------------------------


async def test_statements_per_search_do_not_depend_on_the_matches(
    client: httpx.AsyncClient, api: Api, statements: StatementCounter, create_media: Any
) -> None:
    company = await a_company(api, "Орбита и комета")
    skills = [skill["id"] for skill in (await client.get("/reference/skills")).json()][:2]
    await search(client, "warm")  # a process's first search also reads which extensions the database has
    counts = []
    for word, size in (("Орбита", 1), ("Комета", 10)):
        community = await a_community(client, company, word)
        for index in range(size):
            media = await create_media()
            await a_post(client, company, community["id"], f"{word} {index}", skill_ids=skills, media_uids=[media])
            await an_event(client, company, community["id"], f"{word}: запуск {index}", skill_ids=skills)
        with statements:
            found = await search(client, word)
        assert [len(found[kind]) for kind in KINDS] == [1, 1, size, size]
        assert all(post["media"] and post["skills"] for post in found["posts"])
        counts.append(statements.count)
    # One statement on PostgreSQL; on SQLite one per kind, and the nested lists take one more each (companies:
    # skills; posts: skills, media; events: skills).
    assert counts == [statements.expected(postgresql=1, sqlite=8)] * 2
    with statements:
        await search(client, "комет", types="posts")
    assert statements.count == statements.expected(postgresql=1, sqlite=3)
    student = await api.student()
    with statements:
        await search(client, "комет", headers=bearer(student), types="events")
    assert statements.count == statements.expected(postgresql=2, sqlite=3)  # and the caller's row
    with statements:
        await search(client, "&& ||")
    assert statements.count == 0  # no word, no statement


async def test_the_search_reads_its_indexes(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    """On a few thousand posts (their statistics and the index's up to date, as autovacuum keeps them), the search's
    statement finds the matches through the full-text index: on PostgreSQL its plan reads the GIN index, and the
    trigram one for a misspelling; on SQLite it reads the FTS5 table by its full-text index."""
    company = await a_company(api)
    community = await a_community(client, company, "Большое сообщество")
    community_id = UUID(community["id"])
    rows = [
        {
            "community_id": community_id,
            "type": "post",
            "title": f"Заметка {index}",
            "body": " ".join(f"слово{(index * 7 + shift * 131) % 500}" for shift in range(1, 9)),
            "tags": [],
        }
        for index in range(3000)
    ]
    rows.append({"community_id": community_id, "type": "post", "title": "Программирование квантовых компьютеров"})
    engine = app.state.db_config.get_engine()
    async with app.state.db_config.get_session() as session:
        await session.execute(insert(Content), rows)
        await session.commit()
    cases = [("квантов", "ix_content_search")]
    if is_postgresql(app):
        cases.append(("програмирование", "ix_content_title_trgm"))
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE content"))

    for q, index in cases:
        with StatementCounter(engine) as seen:
            found = await search(client, q, types="posts")
        assert names(found, "posts") == ["Программирование квантовых компьютеров"], q
        [(statement, parameters)] = [
            (statement, parameters)
            for statement, parameters in zip(seen.statements, seen.parameters, strict=True)
            if "search" in statement  # search_vector, content_search: not the nested lists
        ]
        async with engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            if is_postgresql(app):
                [plan] = await raw.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", *parameters)
                assert index in _index_names(plan["Plan"]), (q, plan)
            else:
                cursor = await raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
                details = [row[3] for row in await cursor.fetchall()]
                assert any(detail.startswith("SCAN content_search VIRTUAL TABLE INDEX") for detail in details), details


def _index_names(plan: dict[str, Any]) -> set[str]:
    """The indexes an analysed plan read: a node that never ran (its branch not taken) does not count."""
    ran = plan.get("Actual Loops", 0) > 0
    names = {plan["Index Name"]} if "Index Name" in plan and ran else set()
    for child in plan.get("Plans", []):
        names |= _index_names(child)
    return names


async def test_postgresql_ranks_the_newest_matches_and_finds_a_rare_word_through_the_index(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    """PostgreSQL ranks at most CANDIDATES rows of content per search (search/repositories.py): a word in many rows
    is searched among the newest ones, and its pages are pages of them; a word rare among the newest rows is also
    read through the full-text index, however old its rows. SQLite ranks every match."""
    company = await a_company(api)
    community = await a_community(client, company, "Заметки")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [
        {
            "community_id": UUID(community["id"]),
            "type": "post",
            "title": f"Заметка {index}",
            "body": "обычная запись",
            "tags": [],
            "created_at": start + timedelta(minutes=index),
        }
        for index in range(RECENT + CANDIDATES)
    ]
    rows[0]["title"] = "Редкая находка"  # the oldest row, far behind the RECENT newest
    async with app.state.db_config.get_session() as session:
        await session.execute(insert(Content), rows)
        await session.commit()

    newest = {row["title"] for row in rows[-CANDIDATES:]}
    first = names(await search(client, "обычн", types="posts", limit=CANDIDATES), "posts")
    after = names(await search(client, "обычн", types="posts", limit=CANDIDATES, offset=CANDIDATES), "posts")
    if is_postgresql(app):
        assert (set(first), after) == (newest, [])
    else:
        assert (len(first), len(after)) == (CANDIDATES, CANDIDATES)
    assert names(await search(client, "редк"), "posts") == ["Редкая находка"]
    assert names(await search(client, "редкая обычн"), "posts") == ["Редкая находка"]


async def test_what_one_kind_finds_does_not_depend_on_the_others_asked_for(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    """Each kind has its own candidates (posts that fill a cap leave the events' alone), and whether a word is rare
    among the newest rows counts every kind: the same events are found with or without the posts."""
    company = await a_company(api)
    community = await a_community(client, company, "Астрономия")
    start = datetime(2025, 1, 1, tzinfo=UTC)

    def row(kind: str, title: str, body: str, at: datetime) -> dict[str, Any]:
        extra = {"event_date": start} if kind == "event" else {}
        return {"community_id": UUID(community["id"]), "type": kind, "title": title, "body": body, "tags": [],
                "created_at": at, **extra}  # fmt: skip

    old = [row("event", "Квазар встреча", "", start), row("event", "Туманность встреча", "", start)]
    filler = [row("post", f"Заметка {n}", "", start + timedelta(days=1, minutes=n)) for n in range(RECENT)]
    pulsars = [row("event", f"Пульсар {n}", "", start + timedelta(days=2, minutes=n)) for n in range(10)]
    words = ["квазар"] * 5 + ["туманность"] * 20 + [""] * (CANDIDATES + 25)
    newest = [
        row("post", f"Запись {n}", f"пульсар {word}", start + timedelta(days=3, minutes=n))
        for n, word in enumerate(words)
    ]
    async with app.state.db_config.get_session() as session:
        await session.execute(insert(Content), [*old, *filler, *pulsars, *newest])
        await session.commit()
    expected = {
        "пульсар": {f"Пульсар {n}" for n in range(10)},  # recent events, beside more posts than the cap
        "квазар": {"Квазар встреча"},  # in 5 recent posts: rare, so the old event is found through the index
        "туманность": set(),  # in 20 recent posts: not rare, and the old event is not among the newest rows
    }
    if not is_postgresql(app):  # SQLite ranks every match
        expected["туманность"] = {"Туманность встреча"}
    for q, events in expected.items():
        alone = names(await search(client, q, types="events", limit=CANDIDATES), "events")
        together = await search(client, q, limit=CANDIDATES)
        assert set(alone) == set(names(together, "events")) == events, q
    assert len(names(await search(client, "пульсар", limit=CANDIDATES), "posts")) == CANDIDATES


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # PostgreSQL's plan cache
async def test_postgresql_plans_the_search_once_per_connection(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    """The search's statement has the same plan whatever the words (`_planned_once`), so PostgreSQL's plan cache
    settles on its generic plan instead of planning each execution (custom plans, several milliseconds)."""
    assert is_postgresql(app)
    company = await a_company(api, "Плановая компания")
    community = await a_community(client, company, "Планирование")
    engine = app.state.db_config.get_engine()
    # Statistics in which a common word and a missing one have very different estimates.
    rows = [{"community_id": UUID(community["id"]), "type": "post", "title": f"План {index}"} for index in range(500)]
    async with app.state.db_config.get_session() as session:
        await session.execute(insert(Content), rows)
        await session.commit()
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE content"))
    with StatementCounter(engine) as seen:
        await search(client, "план")
    [(statement, parameters)] = [
        (statement, parameters)
        for statement, parameters in zip(seen.statements, seen.parameters, strict=True)
        if "search_vector" in statement
    ]
    words = ["план", "компан", "python", "сообщ", "нетакого", "планирование"]

    def values_for(word: str) -> list[Any]:
        return [f"'{word}':*" if value == "'план':*" else word if value == "план" else value for value in parameters]

    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        statement += "\n-- the test's own"  # apart from the app's statements of the same text on this connection
        costs = set()
        for word in words:  # a plan made for the values (as EXPLAIN makes it) is the same whatever they are
            [plan] = await raw.fetchval(f"EXPLAIN (FORMAT JSON) {statement}", *values_for(word))
            costs.add(plan["Plan"]["Total Cost"])
        assert len(costs) == 1, costs
        prepared = await raw.prepare(statement)
        for word in words:  # the first five plans are custom; then the generic one, kept when it costs no more
            await prepared.fetchrow(*values_for(word))
        plans = await raw.fetchrow(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1", statement
        )
    assert (plans["generic_plans"], plans["custom_plans"]) == (1, 5)
