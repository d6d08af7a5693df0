"""`/search`: one query across communities, companies, posts and events (rules: search/services.py, statements:
search/repositories.py)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency

from workcommunities.domain.search.deps import search_service
from workcommunities.domain.search.schemas import MAX_QUERY, SearchKinds, SearchOut, SearchQuery
from workcommunities.domain.search.services import SearchService
from workcommunities.lib.errors import documented
from workcommunities.lib.pagination import MAX_LIMIT, Page, page_provider
from workcommunities.lib.security import Principal

DESCRIPTION = f"""Public; a token shows the caller's participation in the events found.

Every kind asked for in `types` (default: all) answers its matches, best first, in the shape of its own list; a kind
not asked for is `[]`. `limit` (default 20, at most {MAX_LIMIT}) and `offset` apply to each kind.

`q` is 2 to {MAX_QUERY} characters once trimmed. Its words (letters and digits; anything else only separates them)
must all be found, each as the start of a word, so a word being typed matches. Names and titles, tags, descriptions,
bodies and an event's city and place are searched; a match in the name or title ranks first. Archived communities,
and their posts and events, are never found.

PostgreSQL finds the other forms of a Russian word (`программирования` finds `программирование`) and, when nothing
matches, names and titles with a similar word (a misspelling). It ranks at most 100 matches per kind (of posts and
events: the newest ones), and `offset` pages through those. The embedded SQLite finds words by their beginning only."""


class SearchController(Controller):
    path = "/search"
    tags = ["search"]
    dependencies = {"searches": search_service, "page": page_provider(20)}

    @get(
        "/",
        responses=documented(),
        summary="Search communities, companies, posts and events",
        description=DESCRIPTION,
    )
    async def search(
        self,
        q: SearchQuery,
        searches: NamedDependency[SearchService],
        viewer: NamedDependency[Principal | None],
        page: NamedDependency[Page],
        types: SearchKinds = None,
    ) -> Response[SearchOut]:
        found: Any = await searches.search(q, types, page, viewer)  # a Raw body is written out as it is
        return Response(found)
