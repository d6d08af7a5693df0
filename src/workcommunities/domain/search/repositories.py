"""The search's statements: per kind, one that ranks the matches, takes a page of their ids, and reads those rows in
the shape of the kind's list with the list's own select (`COMMUNITIES`, `COMPANIES`, `POSTS`, `EVENTS`) joined to
them.

The search indexes are db/models/search.py's. The user's words come in as bind parameters, written into the query
language of the index here, each one quoted: no user text is ever part of the SQL, and none is read as an operator.

- PostgreSQL: every word as a prefix (`'word':*`, so a word being typed matches), all of them required, in the
  `russian` configuration (other forms of a word) or in the `simple` one (exact beginnings of words, stop words
  too): `to_tsquery('russian', …) || to_tsquery('simple', …)` against the `search_vector` column (its GIN index),
  ranked by `ts_rank` (the name or title weighs most). Misspellings are the fallback: when no row of any kind
  matches (asked for or not), and only then, the rows whose name or title has a word similar to the query
  (`pg_trgm`'s `<%`: word similarity of at least 0.6, through the GIN trigram index) are the matches, ranked by that
  similarity. (Merged after the full-text matches, near misses would pad every good answer; and a word that some
  kind has is no misspelling.) Every kind asked for in one statement (`every_kind`), each page as JSON
  (lib/aggregate.py).
- SQLite: the FTS5 table, each word quoted as a prefix (`"word"*`), all required, in the searchable columns only,
  ranked by `bm25` with the same weights. No stemming (a prefix finds the other forms of a word) and no fallback for
  misspellings. The nested lists take one more statement each, as in every list.

Ties are broken by the id, newest first.

What PostgreSQL ranks is capped, a choice for speed (bench/README.md, "Search speed"): a common word costs the same
whatever the size of the tables and however many rows it is in.

- At most `CANDIDATES` (100) rows of each kind are ranked per search, and the pages (`limit`, `offset`) are pages
  of them: a common word shows its best matches among those, not among all of its rows. Each kind has its own
  candidates, so what one kind finds never depends on the other kinds asked for.
- Posts and events are each read newest first (`ix_content_feed`) among the `RECENT` (1 000) newest rows of
  content: the candidates are the newest matches (a common word stops the scan after a few hundred rows). When fewer
  than `RARE` (10) of those rows (posts and events alike) match, the word is rare, and its matches are also read
  through the full-text index (at most `CANDIDATES` of them, the first that the index finds). A GIN scan builds the
  bitmap of every match before it returns the first, so its cost grows with the matches (14 ms for a word in a third
  of 120 000 rows): a word rare among the newest rows but common in older ones costs more. Between the two (a word
  in 1 to 10% of the newest rows), only its matches among the newest rows are found, of every kind.
- Communities and companies (smaller tables) are read through their GIN index, the first `CANDIDATES` matches.
- The statement is planned once per connection (`_planned_once`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar, cast
from uuid import UUID

import msgspec
from sqlalchemy import (
    CTE,
    BindParameter,
    ColumnElement,
    Float,
    Integer,
    Subquery,
    and_,
    bindparam,
    column,
    exists,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
    table,
    text,
    true,
    union,
    union_all,
)
from sqlalchemy import Text as TextType
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.visitors import replacement_traverse

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
from workcommunities.domain.search.schemas import KINDS, SearchOut
from workcommunities.lib.aggregate import json_list, json_object, text_constant, wire_lists
from workcommunities.lib.pagination import KeysetOrder, Page, paged
from workcommunities.lib.repository import Repository, Uses
from workcommunities.lib.schema import Out
from workcommunities.lib.security import Principal

OutT = TypeVar("OutT", bound=Out)
Live: TypeAlias = Callable[[AnySelect], AnySelect]  # a kind's filter: only what its lists show (no archived community)
# PostgreSQL ranks at most CANDIDATES rows of a table per search (posts and events together), found among its RECENT
# newest rows where an index keeps them in that order (content), and through the full-text index elsewhere or when
# fewer than RARE of those match (the module's docstring).
CANDIDATES = 100
RECENT = 1000
RARE = 10
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


def _listed(listing: AnySelect, query: AnySelect) -> AnySelect:
    """`query` with the WHERE of a list's select (`listing`): the matches are rows that the list would show, so that
    a page of them is a page of the list's rows."""
    criteria = listing.whereclause
    return query if criteria is None else query.where(criteria)


