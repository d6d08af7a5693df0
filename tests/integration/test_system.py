"""Health, readiness, error bodies, trailing slashes and the API documentation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate
from sqlalchemy import make_url, select, text

from tests.conftest import _admin_execute, make_settings
from tests.helpers import Api, bearer, serve
from workcommunities.app import create_app
from workcommunities.db.models import Case, Community, metadata


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


@pytest.fixture
def pg_database(make_pg_database: Callable[[], str]) -> str:
    return make_pg_database()


async def test_database_outage_is_503_and_the_next_request_reconnects(
    tmp_path: Path, pg_server_url: str, pg_database: str
) -> None:
    """No ping precedes a checkout (db/engine.py): a connection the database dropped fails one request with a 503,
    then the pool starts afresh."""
    app = create_app(make_settings(tmp_path, pg_database))
    async with app.state.db_config.get_engine().begin() as conn:
        await conn.run_sync(metadata.create_all)
    async with serve(app) as client:
        assert (await client.get("/content/posts")).status_code == 200
        # A database restart, as each pooled connection sees it: the server ends the session.
        name = str(make_url(pg_database).database)
        await _admin_execute(
            pg_server_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()",
            name=name,
        )
        response = await client.get("/content/posts")
        assert (response.status_code, response.json()) == (503, {"detail": "Service unavailable, try again"})
        assert response.headers["retry-after"] == "1"
        assert (await client.get("/content/posts")).status_code == 200


async def test_unreachable_database_is_503_on_every_route(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, "postgresql+asyncpg://postgres@127.0.0.1:1/none"))
    async with serve(app) as client:
        for method, path in (("GET", "/content/posts"), ("POST", "/auth/otp/request")):
            response = await client.request(method, path, json={"phone": "+79990000001"})
            assert (response.status_code, response.json()) == (503, {"detail": "Service unavailable, try again"})


async def test_times_built_by_postgresql_are_utc_whatever_the_database_timezone(
    tmp_path: Path, pg_server_url: str, pg_database: str
) -> None:
    """A community's cases are JSON that PostgreSQL writes (lib/aggregate.py) in the session's time zone: the engine
    sets it to UTC, so a database configured otherwise still answers what the Python path writes."""
    name = str(make_url(pg_database).database)
    await _admin_execute(pg_server_url, f"ALTER DATABASE \"{name}\" SET timezone TO 'Asia/Vladivostok'")
    app = create_app(make_settings(tmp_path, pg_database))
    async with app.state.db_config.get_engine().begin() as conn:
        await conn.run_sync(metadata.create_all)
    async with app.state.db_config.get_session() as session:
        community = Community(name="Tz")
        session.add(community)
        await session.flush()
        session.add(Case(community_id=community.id, title="Case", date=datetime(2026, 3, 1, 12, 30, 15, 5, tzinfo=UTC)))
        await session.commit()
    async with serve(app) as client:
        response = await client.get(f"/communities/{community.id.hex}")
        assert response.status_code == 200
        assert [case["date"] for case in response.json()["cases"]] == ["2026-03-01T12:30:15.000005Z"]


async def test_a_write_whose_commit_fails_is_never_acknowledged(tmp_path: Path, pg_database: str) -> None:
    """The commit runs before the answer is made (db/engine.py): when it fails, here at a deferred check that only
    runs at commit, the client gets an error, not a 2xx for data that is not there."""
    app = create_app(make_settings(tmp_path, pg_database))
    async with app.state.db_config.get_engine().begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(
            text(
                "CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF NEW.name = 'Refused at commit' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$"
            )
        )
        await conn.execute(
            text(
                "CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON community "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit()"
            )
        )
    async with serve(app) as client:
        headers = bearer(await Api(client).company())
        refused = await client.post("/communities/", json={"name": "Refused at commit"}, headers=headers)
        accepted = await client.post("/communities/", json={"name": "Accepted"}, headers=headers)
    assert refused.status_code == 500 and "detail" in refused.json()
    assert accepted.status_code == 200
    async with app.state.db_config.get_session() as session:
        names = set((await session.scalars(select(Community.name))).all())
    assert names == {"Accepted"}
