"""The old service's 54 operations (contract Appendix C), as its OpenAPI document spells them
(`/work/shared/reference/seed-openapi.json`): method and path template, trailing slashes included.

Kept here as data so the contract suite runs on a clean clone without the shared folder; test_operations.py checks
that this list still equals the seed's document whenever that document is present.
"""

from __future__ import annotations

import re

OPERATIONS: tuple[tuple[str, str], ...] = (
    # auth (6)
    ("POST", "/auth/otp/request"),
    ("POST", "/auth/otp/verify"),
    ("POST", "/auth/company/otp/request"),
    ("POST", "/auth/company/otp/verify"),
    ("POST", "/auth/admin/signup"),
    ("POST", "/auth/admin/login"),
    # media (2)
    ("POST", "/media/upload"),
    ("GET", "/media/{media_id}"),
    # content (10)
    ("GET", "/content/posts"),
    ("POST", "/content/posts"),
    ("PATCH", "/content/posts/{post_id}"),
    ("GET", "/content/posts/{post_id}"),
    ("POST", "/content/stories"),
    ("GET", "/content/stories/{story_id}"),
    ("GET", "/content/users/{user_id}/posts/featured"),
    ("GET", "/content/me/posts/featured"),
    ("GET", "/content/me/posts/from-followed-communities"),
    ("GET", "/content/me/stories/from-followed-companies"),
    # events (5)
    ("GET", "/events/upcoming"),
    ("GET", "/events/my/upcoming"),
    ("POST", "/events/"),
    ("POST", "/events/{event_id}/join"),
    ("DELETE", "/events/{event_id}/join"),
    # companies (7)
    ("GET", "/companies/"),
    ("GET", "/companies/me"),
    ("PATCH", "/companies/me"),
    ("GET", "/companies/{company_id}"),
    ("GET", "/companies/me/followed"),
    ("POST", "/companies/{company_id}/follow"),
    ("DELETE", "/companies/{company_id}/follow"),
    # communities (12)
    ("GET", "/communities/mine"),
    ("GET", "/communities/joinable"),
    ("GET", "/communities/"),
    ("POST", "/communities/"),
    ("GET", "/communities/by-company/{company_id}"),
    ("GET", "/communities/{community_id}"),
    ("PATCH", "/communities/{community_id}"),
    ("POST", "/communities/{community_id}/follow"),
    ("DELETE", "/communities/{community_id}/follow"),
    ("GET", "/communities/{community_id}/posts"),
    ("POST", "/communities/{community_id}/cases"),
    ("DELETE", "/communities/{community_id}/cases/{case_id}"),
    # admin (4)
    ("POST", "/admin/companies"),
    ("PATCH", "/admin/companies/{company_id}"),
    ("POST", "/admin/communities"),
    ("PATCH", "/admin/communities/{community_id}"),
    # profiles (2)
    ("GET", "/profiles/me"),
    ("PATCH", "/profiles/me"),
    # reference (3)
    ("GET", "/reference/spheres"),
    ("GET", "/reference/skills"),
    ("GET", "/reference/statuses"),
    # users (2)
    ("GET", "/users/"),
    ("GET", "/users/{user_id}"),
    # root (1)
    ("GET", "/health"),
)

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def normalize(method: str, path: str) -> tuple[str, str]:
    """An operation as both services can be compared: upper-case method, parameters as `{}`, no trailing slash."""
    return method.upper(), re.sub(r"\{[^}]*\}", "{}", path).rstrip("/") or "/"


def openapi_operations(document: dict[str, object]) -> set[tuple[str, str]]:
    """The (METHOD, path) pairs of an OpenAPI document, spelt as the document spells them."""
    paths = document["paths"]
    assert isinstance(paths, dict)
    return {(method.upper(), path) for path, item in paths.items() for method in item if method in HTTP_METHODS}
