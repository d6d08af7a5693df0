"""`/media`: upload (any signed-in user) and anonymous download by id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import FromPath
from litestar.response import Stream

from workcommunities.domain.auth.guards import require_user
from workcommunities.domain.media.deps import media_service
from workcommunities.domain.media.filetypes import UPLOAD_TYPES
from workcommunities.domain.media.schemas import MediaOut
from workcommunities.domain.media.services import MediaService
from workcommunities.lib.errors import documented
from workcommunities.lib.security import Principal


@dataclass
class MultipartUploadOperation(Operation):
    """The upload reads its multipart body itself (streaming, with a limit from the settings), so the framework
    sees no `data` parameter; this documents the body it expects."""

    def __post_init__(self) -> None:
        file_schema = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        form = Schema(type=OpenAPIType.OBJECT, properties={"file": file_schema}, required=["file"])
        self.request_body = RequestBody(content={"multipart/form-data": OpenAPIMediaType(schema=form)}, required=True)


@dataclass
class FileDownloadOperation(Operation):
    """A file answers in its own type: one of the upload types, or `application/octet-stream` for a file imported
    from the old service whose type is unknown."""

    def __post_init__(self) -> None:
        answer = (self.responses or {}).get("200")
        if isinstance(answer, OpenAPIResponse):
            binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
            types = [kind.mime for kind in UPLOAD_TYPES] + ["application/octet-stream"]
            answer.content = {mime: OpenAPIMediaType(schema=binary) for mime in types}


_FILE_RESPONSES: dict[int, ResponseSpec] = {
    200: ResponseSpec(
        bytes,
        description="The file's bytes (206 for a byte range, 304 when the ETag matches)",
        media_type="application/octet-stream",
        generate_examples=False,
    ),
    **documented(404, validation=False),
}


class MediaController(Controller):
    path = "/media"
    tags = ["media"]
    dependencies = {"media": media_service}

    @get(
        "/{media_id:uuid}",
        responses=_FILE_RESPONSES,
        operation_class=FileDownloadOperation,
        summary="Download a media file (anonymous; ETag, byte ranges, long cache)",
    )
    async def download(
        self, media_id: FromPath[UUID], request: Request[Any, Any, Any], media: NamedDependency[MediaService]
    ) -> Response[Any]:
        result = await media.download(
            media_id,
            range_header=request.headers.get("range"),
            if_none_match=request.headers.get("if-none-match"),
            if_range=request.headers.get("if-range"),
        )
        if result.body is None:
            return Response(content=b"", status_code=result.status_code, headers=result.headers)
        return Stream(result.body, status_code=result.status_code, headers=result.headers, media_type=result.mime)

    @post(
        "/upload",
        guards=[require_user],
        status_code=200,
        responses=documented(401, 413, 415),
        operation_class=MultipartUploadOperation,
        # The service enforces MAX_UPLOAD_BYTES on the bytes received, so the framework's fixed cap is lifted here.
        request_max_body_size=None,
        summary="Upload an image (JPEG, PNG, WebP, GIF) or a video (MP4, QuickTime) as multipart field `file`",
    )
    async def upload(
        self, caller: NamedDependency[Principal], request: Request[Any, Any, Any], media: NamedDependency[MediaService]
    ) -> MediaOut:
        return await media.upload(
            caller.user_id,
            request.stream(),
            request.headers.get("content-type", ""),
            request.headers.get("content-length", ""),
        )