def _live_community(query: AnySelect) -> AnySelect:
    return query.where(LIVE)


def _as_listed(query: AnySelect) -> AnySelect:
    return query


@dataclass(frozen=True)
class Kind:
    """What is searched of one kind: its index, its rows' id and name or title, and which rows it shows: those of its
    lists, whose select is `listing` (its WHERE: the rows of the kind), with `shown`'s joins and filters (no archived
    community). Posts and events share a table, an index and `shown`."""

    name: str
    index: Searchable
    row_id: InstrumentedAttribute[UUID]
    title: InstrumentedAttribute[str]
    listing: AnySelect
    shown: Live
    newest: tuple[InstrumentedAttribute[Any], ...] = ()  # the table's newest-first order, backed by an index

    def live(self, query: AnySelect) -> AnySelect:
        """`query` of the rows the kind's lists show."""
        return _listed(self.listing, self.shown(query))


COMMUNITY_KIND = Kind("communities", COMMUNITY, Community.id, Community.name, COMMUNITIES, _live_community)
COMPANY_KIND = Kind("companies", COMPANY, Company.id, Company.name, COMPANIES, _as_listed)
NEWEST_CONTENT = (Content.created_at, Content.id)  # ix_content_feed
POST_KIND = Kind("posts", CONTENT, Content.id, Content.title, POSTS, in_live_communities, NEWEST_CONTENT)
EVENT_KIND = Kind("events", CONTENT, Content.id, Content.title, EVENTS, in_live_communities, NEWEST_CONTENT)
ALL_KINDS = (COMMUNITY_KIND, COMPANY_KIND, POST_KIND, EVENT_KIND)


def _first(kind: Kind, relevance: ColumnElement[float], condition: ColumnElement[bool]) -> AnySelect:
    """PostgreSQL: the first `CANDIDATES` rows of the kind that meet `condition` and show in its lists, with their
    `relevance`: only these rows are ranked, however many match. Without an order, the rows that the table's index
    finds first. Each kind has its own: what a kind finds never depends on the other kinds asked for."""
    query = kind.live(select(kind.row_id.label("id"), relevance.label(RELEVANCE)))
    return query.where(condition).limit(_number(CANDIDATES))


def _number(value: int) -> ColumnElement[int]:
    """A number of the project's own written into the SQL (a limit): the same plan whatever the search."""
    return literal_column(str(value), Integer)


def _full_text(kind: Kind) -> CTE:
    """The rows of the kind whose texts have every word (`_first`), ranked by `ts_rank`.

    Where the table has a newest-first index (content), the newest matches among its `RECENT` newest rows, read in
    that order: a common word is found in the first few hundred, a rarer one costs `RECENT` rows at most, whatever
    the size of the table. Only when fewer than `RARE` of them match are the matches also read through the
    full-text (GIN) index: a GIN scan builds the bitmap of every match first, which grows with the table (14 ms for
    a word in a third of 120 000 rows), so a word rare among the newest rows but common in older ones costs more.
    Elsewhere (the smaller tables of communities and companies), the GIN index alone."""
    vector = literal_column(f"{kind.index.table}.{VECTOR}", TSVECTOR)
    words = select(_words_query()).scalar_subquery()
    rank = func.ts_rank(vector, words, type_=Float)
    matches = vector.bool_op("@@")(words)
    if not (newest := kind.newest):
        return _first(kind, rank, matches).cte(f"{kind.name}_matches")
    at, row_id = newest
    oldest_recent = select(at).order_by(at.desc(), row_id.desc()).offset(_number(RECENT - 1)).limit(_number(1))
    since = at >= func.coalesce(oldest_recent.scalar_subquery(), literal_column("'-infinity'", at.type))
    # coalesce(): not a condition the GIN index could take, so the rows are read in the order, not by the index.
    in_order = _first(kind, rank, and_(since, func.coalesce(matches, false()))).order_by(at.desc(), row_id.desc())
    recent = in_order.cte(f"{kind.name}_recent")
    # Rare: fewer than RARE of the newest rows match, whatever their kind, so that what a kind finds never depends on
    # the kinds asked for (a word common in recent posts finds no old events either).
    newest_matches = (
        kind.shown(select(row_id).where(since, func.coalesce(matches, false())))
        .order_by(at.desc(), row_id.desc())  # read from the index in its order, as the candidates are
        .limit(_number(RARE))
    )
    rare = select(func.count()).select_from(newest_matches.subquery()).scalar_subquery() < _number(RARE)
    indexed = _first(kind, rank, and_(rare, matches))
    return union(recent.select(), indexed).cte(f"{kind.name}_matches")


