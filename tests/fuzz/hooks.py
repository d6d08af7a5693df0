"""Schemathesis hooks of our runs, loaded through `hooks` in schemathesis.toml (so a run by hand uses them too)."""

from __future__ import annotations

import schemathesis
from schemathesis import Case, HookContext, Response
from schemathesis.core.failures import Failure


@schemathesis.hook
def filter_failure(context: HookContext, failure: Failure, case: Case, response: Response) -> bool:
    """Drop the failures of a request sent as valid with an empty path parameter; keep every other one.

    Schemathesis fills a path parameter with a value read from an earlier response (a link, or its pool of seen
    values) and still counts the request as schema-valid, without checking that value against the parameter's schema.
    Our answers write a missing id as "" (the contract's non-null rule: a community without a company has
    `"company_id": ""`), so such a value sends `PATCH /admin/companies/{company_id}` to `PATCH /admin/companies/`, the
    collection's path, which rightly answers 405. No path parameter of the document admits "", so nothing such a
    request brings back says anything about the API."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return True
    return "" not in (case.path_parameters or {}).values()
