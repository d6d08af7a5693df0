"""Application factory: wiring only."""

from __future__ import annotations

import gc
from http import HTTPStatus

from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, RedocRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, OpenAPI, OpenAPIResponse, SecurityScheme
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar_granian import GranianPlugin

from workcommunities import __version__
from workcommunities.cli import CLIPlugin
from workcommunities.db.engine import create_db_config, database_plugins
from workcommunities.domain.admin.controllers import (
    AdminAuditController,
    AdminCommunityController,
    AdminCompanyController,
    AdminModerationController,
)
from workcommunities.domain.auth.controllers import AuthController
from workcommunities.domain.auth.guards import document_security, provide_caller, provide_viewer
from workcommunities.domain.auth.throttle import build_login_throttle
from workcommunities.domain.calendar.controllers import CalendarController
from workcommunities.domain.communities.controllers import CommunityController
from workcommunities.domain.companies.controllers import CompanyController
from workcommunities.domain.companies.deps import provide_company
from workcommunities.domain.content.controllers import ContentController
from workcommunities.domain.events.controllers import EventController
from workcommunities.domain.media.controllers import MediaController
from workcommunities.domain.media.storage import build_storage
from workcommunities.domain.profiles.controllers import ProfileController
from workcommunities.domain.reference.controllers import ReferenceController
from workcommunities.domain.reports.controllers import ReportController
from workcommunities.domain.search.controllers import SearchController
from workcommunities.domain.system.controllers import DocsController, SystemController
from workcommunities.domain.users.controllers import UserController
from workcommunities.lib.dependencies import resolve_sequentially
from workcommunities.lib.errors import exception_handlers
from workcommunities.lib.http_headers import allow_header, http_cache, security_headers
from workcommunities.lib.logs import configure_logging, request_context, request_log
from workcommunities.lib.metrics import enable_metrics
from workcommunities.lib.pagination import NEXT_CURSOR
from workcommunities.lib.schema import TYPE_DECODERS, BodySchemaPlugin
from workcommunities.lib.security import RecentCallers, VerifiedTokens
from workcommunities.lib.sms import build_sms_sender
from workcommunities.settings import Settings, load_settings

AUTH_RATE_LIMIT_STORE = "auth_rate_limit"
LITESTAR_VALIDATION_400 = HTTPStatus.BAD_REQUEST.description


def _store(settings: Settings, namespace: str) -> Store:
    """Shared through Redis when configured, so several instances count together; otherwise in memory."""
    if settings.redis_url:
        # Imported only here: the Redis client weighs some 15 MB in every worker that does not use it.
        from litestar.stores.redis import RedisStore

        return RedisStore.with_client(url=settings.redis_url, namespace=f"workcommunities:{namespace}")
    return MemoryStore()


def _auth_router(settings: Settings) -> Router:
    middleware = []
    if settings.auth_rate_limit_per_minute > 0:
        limit = RateLimitConfig(rate_limit=("minute", settings.auth_rate_limit_per_minute), store=AUTH_RATE_LIMIT_STORE)
        middleware.append(limit.middleware)
    return Router(path="/", route_handlers=[AuthController], middleware=middleware)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    settings.check()
    db_config = create_db_config(settings)
    sms_sender = build_sms_sender(settings)
    login_throttle = build_login_throttle(
        settings.redis_url, limit=settings.login_failure_limit, window=settings.login_failure_window_seconds
    )
    configure_logging(settings.log_level, settings.log_format)
    resolve_sequentially()
    # Off unless METRICS_TOKEN is set (lib/metrics.py): then a route, a middleware, a hook and counters more.
    metrics = enable_metrics(settings.metrics_token) if settings.metrics_token else None
    if metrics is not None:
        metrics.watch_pool(db_config.get_engine())
        sms_sender = metrics.counting(sms_sender)
    app = Litestar(
        route_handlers=[
            *([metrics.router()] if metrics else []),
            SystemController,
            DocsController,
            _auth_router(settings),
            ReferenceController,
            MediaController,
            ContentController,
            EventController,
            CalendarController,
            CompanyController,
            CommunityController,
            SearchController,
            AdminCompanyController,
            AdminCommunityController,
            AdminAuditController,
            AdminModerationController,
            ProfileController,
            UserController,
            ReportController,
        ],
        # Who calls (see domain/auth/guards.py): `caller` behind a guard, `viewer` where a token is optional,
        # `company` (the caller's company) on company routes.
        dependencies={
            "caller": Provide(provide_caller),
            "viewer": Provide(provide_viewer),
            "company": Provide(provide_company),
        },
        plugins=[*database_plugins(db_config), GranianPlugin(), CLIPlugin(), BodySchemaPlugin()],
        type_decoders=TYPE_DECODERS,
        exception_handlers=exception_handlers,
        middleware=[request_context, *([metrics.middleware()] if metrics else []), http_cache],
        before_send=[
            security_headers(trust_tls=settings.trust_tls),
            allow_header(),
            request_log,
            *([metrics.refusal_hook()] if metrics else []),
        ],
        # What exists once started (routes, compiled statements, models) leaves the garbage collector's reach: full
        # collections under load then walk only what requests create, which keeps their pauses out of the p99.
        on_startup=[gc.freeze],
        # Close pooled connections on shutdown, so a stopping worker leaves none behind on the database.
        on_shutdown=[
            db_config.get_engine().dispose,
            sms_sender.close,
            login_throttle.close,
            *([metrics.stop] if metrics else []),
        ],
        stores={AUTH_RATE_LIMIT_STORE: _store(settings, AUTH_RATE_LIMIT_STORE)},
        state=State(
            {
                "settings": settings,
                "db_config": db_config,
                "sms_sender": sms_sender,
                "login_throttle": login_throttle,
                "recent_callers": RecentCallers(settings.auth_cache_seconds),
                "verified_tokens": VerifiedTokens(settings),
                # Built here so that a bad storage configuration stops the start, not the first upload.
                "media_storage": build_storage(settings),
            }
        ),
        cors_config=(
            CORSConfig(allow_origins=list(settings.cors_origins), expose_headers=[NEXT_CURSOR, "ETag"])
            if settings.cors_origins
            else None
        ),
        openapi_config=OpenAPIConfig(
            title="WorkCommunities API",
            version=__version__,
            description="Communities, companies, content and events for students and young specialists.",
            # Served under /schema; /docs, /redoc and /openapi.json are the old service's addresses (SystemController).
            path="/schema",
            render_plugins=[JsonRenderPlugin(), SwaggerRenderPlugin(), RedocRenderPlugin()],
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT"),
                }
            ),
        ),
        logging_config=None,  # lib/logs.py configures logging, for the whole process
        debug=False,
    )
    _document_validation_as_422(app.openapi_schema)
    document_security(app)
    return app


def _document_validation_as_422(schema: OpenAPI) -> None:
    """Litestar documents a 400 validation error on every route with input; ours answer 422 (declared per route with
    `documented()`), so drop the 400s that no route declared."""
    for item in (schema.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method)
            if operation is not None and operation.responses:
                response = operation.responses.get("400")
                if isinstance(response, OpenAPIResponse) and response.description == LITESTAR_VALIDATION_400:
                    del operation.responses["400"]
