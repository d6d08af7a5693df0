"""Prometheus metrics (lib/metrics.py): off by default, behind a bearer token when on, counted across Granian's
worker processes."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import granian, new_phone
from workcommunities.settings import Settings, SettingsError

REQUESTS = 40


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_behind_a_token_summed_over_workers(app: Litestar, database_url: str, tmp_path: Path) -> None:
    token = secrets.token_urlsafe(32)
    files = tmp_path / "metrics"
    files.mkdir()
    (files / "counter_1.db").write_bytes(b"an earlier server's counts")  # removed when the server starts
    (files / "notes.txt").write_text("the operator's")  # left alone
    env = {
        "ENV": "dev",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path),
        "METRICS_TOKEN": token,
        "PROMETHEUS_MULTIPROC_DIR": str(files),
    }
    phone = new_phone()
    with granian(env, workers=2) as base:
        for _ in range(REQUESTS):  # a connection each, so both workers take some
            assert httpx.get(f"{base}/communities/", headers={"Connection": "close"}).status_code == 200
        assert httpx.post(f"{base}/auth/otp/request", json={"phone": phone}).status_code == 204
        assert httpx.post(f"{base}/auth/otp/request", json={"phone": phone}).status_code == 429  # resent too soon
        assert httpx.get(f"{base}/metrics").status_code == 401
        assert httpx.get(f"{base}/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        scraped = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"})
        openapi = httpx.get(f"{base}/openapi.json").json()
    assert scraped.status_code == 200, scraped.text
    samples = _samples(scraped.text)
    listed = (("app_name", "workcommunities"), ("method", "GET"), ("path", "/communities"), ("status_code", "200"))
    assert samples[("workcommunities_requests_total", listed)] == REQUESTS
    assert samples[("workcommunities_otp_codes_sent_total", ())] == 1
    assert samples[("workcommunities_rate_limit_refusals_total", (("path", "/auth/otp/request"),))] == 1
    assert samples[("workcommunities_db_pool_connections_in_use", ())] == 0  # every connection is back
    # Only the workers observe requests: a histogram file each, so the sums above came from both workers' files.
    serving = {file.stem.rsplit("_", 1)[-1] for file in files.glob("histogram_*.db")}
    assert len(serving) == 2, serving
    assert not (files / "counter_1.db").exists() and (files / "notes.txt").read_text() == "the operator's"
    assert "/metrics" not in openapi["paths"]


async def test_metrics_are_off_by_default(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics")).status_code == 404


def test_a_short_metrics_token_is_refused_in_production() -> None:
    settings = Settings(jwt_secret="s" * 48, sms_gateway_url="http://sms", metrics_token="short")
    with pytest.raises(SettingsError, match="METRICS_TOKEN"):
        settings.check()
