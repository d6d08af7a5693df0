"""The issue's end-to-end flow: a company uploads an image, posts it into its community, and an anonymous client
reads the post in the unified feed and downloads the image through /media/<id> — on local storage and on S3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import make_settings, s3_settings
from tests.helpers import PNG, Api, bearer, payload, serve, upload
from workcommunities.app import create_app


async def publish_and_read(client: httpx.AsyncClient) -> None:
    token = await Api(client).company()
    image = payload(4096, PNG)
    response = await upload(client, token, image, filename="photo.bin", content_type="application/octet-stream")
    assert response.status_code == 200, response.text
    media = response.json()
    community = await client.post("/communities/", json={"name": "Flow"}, headers=bearer(token))
    assert community.status_code == 200, community.text
    body = {
        "community_id": community.json()["id"],
        "title": "Hello",
        "body": "With a picture",
        "media_uids": [media["id"]],
    }
    post = await client.post("/content/posts", json=body, headers=bearer(token))
    assert post.status_code == 200, post.text

    # The shipped app reads the feed with a leftover token and the misspelt `offest`.
    feed = await client.get(
        "/content/posts", params={"limit": 2, "offest": 0}, headers={"Authorization": "Bearer null"}
    )
    assert feed.status_code == 200
    [item] = feed.json()
    assert item["id"] == post.json()["id"]
    assert item["media"][0] == media
    assert item["media"][0]["url"] == f"/media/{media['id']}"

    download = await client.get(item["media"][0]["url"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.content == image


async def test_flow_on_local_storage(client: httpx.AsyncClient) -> None:
    await publish_and_read(client)


@pytest.mark.usefixtures("bucket")
async def test_flow_on_s3(client: httpx.AsyncClient, tmp_path: Path, database_url: str, s3_server: str) -> None:
    settings: dict[str, Any] = s3_settings(s3_server)
    async with serve(create_app(make_settings(tmp_path, database_url, **settings))) as s3_client:
        await publish_and_read(s3_client)
