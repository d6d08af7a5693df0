"""The search's statements: per kind, one that ranks the matches, takes a page of their ids, and reads those rows in
the shape of the kind's list with the list's own select (`COMMUNITIES`, `COMPANIES`, `POSTS`, `EVENTS`) joined to
them.

The search indexes are db/models/search.py's. The user's words come in as bind parameters, written into the query
language of the index here, each one quoted: no user text is ever part of the SQL, and none is read as an operator.

- PostgreSQL: every word as a prefix (`'word':*`, so a word being typed matches), all of them required, in the
  `russian` configuration (other forms of a word) or in the `simple` one (exact beginnings of words, stop words
  too): `to_tsquery('russian', …) || to_tsquery('simple', …)` against the `search_vector` column (its GIN index),
  ranked by `ts_rank` (the name or title weighs most). Misspellings are the fallback: when nothing of a kind matches,
  and only then, its rows whose name or title has a word similar to the query (`pg_trgm`'s `<%`: word similarity of
  at least 0.6, through the GIN trigram index) are the matches, ranked by that similarity. (Merged after the
  full-text matches, near misses would pad every good answer.) Every kind asked for in one statement (`every_kind`),
  each page as JSON (lib/aggregate.py).
- SQLite: the FTS5 table, each word quoted as a prefix (`"word"*`), all required, in the searchable columns only,
  ranked by `bm25` with the same weights. No stemming (a prefix finds the other forms of a word) and no fallback for
  misspellings. The nested lists take one more statement each, as in every list.

Ties are broken by the id, newest first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeAlias, TypeVar
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Float,
    Subquery,
    bindparam,
    column,
    exists,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy import Text as TextType
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.orm import InstrumentedAttribute

from workcommunities.db import AnySelect
from workcommunities.db.models import Community, Company, CompanySkill, Content
from workcommunities.db.models.search import COMMUNITY, COMPANY, CONFIGS, CONTENT, VECTOR, Searchable
from workcommunities.domain.communities.repositories import COMMUNITIES, LIVE
from workcommunities.domain.communities.schemas import CommunityOut
from workcommunities.domain.companies.repositories import COMPANIES, CompanyRepository
from workcommunities.domain.companies.schemas import CompanyOut
from workcommunities.domain.content.repositories import (
    POSTS,
    ContentRepository,
    content_viewer_params,
    in_live_communities,
)
from workcommunities.domain.content.schemas import PostOut
from workcommunities.domain.events.repositories import EVENTS
from workcommunities.domain.events.schemas import EventOut
from workcommunities.domain.reference.repositories import ordered_json
from workcommunities.lib.aggregate import decode_list, json_list, json_object, text_constant
from workcommunities.lib.pagination import KeysetOrder, Page, paged
from workcommunities.lib.repository import Repository, Uses
from workcommunities.lib.schema import Out
from workcommunities.lib.security import Principal

OutT = TypeVar("OutT", bound=Out)
Live: TypeAlias = Callable[[AnySelect], AnySelect]  # a kind's filter: only what its lists show (no archived community)
RELEVANCE = "relevance"  # the rank column of a statement's matches: higher is better
# The bind parameters of a search: the words as a tsquery (PostgreSQL) and as plain text (trigrams), or as an FTS5
# query (SQLite).
TSQUERY_WORDS = bindparam("search_tsquery", type_=TextType())
SIMILAR_TO = bindparam("search_similar", type_=TextType())
FTS_MATCH = bindparam("search_match", type_=TextType())
HAS_TRIGRAMS = text("SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_trgm')")
_TRIGRAMS: dict[str, bool] = {}  # by database URL: whether it has the pg_trgm extension (`_has_trigrams`)


def tsquery(words: Sequence[str]) -> str:
    """All the words, each a quoted prefix: `'word1':* & 'word2':*` (to_tsquery's syntax; a quote in a word is
    doubled, a backslash escaped)."""
    quoted = ("'" + word.replace("\\", "\\\\").replace("'", "''") + "':*" for word in words)
    return " & ".join(quoted)


def fts5_query(words: Sequence[str], index: Searchable) -> str:
    """All the words, each a quoted prefix, in the index's searchable columns (never its `id` and `key`):
    `{name tags description} : ("word1"* AND "word2"*)` (FTS5's syntax; a double quote in a word is doubled)."""
    quoted = ('"' + word.replace('"', '""') + '"*' for word in words)
    columns = " ".join(field.name for field in index.fields)
    return f"{{{columns}}} : ({' AND '.join(quoted)})"


def _words_query() -> ColumnElement[Any]:
    """The words in both configurations: `to_tsquery('russian', …) || to_tsquery('simple', …)`."""
    russian, simple = (func.to_tsquery(text_constant(config), TSQUERY_WORDS, type_=TSQUERY) for config in CONFIGS)
    return russian.op("||", return_type=TSQUERY)(simple)


def _postgresql_matches(
    index: Searchable,
    row_id: InstrumentedAttribute[UUID],
    title: InstrumentedAttribute[str],
    live: Live,
    kind: str,
    trigrams: bool,
) -> Subquery:
    """The ids and relevance of the live rows that match the words; when none does, of those whose title has a
    word like them (where the database has the trigrams extension)."""
    vector = literal_column(f"{index.table}.{VECTOR}", TSVECTOR)
    # The condition as an expression of the parameter, which the planner reads when it plans for the value (its
    # estimate of the matches); the rank's query as a scalar subquery, computed once (an InitPlan), not per match.
    rank = func.ts_rank(vector, select(_words_query()).scalar_subquery(), type_=Float)
    ranked = select(row_id.label("id"), rank.label(RELEVANCE)).where(vector.bool_op("@@")(_words_query()))
    matches = live(ranked).cte(f"{kind}_matches")
    if not trigrams:
        return select(matches.c.id, matches.c[RELEVANCE]).subquery("hits")
    similar = select(row_id.label("id"), func.word_similarity(SIMILAR_TO, title, type_=Float).label(RELEVANCE))
    fallback = live(similar.where(SIMILAR_TO.bool_op("<%")(title), ~exists(matches.select())))
    return select(matches.c.id, matches.c[RELEVANCE]).union_all(fallback).subquery("hits")


def _sqlite_matches(index: Searchable, row_id: InstrumentedAttribute[UUID], live: Live) -> Subquery:
    """The ids and relevance (bm25, negated: higher is better) of the live rows that match the words."""
    fts = table(index.fts, column("id", Content.id.type))
    name: ColumnElement[Any] = literal_column(index.fts)
    weights: list[ColumnElement[Any]] = [literal_column("0.0"), literal_column("0.0")]  # id, key
    weights += [literal_column(repr(field.bm25)) for field in index.fields]
    relevance = (-func.bm25(name, *weights, type_=Float)).label(RELEVANCE)
    query = select(row_id.label("id"), relevance).join(fts, fts.c.id == row_id).where(name.bool_op("MATCH")(FTS_MATCH))
    return live(query).subquery("hits")


def _json_rows(out: type[Out], query: AnySelect, *, skills: InstrumentedAttribute[UUID] | None = None) -> Any:
    """The rows of a column SELECT (its labels are `out`'s fields) as a JSON array in its order: a value of the one
    statement (PostgreSQL). `skills`: the owner column of the rows' ordered skills."""
    rows = query.subquery()
    fields: dict[str, Any] = dict(rows.c.items())
    if skills is not None:
        fields["skills"] = ordered_json(skills, rows.c.id, nested=True)
    item = json_object(out, fields)
    return select(json_list(item, rows.c[RELEVANCE].desc(), rows.c.id.desc())).scalar_subquery()


def _listed(listing: AnySelect, query: AnySelect) -> AnySelect:
    """`query` with the WHERE of a list's select (`listing`): the matches are rows that the list would show, so that
    a page of them is a page of the list's rows."""
    criteria = listing.whereclause
    return query if criteria is None else query.where(criteria)


def _live_communities(query: AnySelect) -> AnySelect:
    return _listed(COMMUNITIES, query).where(LIVE)


def _companies(query: AnySelect) -> AnySelect:
    return _listed(COMPANIES, query)


def _live_posts(query: AnySelect) -> AnySelect:
    return _listed(POSTS, in_live_communities(query))


def _live_events(query: AnySelect) -> AnySelect:
    return _listed(EVENTS, in_live_communities(query))


class SearchRepository(Repository[Content]):
    model_type = Content

    content = Uses(ContentRepository)
    company_lists = Uses(CompanyRepository)

    def _best(
        self,
        index: Searchable,
        row_id: InstrumentedAttribute[UUID],
        title: InstrumentedAttribute[str],
        live: Live,
        shape: str,
        kind: str,
        trigrams: bool = False,
    ) -> Subquery:
        """A page of the matches, best first (then the newest id): the only rows that the list's select then reads
        (by primary key), however many match."""
        if self.aggregates_json:  # PostgreSQL
            hits = _postgresql_matches(index, row_id, title, live, kind, trigrams)
        else:
            hits = _sqlite_matches(index, row_id, live)
        best = select(hits.c.id, hits.c[RELEVANCE]).order_by(hits.c[RELEVANCE].desc(), hits.c.id.desc())
        return paged(best, shape=shape).subquery(f"{kind}_best")

    def _params(self, words: Sequence[str], index: Searchable, page: Page) -> dict[str, Any]:
        if self.aggregates_json:
            words_params = {TSQUERY_WORDS.key: tsquery(words), SIMILAR_TO.key: " ".join(words)}
        else:
            words_params = {FTS_MATCH.key: fts5_query(words, index)}
        return {**page.params(), **words_params}

    async def every_kind(
        self, words: Sequence[str], kinds: Sequence[str], page: Page, viewer: Principal | None
    ) -> dict[str, Any]:
        """PostgreSQL: the matches of every kind asked for in one statement, each kind's page a JSON array in its
        list's shape (lib/aggregate.py); the others []."""

        trigrams = await self._has_trigrams()

        def build() -> AnySelect:
            empty: ColumnElement[Any] = literal_column("'[]'")
            pages: dict[str, Callable[[], Any]] = {
                "communities": lambda: _json_rows(CommunityOut, self._communities(page.shape, trigrams)),
                "companies": lambda: _json_rows(
                    CompanyOut, self._companies(page.shape, trigrams), skills=CompanySkill.company_id
                ),
                "posts": lambda: self._content_json(PostOut, POSTS, _live_posts, page.shape, "posts", trigrams),
                "events": lambda: self._content_json(EventOut, EVENTS, _live_events, page.shape, "events", trigrams),
            }
            return select(*((pages[kind]() if kind in kinds else empty).label(kind) for kind in pages))

        statement = self.prepared(("search", tuple(kinds), page.shape, trigrams), build)
        row = await self.driver_row(statement, {**self._params(words, CONTENT, page), **content_viewer_params(viewer)})
        assert row is not None, "one row of four arrays"
        return {
            "communities": decode_list(row.communities, CommunityOut),
            "companies": decode_list(row.companies, CompanyOut),
            "posts": decode_list(row.posts, PostOut),
            "events": decode_list(row.events, EventOut),
        }

    async def _has_trigrams(self) -> bool:
        """Whether the database has the pg_trgm extension (db/models/search.py), read on a process's first search
        of it (an extension installed later is seen after a restart)."""
        connection = await self.session.connection()
        key = str(connection.engine.url)
        if (known := _TRIGRAMS.get(key)) is None:
            known = _TRIGRAMS[key] = bool(await connection.scalar(HAS_TRIGRAMS))
        return known

    def _communities(self, shape: str, trigrams: bool = False) -> AnySelect:
        best = self._best(COMMUNITY, Community.id, Community.name, _live_communities, shape, "communities", trigrams)
        query = COMMUNITIES.add_columns(best.c[RELEVANCE]).join(best, best.c.id == Community.id)
        return query.order_by(best.c[RELEVANCE].desc(), Community.id.desc())

    def _companies(self, shape: str, trigrams: bool = False) -> AnySelect:
        best = self._best(COMPANY, Company.id, Company.name, _companies, shape, "companies", trigrams)
        query = COMPANIES.order_by(None).add_columns(best.c[RELEVANCE]).join(best, best.c.id == Company.id)
        return query.order_by(best.c[RELEVANCE].desc(), Company.id.desc())

    def _content_query(
        self, out: type[Out], listing: AnySelect, live: Live, shape: str, kind: str, trigrams: bool = False
    ) -> AnySelect:
        best = self._best(CONTENT, Content.id, Content.title, live, shape, kind, trigrams)
        order = KeysetOrder(RELEVANCE, best.c[RELEVANCE], Content.id, descending=True)
        query = listing.add_columns(best.c[RELEVANCE]).join(best, best.c.id == Content.id)
        return self.content.listing(query.order_by(*order.columns), out, order)

    def _content_json(
        self, out: type[Out], listing: AnySelect, live: Live, shape: str, kind: str, trigrams: bool
    ) -> Any:
        """The page's JSON array alone (`page_json`'s first column), as a value of the one statement."""
        statement = self._content_query(out, listing, live, shape, kind, trigrams)
        return statement.with_only_columns(statement.selected_columns[0]).scalar_subquery()

    # --- SQLite: one statement per kind, plus its nested lists ----------------------------------------------------

    async def communities(self, words: Sequence[str], page: Page) -> list[CommunityOut]:
        """Live communities by their name, tags and description."""
        statement = self.prepared(("search_communities", page.shape), lambda: self._communities(page.shape))
        rows = await self.rows(statement, self._params(words, COMMUNITY, page))
        return [CommunityOut.from_row(row) for row in rows]

    async def companies(self, words: Sequence[str], page: Page) -> list[CompanyOut]:
        """Companies by their name and description, with their skills (`CompanyRepository.with_skills`)."""
        return await self.company_lists.with_skills(
            ("search_companies", page.shape), lambda: self._companies(page.shape), self._params(words, COMPANY, page)
        )

    async def posts(self, words: Sequence[str], page: Page) -> list[PostOut]:
        """Posts of live communities by their title, tags and body."""
        return await self._content(PostOut, POSTS, _live_posts, words, page)

    async def events(self, words: Sequence[str], page: Page, viewer: Principal | None) -> list[EventOut]:
        """Events of live communities (past ones too) by their title, tags, city, location and description, as
        `viewer` sees them (their participation; the organiser's figures)."""
        return await self._content(EventOut, EVENTS, _live_events, words, page, **content_viewer_params(viewer))

    async def _content(
        self, out: type[OutT], listing: AnySelect, live: Live, words: Sequence[str], page: Page, **values: Any
    ) -> list[OutT]:
        """Posts or events: the list's select (`listing`) of the matches, read as the lists read it
        (`ContentRepository.listing` / `read`)."""
        kind = "posts" if out is PostOut else "events"
        statement = self.prepared(
            ("search", out.__name__, page.shape), lambda: self._content_query(out, listing, live, page.shape, kind)
        )
        items, _ = await self.content.read(out, statement, {**self._params(words, CONTENT, page), **values})
        return items
