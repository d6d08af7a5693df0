"""The search's query parameters and its answer: each kind's matches in the shape of that kind's list."""

from __future__ import annotations

from typing import Annotated, Final

from litestar.params import QueryParameter

from workcommunities.domain.communities.schemas import CommunityOut
from workcommunities.domain.companies.schemas import CompanyOut
from workcommunities.domain.content.schemas import PostOut
from workcommunities.domain.events.schemas import EventOut
from workcommunities.lib.schema import NON_BLANK, Out

KINDS: Final = ("communities", "companies", "posts", "events")
MAX_QUERY = 100
_KIND = f"({'|'.join(KINDS)})"

# At least two characters once trimmed: two characters that `str.strip()` keeps, anywhere (the pattern is searched).
SearchQuery = Annotated[
    str,
    QueryParameter(
        min_length=2,
        max_length=MAX_QUERY,
        pattern=f"{NON_BLANK}[\\s\\S]*{NON_BLANK}",
        description=f"What to look for: 2 to {MAX_QUERY} characters once trimmed; words, maybe unfinished",
    ),
]
SearchKinds = Annotated[
    str | None,
    QueryParameter(
        pattern=f"^ *{_KIND} *(, *{_KIND} *)*$",
        description=f"The kinds to search, comma-separated, among {', '.join(KINDS)} (default: all)",
    ),
]


class SearchOut(Out):
    """Each kind's matches, best first, as its list shows them (`GET /communities/`, `GET /companies/`, a post of
    `GET /content/posts`, an event of `GET /events/upcoming`); a kind not asked for is []."""

    communities: list[CommunityOut]
    companies: list[CompanyOut]
    posts: list[PostOut]
    events: list[EventOut]
