"""Health, readiness, error bodies, trailing slashes and the API documentation."""

from __future__ import annotations

from pathlib import Path

import httpx
from openapi_spec_validator import validate

from tests.conftest import make_settings
from tests.helpers import serve
from workcommunities.app import create_app


async def test_health_get_and_head(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    response = await client.head("/health")
    assert response.status_code == 200
    assert response.content == b""


async def test_ready_when_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_is_503_when_database_is_down(tmp_path: Path) -> None:
    # Port 1 on loopback refuses connections at once: a real, unreachable PostgreSQL address.
    app = create_app(make_settings(tmp_path, "postgresql+asyncpg://postgres@127.0.0.1:1/none"))
    async with serve(app) as client:
        response = await client.get("/ready")
        assert response.status_code == 503
        assert (await client.get("/health")).status_code == 200


async def test_unknown_route_and_method(client: httpx.AsyncClient) -> None:
    for path in ("/nope", "/nope/deeper", "/reference/nope"):
        response = await client.get(path)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not Found"}
    response = await client.post("/health")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}


async def test_both_trailing_slash_spellings_answer_without_redirect(client: httpx.AsyncClient) -> None:
    for path in ("/health", "/reference/statuses", "/reference/skills"):
        plain, slashed = await client.get(path), await client.get(path + "/")
        assert plain.status_code == slashed.status_code == 200
        assert plain.json() == slashed.json()
    response = await client.post("/auth/otp/request/", json={"phone": "+79990000001"})
    assert response.status_code == 204


async def test_validation_errors_are_422_lists(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/otp/request", json={"phone": "12345"})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "phone"]
    assert error["msg"]
    response = await client.post(
        "/auth/otp/request", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]
    response = await client.post("/auth/otp/verify", json={"phone": "+79990000001"})
    assert response.status_code == 422


async def test_get_with_json_content_type_and_no_body(client: httpx.AsyncClient) -> None:
    response = await client.get("/reference/statuses", headers={"Content-Type": "application/json"})
    assert response.status_code == 200


async def test_docs_pages_and_valid_openapi(client: httpx.AsyncClient, tmp_path: Path) -> None:
    for path in ("/docs", "/redoc"):
        response = await client.get(path)
        assert response.status_code == 200
        assert "text/html" in response.headers["content-type"]
        assert "WorkCommunities API" in response.text
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["info"]["title"] == "WorkCommunities API"
    assert document["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation.get("tags"), f"{method.upper()} {path} has no tag"
            assert operation.get("responses"), f"{method.upper()} {path} documents no response"
            if "400" in operation["responses"]:  # our error shape, not the framework's validation body
                schema = operation["responses"]["400"]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, f"{method.upper()} {path}"
            if "requestBody" in operation:
                assert "422" in operation["responses"], f"{method.upper()} {path} does not document 422"
