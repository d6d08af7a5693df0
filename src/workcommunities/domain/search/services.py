"""The search's rules: what the words of a query are, and which kinds are searched. What each kind may show (what its
lists show: no archived community, nor its posts and events) is written into its statement (repositories.py)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import msgspec

from workcommunities.db.models import Content
from workcommunities.domain.search.repositories import SearchRepository
from workcommunities.domain.search.schemas import KINDS, SearchOut
from workcommunities.lib.errors import BadRequest
from workcommunities.lib.pagination import Page
from workcommunities.lib.repository import Service
from workcommunities.lib.schema import dedupe
from workcommunities.lib.security import Principal

# A word: letters and digits. Everything else (spaces, punctuation, the operators of tsquery and FTS5) separates words.
WORD = re.compile(r"[^\W_]+")


def search_words(text: str) -> list[str]:
    """The words of a query, lower-cased (composed Unicode), each once, in order."""
    return dedupe(WORD.findall(unicodedata.normalize("NFC", text).lower()))


def search_kinds(kinds: str | None) -> list[str]:
    """The comma-separated kinds to search (None: all), each once; an unknown one is a 400 (the query parameter's
    pattern refuses it before, with a 422)."""
    if kinds is None:
        return list(KINDS)
    wanted = dedupe(kinds.split(","))
    if unknown := [kind for kind in wanted if kind not in KINDS]:
        raise BadRequest(f"Unknown types: {', '.join(unknown)}")
    return wanted


class SearchService(Service[Content, SearchRepository]):
    repository_type = SearchRepository

    async def search(
        self, text: str, kinds: str | None, page: Page, viewer: Principal | None
    ) -> SearchOut | msgspec.Raw:
        """The matches of each kind asked for, best first, a page of each: one statement on PostgreSQL, which writes
        the answer (`SearchOut` as it goes out), one per kind (and its nested lists) on SQLite. A query without a
        word (only punctuation) matches nothing, without a statement."""
        found: dict[str, list[Any]] = {kind: [] for kind in KINDS}
        wanted = search_kinds(kinds)
        if not (words := search_words(text)):
            return SearchOut(**found)
        if self.repository.on_postgresql:
            return await self.repository.every_kind(words, wanted, page, viewer)
        if "communities" in wanted:
            found["communities"] = await self.repository.communities(words, page)
        if "companies" in wanted:
            found["companies"] = await self.repository.companies(words, page)
        if "posts" in wanted:
            found["posts"] = await self.repository.posts(words, page)
        if "events" in wanted:
            found["events"] = await self.repository.events(words, page, viewer)
        return SearchOut(**found)
