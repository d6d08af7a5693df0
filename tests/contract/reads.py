"""The old service's GET operations that answer a §1.12 shape: who may call each (contract §2) and the URLs to
call on the data set of world.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.contract import wire
from tests.contract.world import ROLES, SIGNED_IN, World


@dataclass(frozen=True)
class Read:
    """A GET operation (the old service's path template), who may call it, what it answers, and the URLs to call on
    the data set."""

    template: str
    roles: tuple[str, ...]
    spec: wire.Spec
    urls: Callable[[World], list[str]]


def _fixed(template: str) -> Callable[[World], list[str]]:
    return lambda _world: [template]


READS = (
    Read("/content/posts", ROLES, wire.ListOf(wire.CONTENT_ITEM), _fixed("/content/posts")),
    # One post and one event: this operation answers a ContentItem for either.
    Read(
        "/content/posts/{post_id}",
        ROLES,
        wire.CONTENT_ITEM,
        lambda w: [f"/content/posts/{w.post_id}", f"/content/posts/{w.event_id}"],
    ),
    Read("/content/stories/{story_id}", ROLES, wire.STORY, lambda w: [f"/content/stories/{w.story_id}"]),
    Read(
        "/content/users/{user_id}/posts/featured",
        ROLES,
        wire.ListOf(wire.POST),
        lambda w: [f"/content/users/{w.user_ids['student']}/posts/featured"],
    ),
    Read("/content/me/posts/featured", SIGNED_IN, wire.ListOf(wire.POST), _fixed("/content/me/posts/featured")),
    Read(
        "/content/me/posts/from-followed-communities",
        SIGNED_IN,
        wire.ListOf(wire.POST),
        _fixed("/content/me/posts/from-followed-communities"),
    ),
    Read(
        "/content/me/stories/from-followed-companies",
        SIGNED_IN,
        wire.ListOf(wire.STORY),
        _fixed("/content/me/stories/from-followed-companies"),
    ),
    Read("/events/upcoming", ROLES, wire.ListOf(wire.EVENT), _fixed("/events/upcoming")),
    Read("/events/my/upcoming", SIGNED_IN, wire.ListOf(wire.EVENT), _fixed("/events/my/upcoming")),
    Read("/companies/", ROLES, wire.ListOf(wire.COMPANY), _fixed("/companies/")),
    Read("/companies/me", ("company",), wire.COMPANY_DETAIL, _fixed("/companies/me")),
    Read("/companies/{company_id}", ROLES, wire.COMPANY_DETAIL, lambda w: [f"/companies/{w.company_id}"]),
    Read("/companies/me/followed", SIGNED_IN, wire.ListOf(wire.COMPANY), _fixed("/companies/me/followed")),
    Read("/communities/mine", SIGNED_IN, wire.ListOf(wire.COMMUNITY), _fixed("/communities/mine")),
    Read("/communities/joinable", SIGNED_IN, wire.ListOf(wire.COMMUNITY), _fixed("/communities/joinable")),
    Read("/communities/", ROLES, wire.ListOf(wire.COMMUNITY), _fixed("/communities/")),
    Read(
        "/communities/by-company/{company_id}",
        ROLES,
        wire.ListOf(wire.COMMUNITY),
        lambda w: [f"/communities/by-company/{w.company_id}"],
    ),
    Read(
        "/communities/{community_id}",
        ROLES,
        wire.COMMUNITY_DETAIL,
        lambda w: [f"/communities/{w.community_id}"],
    ),
    Read(
        "/communities/{community_id}/posts",
        ROLES,
        wire.ListOf(wire.POST),
        lambda w: [f"/communities/{w.community_id}/posts"],
    ),
    Read("/profiles/me", SIGNED_IN, wire.PROFILE, _fixed("/profiles/me")),
    Read("/reference/spheres", ROLES, wire.ListOf(wire.SPHERE), _fixed("/reference/spheres")),
    Read("/reference/skills", ROLES, wire.ListOf(wire.SKILL), _fixed("/reference/skills")),
    Read("/reference/statuses", ROLES, wire.ListOf(wire.STATUS), _fixed("/reference/statuses")),
    Read("/users/", ("admin",), wire.ListOf(wire.USER), _fixed("/users/")),
    Read(
        "/users/{user_id}",
        ROLES,
        wire.USER_DETAIL,
        lambda w: [f"/users/{w.user_ids[role]}" for role in SIGNED_IN],
    ),
    Read("/health", ROLES, wire.STATUS_OK, _fixed("/health")),
)

# The one GET of the old service that answers no JSON shape: the raw bytes of a file.
NOT_A_SHAPE = {("GET", "/media/{media_id}")}
