"""Liveness, readiness, and the API documentation at the old service's addresses."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, Response, get, head
from litestar.di import NamedDependency
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin, RedocRenderPlugin, SwaggerRenderPlugin
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE

from workcommunities.domain.system.deps import database_ready
from workcommunities.lib.errors import documented
from workcommunities.lib.schema import StatusOk


class SystemController(Controller):
    tags = ["system"]
    dependencies = {"database_ready": database_ready}

    @get("/health", summary="Liveness", sync_to_thread=False)
    def health(self) -> StatusOk:
        return StatusOk()

    @head("/health", summary="Liveness without a body", sync_to_thread=False)
    def health_head(self) -> None:
        return None

    @get(
        "/ready",
        summary="Readiness: 200 when the database answers, 503 otherwise",
        responses=documented(503, validation=False),
    )
    async def ready(self, database_ready: NamedDependency[bool]) -> Response[StatusOk]:
        if not database_ready:
            return Response(StatusOk(status="unavailable"), status_code=HTTP_503_SERVICE_UNAVAILABLE)
        return Response(StatusOk())


def _render(plugin: OpenAPIRenderPlugin, request: Request[Any, Any, Any]) -> Response[bytes]:
    schema = request.app.openapi_schema.to_schema()
    return Response(plugin.render(request, schema), media_type=plugin.media_type)


class DocsController(Controller):
    include_in_schema = False
    _json, _swagger, _redoc = JsonRenderPlugin(), SwaggerRenderPlugin(), RedocRenderPlugin()

    @get("/openapi.json", sync_to_thread=False, media_type=MediaType.JSON)
    def openapi_json(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        return _render(self._json, request)

    @get("/docs", sync_to_thread=False, media_type=MediaType.HTML)
    def swagger(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        return _render(self._swagger, request)

    @get("/redoc", sync_to_thread=False, media_type=MediaType.HTML)
    def redoc(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        return _render(self._redoc, request)
