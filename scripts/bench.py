"""Benchmark of the hot read paths, served by Granian as in production.

    .venv/bin/python scripts/bench.py [--database-url URL] [--posts 2000] [--duration 10] [--connections 32]

Creates a fresh database (PostgreSQL database `wc_bench_<pid>` on the local server by default), migrates it, fills it
with companies, communities, posts (two media and two skills each) and events, starts `workcommunities run` with two
workers on a free loopback port, and measures requests per second and latency of each hot list for --duration seconds
per endpoint. The load comes from `wrk` when it is installed (apt-get install wrk), else from an asyncio httpx loop
(slower: the client then competes with the server for the two cores). Everything it starts, it stops; the bench
database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from workcommunities.db.models import (
    Community,
    Company,
    Content,
    ContentMedia,
    ContentSkill,
    Media,
    Membership,
    Skill,
    User,
)

ROOT = Path(__file__).resolve().parents[1]
ENDPOINTS = [
    "/content/posts?limit=20",
    "/events/upcoming?limit=20",
    "/communities/?limit=20",
    "/companies/?limit=20",
    "/reference/skills",
    "/health",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "workcommunities", *args], env=env, cwd=ROOT, check=True, capture_output=True)


async def fill(database_url: str, posts: int) -> None:
    engine = create_async_engine(database_url)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        skills = list((await conn.execute(select(Skill.id))).scalars())
        users = [{"id": uuid4(), "role": "student", "phone": f"+7900{i:07d}"} for i in range(200)]
        await conn.execute(insert(User), users)
        companies = [{"id": uuid4(), "name": f"Company {i:03d}", "description": "About us"} for i in range(50)]
        await conn.execute(insert(Company), companies)
        communities = [
            {"id": uuid4(), "company_id": companies[i % 50]["id"], "name": f"Community {i:03d}", "tags": ["a", "b"]}
            for i in range(100)
        ]
        await conn.execute(insert(Community), communities)
        members = [
            {"user_id": u["id"], "community_id": c["id"]} for j, u in enumerate(users) for c in communities[j % 7 :: 20]
        ]
        await conn.execute(insert(Membership), members)
        media = [
            {
                "id": uuid4(),
                "kind": "image",
                "mime": "image/png",
                "ext": "png",
                "size": 1000,
                "storage_key": uuid4().hex,
                "checksum": "0" * 64,
            }
            for _ in range(posts * 2)
        ]
        await conn.execute(insert(Media), media)
        rows, links, skill_links = [], [], []
        for i in range(posts):
            content_id = uuid4()
            is_event = i % 4 == 0
            rows.append(
                {
                    "id": content_id,
                    "community_id": communities[i % 100]["id"],
                    "type": "event" if is_event else "post",
                    "title": f"Item {i}",
                    "body": "Body text " * 10,
                    "description": "An event" if is_event else None,
                    "event_date": now + timedelta(days=i % 60 + 1) if is_event else None,
                    "tags": ["tag1", "tag2"],
                    "cost": 100,
                    "participant_payout": 0,
                    "created_at": now - timedelta(minutes=i),
                    "updated_at": now,
                }
            )
            links += [{"content_id": content_id, "media_id": media[2 * i + k]["id"], "position": k} for k in range(2)]
            skill_links += [
                {"content_id": content_id, "skill_id": skills[(i + k) % len(skills)], "position": k} for k in range(2)
            ]
        await conn.execute(insert(Content), rows)
        await conn.execute(insert(ContentMedia), links)
        await conn.execute(insert(ContentSkill), skill_links)
    async with engine.connect() as conn:
        # A live database has planner statistics; a freshly filled one gets them now.
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        if engine.dialect.name == "postgresql":
            await conn.execute(text("ANALYZE"))
    await engine.dispose()


def run_wrk(url: str, duration: int, connections: int) -> tuple[float, str]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    detail = f"p50 {p50.group(1) if p50 else '?'}, p99 {p99.group(1) if p99 else '?'}"
    if errors:
        detail += f", {errors.group(1)} non-2xx"
    return rps, detail


async def run_httpx(url: str, duration: int, connections: int) -> tuple[float, str]:
    latencies: list[float] = []
    failures = 0
    deadline = time.monotonic() + duration

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        while time.monotonic() < deadline:
            start = time.perf_counter()
            response = await client.get(url)
            latencies.append(time.perf_counter() - start)
            failures += response.status_code != 200

    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(connections)))
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    detail = f"p50 {p50:.1f}ms, p99 {p99:.1f}ms" + (f", {failures} non-200" if failures else "")
    return len(latencies) / duration, detail


async def create_database(server_url: str, name: str, drop: bool = False) -> None:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        statement = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' if drop else f'CREATE DATABASE "{name}"'
        await conn.execute(text(statement))
    await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database-url", help="use this (empty) database instead of creating one")
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    bench_db = None
    database_url = args.database_url
    if not database_url:
        bench_db = f"wc_bench_{os.getpid()}"
        asyncio.run(create_database(args.server_url, bench_db))
        database_url = make_url(args.server_url).set(database=bench_db).render_as_string(hide_password=False)
    data_dir = tempfile.mkdtemp(prefix="wc-bench-")
    env = {
        **os.environ,
        "ENV": "dev",
        "DATABASE_URL": database_url,
        "DATA_DIR": data_dir,
        "LOG_LEVEL": "WARNING",
        "AUTH_RATE_LIMIT_PER_MINUTE": "0",
    }
    server = None
    try:
        cli(env, "database", "upgrade", "--no-prompt")
        cli(env, "seed", "reference")
        asyncio.run(fill(database_url, args.posts))
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "workcommunities",
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--wc",
                str(args.workers),
                "--granian-no-access-log",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print("server did not start", file=sys.stderr)
                return 1
            time.sleep(0.2)
        tool = "wrk" if shutil.which("wrk") else "httpx"
        print(
            f"{args.posts} content rows, {args.workers} Granian workers, {args.connections} connections, "
            f"{args.duration}s per endpoint, load from {tool}"
        )
        for path in ENDPOINTS:
            url = base + path
            httpx.get(url, timeout=30).raise_for_status()  # warm up and fail fast on errors
            if tool == "wrk":
                rps, detail = run_wrk(url, args.duration, args.connections)
            else:
                rps, detail = asyncio.run(run_httpx(url, args.duration, args.connections))
            print(f"{path:32} {rps:8.0f} req/s   {detail}")
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)
        if bench_db:
            asyncio.run(create_database(args.server_url, bench_db, drop=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