def _similar(kind: Kind, misspelt: ColumnElement[bool]) -> CTE:
    """When `misspelt`, the rows of the kind whose name or title has a word like the words (`_first`; `<%`, through
    the GIN trigram index), ranked by that similarity."""
    title = kind.title
    similar_to = select(SIMILAR_TO).scalar_subquery()
    similarity = func.word_similarity(similar_to, title, type_=Float)
    condition = and_(misspelt, similar_to.bool_op("<%")(title))
    return _first(kind, similarity, condition).cte(f"{kind.name}_similar")


def _planned_once(statement: AnySelect, varying: Collection[str], constants: Mapping[str, Any]) -> AnySelect:
    """`statement` as PostgreSQL plans it once per connection. Its parameters whose values change from one search to
    the next (`varying`: the words, an offset, a signed-in reader) are read through a scalar subquery, `(SELECT $1)`
    (an InitPlan, run once); every other one is a constant of the statement (a kind's type, an anonymous reader's
    `constants`) and is written into the SQL. The plan then is the same whatever the values, so PostgreSQL's plan
    cache settles on one generic plan (after its first five executions) instead of planning every execution afresh
    (custom plans, ~5 ms for this statement: more than running it), and it still plans with the constants (an
    anonymous reader's per-event lookups fall away). Literal parameters (the page's limit) stay as they are."""

    def planned(element: Any, **_: Any) -> Any:
        if not isinstance(element, BindParameter) or element.literal_execute:
            return None
        if element.key in constants:
            constant = _constant(constants[element.key])
        elif element.key in varying or element.required:  # a value that every execution brings
            constant = None
        else:
            constant = _constant(element.effective_value)
        return select(element).scalar_subquery() if constant is None else constant

    return cast(AnySelect, replacement_traverse(statement, {}, planned))


def _constant(value: Any) -> ColumnElement[Any] | None:
    """A constant of the project's statements (never user input) as SQL, or None for a value not written here."""
    if value is None:
        return null()
    if isinstance(value, bool):
        return true() if value else false()
    if isinstance(value, int):
        return literal_column(str(value), Integer)
    if isinstance(value, str) and "'" not in value:  # str enums too (a content type)
        return text_constant(value)
    return None


def _sqlite_matches(kind: Kind) -> Subquery:
    """SQLite: the ids and relevance (bm25, negated: higher is better) of the live rows that match the words."""
    index = kind.index
    fts = table(index.fts, column("id", Content.id.type))
    name: ColumnElement[Any] = literal_column(index.fts)
    weights: list[ColumnElement[Any]] = [literal_column("0.0"), literal_column("0.0")]  # id, key
    weights += [literal_column(repr(field.bm25)) for field in index.fields]
    relevance = (-func.bm25(name, *weights, type_=Float)).label(RELEVANCE)
    query = select(kind.row_id.label("id"), relevance).join(fts, fts.c.id == kind.row_id)
    return kind.live(query.where(name.bool_op("MATCH")(FTS_MATCH))).subquery("hits")


