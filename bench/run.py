"""`python -m bench` (`make bench`, `make bench-scale`): the served app against the machine's practical limit.

1. A fresh PostgreSQL database `wc_bench_<scale>` on the server of `--database-url` (`BENCH_DATABASE_URL`), migrated,
   with the reference data and `workcommunities seed demo --scale N` (`--keep` reuses one loaded before).
2. The app as the Containerfile serves it: `workcommunities run --wc <cores>` (Granian), ENV=prod with a fresh JWT
   secret, the rate limits off, login codes sent to a loopback SMS gateway of this process (bench/sms.py).
3. Each scenario under load from a separate process (wrk, or bench/load.py's stand-in), then the same for the
   minimal app (bench/minimal.py under `granian --workers <cores>`) on its scenarios.
4. SQL statements per request counted in-process (bench/statements.py); the workers' peak RSS from /proc.
5. The table, the targets (PASS/FAIL per line), `bench/results/<date>[-scaleN].json` and a PNG chart beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench import load, report, scenarios, statements
from bench.scenarios import Data, Scenario, Tokens
from bench.sms import SmsSink
from workcommunities.db.models import (
    Community,
    Company,
    Content,
    EventParticipant,
    Media,
    Membership,
    OtpCode,
    Role,
    Skill,
    User,
)
from workcommunities.demo import DemoSize
from workcommunities.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/"
TOKENS = 16  # students logged in for the authenticated reads (one per connection)
COMPANY_TOKENS = 4
WARM_UP = 3.0  # seconds of load on a server before its first scenario


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER),
        help="the PostgreSQL server (its database, if any, is only used to create the bench one) "
        "[BENCH_DATABASE_URL, default %(default)s]",
    )
    parser.add_argument("--database-name", help="default wc_bench_<scale>")
    parser.add_argument("--scale", type=float, default=1.0, help="seed demo --scale (default 1)")
    parser.add_argument("--keep", action="store_true", help="reuse the database if it holds this scale's data")
    parser.add_argument("--drop", action="store_true", help="drop the database (and its data folder) at the end")
    parser.add_argument("--duration", type=float, help="seconds per scenario (default 10, --quick 2)")
    parser.add_argument("--quick", action="store_true", help="2 s per scenario and a handful of scenarios")
    parser.add_argument(
        "--scale-pass",
        action="store_true",
        help="only the long lists' first and cursor pages, compared with the newest scale-1 results, with "
        "EXPLAIN (ANALYZE, BUFFERS) of their statements (make bench-scale)",
    )
    parser.add_argument("--scenarios", help=f"comma-separated subset of: {', '.join(scenarios.ORDER)}")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=cores(), help="Granian workers (default: one per core)")
    parser.add_argument("--load", choices=["auto", "wrk", "python"], default="auto", help="the load generator")
    parser.add_argument("--results-dir", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--work-dir", type=Path, help="data folder (media, logs): default bench/.work/<database>")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target line says FAIL")
    args = parser.parse_args(argv)
    if args.duration is None:
        args.duration = 2.0 if args.quick else 10.0
    if args.scenarios:
        args.keys = [key.strip() for key in args.scenarios.split(",") if key.strip()]
        if unknown := set(args.keys) - set(scenarios.ORDER):
            parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    else:
        args.keys = scenarios.SCALE_PASS if args.scale_pass else scenarios.QUICK if args.quick else scenarios.ORDER
    label = f"{args.scale:g}".replace(".", "_").replace("-", "_")
    args.database_name = args.database_name or f"wc_bench_{label}"
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database_name):
        parser.error("--database-name: lower-case letters, digits and _")
    return args


# --- processes ----------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tool(name: str, scripts: Path | None = None) -> list[str]:
    """A console script of `scripts` (default: this virtualenv's, the interpreter's folder), else through this
    interpreter."""
    script = (scripts or Path(sys.executable).parent) / name
    return [str(script)] if script.exists() else [sys.executable, "-m", name]


def served_environment(env: dict[str, str]) -> Path | None:
    """The scripts folder of an environment with the runtime dependencies alone, the Containerfile's
    (`uv sync --frozen --no-dev` with this interpreter, kept in bench/.work/venv for every run), for both servers:
    what a worker holds in memory is then a container's, not that of the test tools installed beside them (in the
    development environment PyJWT loads `cryptography` and Litestar its pydantic plugin, 16 MB more per worker).
    None, said so, where it cannot be made (no uv, no network for a package not cached): the servers then run in
    this environment, and the results say which (`served_from`)."""
    pinned = ROOT / ".tools" / "bin" / "uv"  # the Makefile's, the version that wrote uv.lock
    uv = str(pinned) if pinned.exists() else shutil.which("uv")
    venv = ROOT / "bench" / ".work" / "venv"
    if uv is None:
        print("uv is missing: the servers run in this environment, test tools included", flush=True)
        return None
    command = [uv, "sync", "--frozen", "--no-dev", "--quiet", "--python", sys.executable]
    done = subprocess.run(command, cwd=ROOT, env={**env, "UV_PROJECT_ENVIRONMENT": str(venv)}, capture_output=True)
    if done.returncode != 0:
        print(f"uv sync --no-dev failed, the servers run here: {done.stderr.decode()[-500:]}", flush=True)
        return None
    return venv / "bin"


def clean_environment() -> dict[str, str]:
    """This process's environment without anything that would configure the app or Granian behind our back."""
    settings = {name.upper() for name in Settings.__struct_fields__}
    return {
        key: value
        for key, value in os.environ.items()
        if key not in settings and key != "WEB_CONCURRENCY" and not key.startswith(("GRANIAN_", "LITESTAR_"))
    }


