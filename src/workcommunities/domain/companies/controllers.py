"""`/companies`."""

from __future__ import annotations

from litestar import Controller


class CompanyController(Controller):
    path = "/companies"
    tags = ["companies"]