def _json_rows(out: type[Out], query: AnySelect, *, skills: InstrumentedAttribute[UUID] | None = None) -> Any:
    """The rows of a column SELECT (its labels are `out`'s fields) as a JSON array in its order: a value of the one
    statement (PostgreSQL). `skills`: the owner column of the rows' ordered skills."""
    rows = query.subquery()
    fields: dict[str, Any] = dict(rows.c.items())
    if skills is not None:
        fields["skills"] = ordered_json(skills, rows.c.id)
    item = json_object(out, fields)
    return select(json_list(item, rows.c[RELEVANCE].desc(), rows.c.id.desc())).scalar_subquery()


class SearchRepository(Repository[Content]):
    model_type = Content

    content = Uses(ContentRepository)
    company_lists = Uses(CompanyRepository)

    def _params(self, words: Sequence[str], index: Searchable, page: Page) -> dict[str, Any]:
        if self.on_postgresql:
            words_params = {TSQUERY_WORDS.key: tsquery(words), SIMILAR_TO.key: " ".join(words)}
        else:
            words_params = {FTS_MATCH.key: fts5_query(words, index)}
        return {**page.params(), **words_params}

    async def every_kind(
        self, words: Sequence[str], kinds: Sequence[str], page: Page, viewer: Principal | None
    ) -> msgspec.Raw:
        """PostgreSQL: the matches of every kind asked for in one statement, each kind's page a JSON array in its
        list's shape (lib/aggregate.py), the others []: the `SearchOut` body as it goes out."""

        trigrams = await self._has_trigrams()
        asked = [kind for kind in ALL_KINDS if kind.name in kinds]  # in one order: one statement per set of kinds

        def build() -> AnySelect:
            # Misspelt: not one row of any kind has the words, asked for or not, so that what a kind finds never depends
            # on the others asked for (a one-time filter: each kind's matches are read up to their first).
            found = {kind.name: _full_text(kind) for kind in ALL_KINDS}
            misspelt = ~or_(*(exists(matches.select()) for matches in found.values()))
            similar = {kind.name: _similar(kind, misspelt) for kind in asked} if trigrams else {}

            def hits(kind: Kind) -> Subquery:
                scans = [found[kind.name]] + ([similar[kind.name]] if trigrams else [])
                return union_all(*(select(scan.c.id, scan.c[RELEVANCE]) for scan in scans)).subquery("hits")

            shape = page.shape
            pages: dict[str, Callable[[], Any]] = {
                "communities": lambda: _json_rows(CommunityOut, self._communities(shape, hits(COMMUNITY_KIND))),
                "companies": lambda: _json_rows(
                    CompanyOut, self._companies(shape, hits(COMPANY_KIND)), skills=CompanySkill.company_id
                ),
                "posts": lambda: self._content_json(PostOut, POSTS, shape, POST_KIND, hits(POST_KIND)),
                "events": lambda: self._content_json(EventOut, EVENTS, shape, EVENT_KIND, hits(EVENT_KIND)),
            }
            empty: ColumnElement[Any] = literal_column("'[]'")
            return select(*((pages[kind]() if kind in kinds else empty).label(kind) for kind in pages))

        reader = content_viewer_params(viewer)
        params = {**self._params(words, CONTENT, page), **reader}
        constants = reader if viewer is None else {}  # an anonymous reader's are the same for every search
        key = ("search", tuple(kind.name for kind in asked), page.shape, trigrams, viewer is None)
        statement = self.prepared(key, lambda: _planned_once(build(), set(params) - set(constants), constants))
        row = await self.driver_row(statement, params)
        assert row is not None, "one row of four arrays"
        return wire_lists(SearchOut, {kind: getattr(row, kind) for kind in KINDS})

    async def _has_trigrams(self) -> bool:
        """Whether the database has the pg_trgm extension (db/models/search.py), read on a process's first search
        of it (an extension installed later is seen after a restart)."""
        connection = await self.session.connection()
        key = str(connection.engine.url)
        if (known := _TRIGRAMS.get(key)) is None:
            known = _TRIGRAMS[key] = bool(await connection.scalar(HAS_TRIGRAMS))
        return known

    @staticmethod
    def _best(hits: Subquery, shape: str, kind: Kind) -> Subquery:
        """A page of the matches (`hits`), best first (then the newest id): the only rows that the list's select
        then reads (by primary key), however many match."""
        best = select(hits.c.id, hits.c[RELEVANCE]).order_by(hits.c[RELEVANCE].desc(), hits.c.id.desc())
        return paged(best, shape=shape).subquery(f"{kind.name}_best")

    def _communities(self, shape: str, hits: Subquery) -> AnySelect:
        best = self._best(hits, shape, COMMUNITY_KIND)
        query = COMMUNITIES.add_columns(best.c[RELEVANCE]).join(best, best.c.id == Community.id)
        return query.order_by(best.c[RELEVANCE].desc(), Community.id.desc())

    def _companies(self, shape: str, hits: Subquery) -> AnySelect:
        best = self._best(hits, shape, COMPANY_KIND)
        query = COMPANIES.order_by(None).add_columns(best.c[RELEVANCE]).join(best, best.c.id == Company.id)
        return query.order_by(best.c[RELEVANCE].desc(), Company.id.desc())

    def _content_query(self, out: type[Out], listing: AnySelect, shape: str, kind: Kind, hits: Subquery) -> AnySelect:
        best = self._best(hits, shape, kind)
        order = KeysetOrder(RELEVANCE, best.c[RELEVANCE], Content.id, descending=True)
        query = listing.add_columns(best.c[RELEVANCE]).join(best, best.c.id == Content.id)
        return self.content.listing(query.order_by(*order.columns), out, order)

    def _content_json(self, out: type[Out], listing: AnySelect, shape: str, kind: Kind, hits: Subquery) -> Any:
        """The page's JSON array alone (`page_json`'s first column), as a value of the one statement."""
        statement = self._content_query(out, listing, shape, kind, hits)
        return statement.with_only_columns(statement.selected_columns[0]).scalar_subquery()

    # --- SQLite: one statement per kind, plus its nested lists ----------------------------------------------------

    async def communities(self, words: Sequence[str], page: Page) -> list[CommunityOut]:
        """Live communities by their name, tags and description."""
        statement = self.prepared(
            ("search_communities", page.shape),
            lambda: self._communities(page.shape, _sqlite_matches(COMMUNITY_KIND)),
        )
        rows = await self.rows(statement, self._params(words, COMMUNITY, page))
        return [CommunityOut.from_row(row) for row in rows]

    async def companies(self, words: Sequence[str], page: Page) -> list[CompanyOut]:
        """Companies by their name and description, with their skills (`CompanyRepository.with_skills`)."""
        return await self.company_lists.with_skills(
            ("search_companies", page.shape),
            lambda: self._companies(page.shape, _sqlite_matches(COMPANY_KIND)),
            self._params(words, COMPANY, page),
        )

    async def posts(self, words: Sequence[str], page: Page) -> list[PostOut]:
        """Posts of live communities by their title, tags and body."""
        return await self._content(PostOut, POSTS, POST_KIND, words, page)

    async def events(self, words: Sequence[str], page: Page, viewer: Principal | None) -> list[EventOut]:
        """Events of live communities (past ones too) by their title, tags, city, location and description, as
        `viewer` sees them (their participation; the organiser's figures)."""
        return await self._content(EventOut, EVENTS, EVENT_KIND, words, page, **content_viewer_params(viewer))

    async def _content(
        self, out: type[OutT], listing: AnySelect, kind: Kind, words: Sequence[str], page: Page, **values: Any
    ) -> list[OutT]:
        """Posts or events: the list's select (`listing`) of the matches, read as the lists read it
        (`ContentRepository.listing` / `read`)."""
        statement = self.prepared(
            ("search", out.__name__, page.shape),
            lambda: self._content_query(out, listing, page.shape, kind, _sqlite_matches(kind)),
        )
        items, _ = await self.content.read(out, statement, {**self._params(words, CONTENT, page), **values})
        return items