def run_cli(env: dict[str, str], cwd: Path, *args: str) -> str:
    result = subprocess.run([*tool("workcommunities"), *args], env=env, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"workcommunities {' '.join(args)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result.stdout


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def status_kb(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


class Server:
    """A Granian server in its own session; stopped with SIGTERM (Granian stops its workers), then SIGKILL to every
    process it started that is still there."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], cwd: Path, ready: str, log: Path) -> None:
        self.name, self.command, self.env, self.cwd, self.ready, self.log_path = name, command, env, cwd, ready, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [part.replace("{port}", str(self.port)) for part in command]
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command, env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 180  # the workers import the app: slow on a busy two-core machine
        while True:
            try:
                if httpx.get(self.url + self.ready, timeout=5).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                tail = self.log_path.read_text(errors="replace")[-3000:]
                raise SystemExit(f"the {self.name} server did not start ({' '.join(self.command)}):\n{tail}")
            time.sleep(0.3)

    def workers(self) -> list[int]:
        """Granian's worker processes (titled `granian … worker-N`)."""
        assert self.process is not None
        found = []
        for pid in descendants(self.process.pid):
            try:
                title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if re.search(r"\bworker-\d+\b", title):
                found.append(pid)
        return found

    def __exit__(self, *_exc: object) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        started = descendants(self.process.pid)
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for pid in started:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


# --- database -----------------------------------------------------------------------------------------------------


def bench_url(server_url: str, name: str) -> tuple[str, str]:
    """(the maintenance database's URL, the bench database's URL)."""
    server = make_url(server_url)
    admin = server if server.database else server.set(database="postgres")
    return admin.render_as_string(hide_password=False), server.set(database=name).render_as_string(hide_password=False)


async def admin_sql(admin_url: str, *statements_: str) -> Any:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            result = None
            for statement in statements_:
                answer = await conn.execute(text(statement))
                result = answer.scalar() if answer.returns_rows else None
            return result
    finally:
        await engine.dispose()


def marker(size: DemoSize) -> str:
    return f"wc-bench: seed demo {size}"


def prepare(args: argparse.Namespace, env: dict[str, str], work: Path) -> tuple[str, float]:
    """The bench database, loaded; returns its URL and the seconds the load took (0 when kept)."""
    admin_url, url = bench_url(args.database_url, args.database_name)
    name = args.database_name
    size = DemoSize.scaled(args.scale)
    comment = asyncio.run(
        admin_sql(
            admin_url,
            f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{name}'",  # noqa: S608
        )
    )
    dev = {**env, "ENV": "dev", "DATABASE_URL": url, "DATA_DIR": str(work), "LOG_LEVEL": "WARNING"}
    if args.keep and comment == marker(size) and (work / "media").is_dir():
        print(f"database {name}: kept ({comment})", flush=True)
        run_cli(dev, work, "database", "upgrade", "--no-prompt")  # the schema of the code under test
        return url, 0.0
    print(f"database {name}: loading {size}", flush=True)
    began = time.monotonic()
    asyncio.run(admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    run_cli(dev, work, "database", "upgrade", "--no-prompt")
    run_cli(dev, work, "seed", "reference")
    run_cli(dev, work, "seed", "demo", "--scale", f"{args.scale:g}")
    # Planner statistics now, and the visibility map and GIN indexes' pending lists as a live database has them
    # (autovacuum would get there later; a server may run without it, and a GIN index whose rows all wait in its
    # pending list is read whole by every search and looks dearer than a scan of its table to the planner).
    asyncio.run(admin_sql(url, "VACUUM ANALYZE", f"COMMENT ON DATABASE \"{name}\" IS '{marker(size)}'"))
    seconds = time.monotonic() - began
    print(f"database {name}: loaded in {seconds:.0f} s", flush=True)
    return url, seconds


async def discover(url: str) -> Data:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            live = select(Community.id, Community.company_id).where(Community.is_archived.is_(False))
            communities = (await conn.execute(live.order_by(Community.id))).all()
            companies = (await conn.execute(select(Company.id, Company.phone).order_by(Company.phone))).all()
            students = (
                await conn.execute(select(User.id, User.phone).where(User.role == Role.student).order_by(User.phone))
            ).all()
            media = (await conn.scalars(select(Media.id).order_by(Media.size, Media.id).limit(3))).all()
            skills = (await conn.scalars(select(Skill.id).order_by(Skill.id).limit(2))).all()
            feed = select(func.count()).select_from(Content).join(Community, Community.id == Content.community_id)
            feed_items = (await conn.scalar(feed.where(Community.is_archived.is_(False)))) or 0
            memberships: dict[str, set[str]] = {}
            for user_id, community_id in await conn.execute(select(Membership.user_id, Membership.community_id)):
                memberships.setdefault(user_id.hex, set()).add(community_id.hex)
            upcoming = (
                select(Content.id)
                .join(Community, Community.id == Content.community_id)
                .where(Community.is_archived.is_(False), Content.type == "event", Content.event_date > func.now())
                .order_by(Content.event_date, Content.id)
            )
            events = (await conn.scalars(upcoming)).all()
            participations: dict[str, set[str]] = {}
            for user_id, event_id in await conn.execute(select(EventParticipant.user_id, EventParticipant.content_id)):
                participations.setdefault(user_id.hex, set()).add(event_id.hex)
    finally:
        await engine.dispose()
    by_company: dict[str, list[str]] = {}
    for community_id, company_id in communities:
        if company_id is not None:
            by_company.setdefault(company_id.hex, []).append(community_id.hex)
    return Data(
        communities=[c.hex for c, _ in communities],
        companies=[c.hex for c, _ in companies],
        students=[(s.hex, phone) for s, phone in students if phone],
        small_media=[m.hex for m in media],
        skills=[s.hex for s in skills],
        feed_items=int(feed_items),
        memberships=memberships,
        company_communities=by_company,
        company_phones={c.hex: phone for c, phone in companies if phone},
        events=[e.hex for e in events],
        participations=participations,
    )


async def clean_up(url: str) -> None:
    """What the write scenarios left: their posts, the login codes, students made for fresh phones; then VACUUM, so
    what comes next (the minimal app, the next run on a kept database) reads the loaded data as it was."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(delete(Content).where(Content.title == scenarios.POST_TITLE))
            await conn.execute(delete(OtpCode))
            await conn.execute(delete(User).where(User.phone.startswith(scenarios.FRESH_PREFIX)))
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM (ANALYZE) content, content_media, content_skill, otp_code, membership"))
    finally:
        await engine.dispose()


# --- the run ------------------------------------------------------------------------------------------------------


def log_in(client: httpx.Client, sink: SmsSink, phone: str, company: bool = False) -> str:
    prefix = "/auth/company" if company else "/auth"
    sink.forget(phone)
    client.post(f"{prefix}/otp/request", json={"phone": phone}).raise_for_status()
    answer = client.post(f"{prefix}/otp/verify", json={"phone": phone, "code": sink.take(phone)})
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def probe(client: httpx.Client, scenario: Scenario, sink: SmsSink) -> str:
    """One request of the scenario (it also warms the worker up); "" when it answers 2xx, else what went wrong."""
    try:
        if scenario.spec["kind"] == "login":
            phones = scenario.spec["phones"]
            log_in(client, sink, phones[0] if phones else scenarios.FRESH_PHONE % (99, 0))
            return ""
        if not scenario.requests:
            return "nothing to request in this dataset"
        r = scenario.requests[0]
        answer = client.request(r["method"], r["path"], headers=r["headers"], content=r["body"])
    except (httpx.HTTPError, TimeoutError) as exc:
        return f"probe failed: {exc}"
    return "" if answer.is_success else f"probe {r['method']} {r['path']}: {answer.status_code} {answer.text[:200]}"


@dataclass
class Loader:
    wrk: str | None  # None: the pure-Python stand-in
    duration: float
    connections: int
    label: str = ""

    def __post_init__(self) -> None:
        self.label = "bench.load (Python)"
        if self.wrk:
            version = subprocess.run([self.wrk, "-v"], capture_output=True, text=True, check=False)
            found = re.search(r"wrk (?:\S*/)?(\d[\w.]*)", version.stdout + version.stderr)
            self.label = f"wrk {found.group(1) if found else ''}".strip()

    def run(self, url: str, spec: dict[str, Any], duration: float | None = None) -> load.LoadResult:
        seconds = duration or self.duration
        if self.wrk:
            return load.run_wrk(self.wrk, url, spec, seconds, self.connections)
        return load.run_python(url, spec, seconds, self.connections)


def loader(args: argparse.Namespace) -> Loader:
    wrk = None
    if args.load != "python":
        wrk = load.ensure_wrk()
        if wrk is None:
            if args.load == "wrk":
                raise SystemExit(f"wrk is not installed and could not be installed: {load.INSTALL_HINT}")
            print(f"wrk is not installed and could not be installed ({load.INSTALL_HINT});", flush=True)
            print("using the pure-Python load generator: it competes with the server for the CPU", flush=True)
    return Loader(wrk, args.duration, args.connections)


def measure(server: Server, chosen: list[Scenario], gen: Loader, sink: SmsSink) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    with httpx.Client(base_url=server.url, timeout=60) as client:
        # Warm-up, not recorded: fresh workers compile statements, fill pools and caches in their first requests,
        # which would otherwise count against whichever scenario comes first.
        if chosen and chosen[0].kind == "read" and not probe(client, chosen[0], sink):
            with contextlib.suppress(RuntimeError):
                gen.run(server.url, chosen[0].spec, min(WARM_UP, gen.duration))
        for scenario in chosen:
            problem = probe(client, scenario, sink)
            if problem:
                out[scenario.key] = {"error": problem}
                print(f"  {scenario.name:28} {problem}", flush=True)
                continue
            try:
                result = gen.run(server.url, scenario.spec)
            except RuntimeError as exc:
                out[scenario.key] = {"error": str(exc)}
                print(f"  {scenario.name:28} {exc}", flush=True)
            else:
                out[scenario.key] = {"load": result.as_dict()}
                errors = f", {result.errors} errors {result.statuses}" if result.errors else ""
                print(
                    f"  {scenario.name:28} {result.rps:8.0f} req/s  p50 {result.p50_ms:6.1f} ms  "
                    f"p99 {result.p99_ms:6.1f} ms{errors}",
                    flush=True,
                )
            if scenario.key in {"follow_unfollow", "join_leave"}:
                for r in scenario.requests:  # back to the loaded state, for the next run on this database
                    if r["method"] == "DELETE":
                        client.delete(r["path"], headers=r["headers"])
    return out


def log_in_everyone(server: Server, data: Data, sink: SmsSink) -> Tokens:
    """Student and company tokens through the real API (phone codes by way of the SMS sink)."""
    tokens = Tokens()
    with httpx.Client(base_url=server.url, timeout=60) as client:
        try:
            for sid, phone in data.students[:TOKENS]:
                token = log_in(client, sink, phone)
                tokens.students.append((sid, token))
                feed = client.post("/profiles/me/calendar-token", headers={"Authorization": f"Bearer {token}"})
                tokens.calendars.append(httpx.URL(feed.raise_for_status().json()["url"]).path)
            for cid in list(data.company_phones)[:COMPANY_TOKENS]:
                tokens.companies.append((cid, log_in(client, sink, data.company_phones[cid], company=True)))
        except (httpx.HTTPError, TimeoutError) as exc:
            raise SystemExit(f"logging the demo accounts in failed: {exc} (see {server.log_path})") from exc
    return tokens


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = datetime.now(UTC)
    env = clean_environment()
    work = (args.work_dir or ROOT / "bench" / ".work" / args.database_name).resolve()
    scripts = served_environment(env)
    url, load_seconds = prepare(args, env, work)
    gen = loader(args)
    secret, sms_token = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    codes_dir = work / "codes"
    shutil.rmtree(codes_dir, ignore_errors=True)
    with SmsSink(codes_dir, sms_token) as sink:
        prod = {
            **env,
            "ENV": "prod",
            "JWT_SECRET": secret,
            "DATABASE_URL": url,
            "DATA_DIR": str(work),
            "LOG_LEVEL": "WARNING",
            "AUTH_RATE_LIMIT_PER_MINUTE": "0",  # the per-IP limit on /auth: every request here comes from one IP
            "OTP_RESEND_SECONDS": "0",  # the per-phone throttles: the login scenario logs the same phones in
            "OTP_HOURLY_LIMIT": "1000000",
            "SMS_GATEWAY_URL": sink.url,
            "SMS_GATEWAY_TOKEN": sms_token,
        }
        data = asyncio.run(discover(url))
        command = [*tool("workcommunities", scripts), "run", "--host", "127.0.0.1", "--port", "{port}", "--wc"]
        print(f"WorkCommunities: {args.workers} Granian workers, load from {gen.label}", flush=True)
        with Server(
            "WorkCommunities", [*command, str(args.workers)], prod, work, "/health", work / "server.log"
        ) as ours:
            built = scenarios.build(data, log_in_everyone(ours, data, sink), str(codes_dir))
            chosen = [built[key] for key in args.keys]
            measured = measure(ours, chosen, gen, sink)
            rss = [round((status_kb(pid, "VmHWM") or 0) / 1024, 1) for pid in sorted(ours.workers())]
        asyncio.run(clean_up(url))
        measured_minimal: dict[str, dict[str, Any]] = {}
        if on_minimal := [] if args.scale_pass else [s for s in chosen if s.on_minimal]:
            minimal_env = {**env, "DATABASE_URL": url, "JWT_SECRET": secret, "DB_POOL_SIZE": "10"}
            command = [*tool("granian", scripts), "--interface", "asgi", "bench.minimal:app", "--host", "127.0.0.1"]
            command += ["--port", "{port}", "--workers", str(args.workers)]
            print(f"minimal app: {args.workers} Granian workers", flush=True)
            ready = "/content/posts?limit=1"
            with Server("minimal", command, minimal_env, ROOT, ready, work / "minimal.log") as minimal:
                measured_minimal = measure(minimal, on_minimal, gen, sink)
        print("SQL statements per request (in-process)", flush=True)
        settings = load_settings(environ=prod, env_file=work / "no.env")
        explain = set(args.keys) if args.scale_pass else set()
        counted = asyncio.run(statements.count(settings, chosen, sink, explain))
    asyncio.run(clean_up(url))

    results: dict[str, Any] = {
        "date": started.strftime("%Y-%m-%d"),
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": args.scale,
        "scale_pass": args.scale_pass,
        "quick": args.quick,
        "subset": bool(args.scenarios),
        "dataset": {**dataclasses.asdict(DemoSize.scaled(args.scale)), "feed_items": data.feed_items},
        "load_seconds": round(load_seconds),
        "machine": {"cores": cores(), "python": platform.python_version(), "system": platform.platform()},
        "workers": args.workers,
        "connections": args.connections,
        "duration_s": args.duration,
        "load_generator": gen.label,
        "served_from": "runtime dependencies only" if scripts else "the development environment",
        "worker_rss_mb": rss,
        "scenarios": [row(scenario, measured, measured_minimal, counted) for scenario in chosen],
    }
    if args.drop:
        admin_url, _ = bench_url(args.database_url, args.database_name)
        asyncio.run(admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{args.database_name}" WITH (FORCE)'))
        shutil.rmtree(work, ignore_errors=True)
    return finish(args, started, results)


def row(
    scenario: Scenario,
    measured: dict[str, dict[str, Any]],
    measured_minimal: dict[str, dict[str, Any]],
    counted: dict[str, statements.Counted],
) -> dict[str, Any]:
    """One scenario's line of the results file."""
    own, minimal, count = (
        measured.get(scenario.key, {}),
        measured_minimal.get(scenario.key, {}),
        counted.get(scenario.key),
    )
    out: dict[str, Any] = {
        "key": scenario.key,
        "name": scenario.name,
        "kind": scenario.kind,
        "request": scenario.method_path,
        "target": scenario.target,
        "load": own.get("load"),
        "minimal": minimal.get("load"),
        "statements": count.max if count else None,
    }
    if error := own.get("error") or minimal.get("error") or (count.error if count else ""):
        out["error"] = error
    if count and count.explain:
        out["explain"] = count.explain
    return out


def finish(args: argparse.Namespace, started: datetime, results: dict[str, Any]) -> int:
    """Targets, files and the printed report; the exit code."""
    # Only a full run at scale 1 is `<date>.json`, the file a scale pass compares with.
    stem = started.strftime("%Y-%m-%d") + ("" if args.scale == 1 and not args.scale_pass else f"-scale{args.scale:g}")
    stem += ("-quick" if args.quick else "") + ("-subset" if args.scenarios else "")
    reference = None
    if args.scale_pass:
        reference = report.reference_results(
            args.results_dir, results["machine"], exclude=args.results_dir / f"{stem}.json"
        )
        if reference is None:
            print(f"no scale-1 results of this machine in {args.results_dir}: run `make bench` first", flush=True)
        else:
            results["compared_with"] = reference["file"]
            before = {row["key"]: row.get("load") for row in reference["scenarios"]}
            for row in results["scenarios"]:
                if old := before.get(row["key"]):
                    row["scale1"] = {key: old[key] for key in ("rps", "p50_ms", "p99_ms")}
    lines = report.targets(results, reference)
    results["targets"] = [str(line) for line in lines]
    data_path, chart_path = report.write(results, args.results_dir, stem)
    plans = report.explain_markdown(results, args.results_dir / f"{stem}-explain.md")
    print()
    print(report.table(results))
    print()
    for line in lines:
        print(line)
    print()
    for label, path in (("results", data_path), ("chart", chart_path), ("plans", plans)):
        if path is not None:
            print(f"{label + ':':9}{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    failed = any(line.ok is False for line in lines)
    return 1 if failed and args.strict else 0
