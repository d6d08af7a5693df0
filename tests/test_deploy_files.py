"""Static checks of the container deployment files: Containerfile, compose.yaml, .env.example, .dockerignore and the
README's deploy section. Nothing is built or run (no container engine needed) and the app is not imported."""

from __future__ import annotations

import ast
import json
import re
import shlex
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONTAINERFILE = ROOT / "Containerfile"
COMPOSE = ROOT / "compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"
README = ROOT / "README.md"
SETTINGS_MODULE = ROOT / "src" / "workcommunities" / "settings.py"

DEPLOY_HEADING = "## Deploying with containers"
UP_COMMAND = "docker compose up -d --build"

# Environment variables the service reads (see the Settings struct); all must be documented in .env.example.
APP_SETTINGS = (
    "ENV",
    "HOST",
    "PORT",
    "DATABASE_URL",
    "DATA_DIR",
    "JWT_SECRET",
    "JWT_ALG",
    "ACCESS_TOKEN_EXPIRE_MINUTES",
    "OTP_TTL_SECONDS",
    "OTP_LENGTH",
    "OTP_FIXED_CODE",
    "OTP_MAX_ATTEMPTS",
    "OTP_RESEND_SECONDS",
    "OTP_HOURLY_LIMIT",
    "AUTH_RATE_LIMIT_PER_MINUTE",
    "ADMIN_SIGNUP_TOKEN",
    "SMS_GATEWAY_URL",
    "SMS_GATEWAY_TOKEN",
    "MEDIA_ROOT",
    "MAX_UPLOAD_BYTES",
    "STORY_TTL_HOURS",
    "REDIS_URL",
    "CORS_ORIGINS",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "METRICS_TOKEN",
    "DB_POOL_SIZE",
)
# Variables the deployment itself needs in .env besides the app settings.
DEPLOY_VARIABLES = ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "WEB_CONCURRENCY")
# Must ship empty in .env.example: a copied example must never run with a guessable secret.
MUST_BE_EMPTY = (
    "JWT_SECRET",
    "POSTGRES_PASSWORD",
    "ADMIN_SIGNUP_TOKEN",
    "SMS_GATEWAY_TOKEN",
    "OTP_FIXED_CODE",
    "METRICS_TOKEN",
)

# `${VAR}`, `${VAR:-default}`, `${VAR:?message}` or `$VAR`, but not the `$$` escape that compose passes through.
COMPOSE_VARIABLE = re.compile(r"(?<!\$)\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN", re.IGNORECASE)


# --- helpers ---------------------------------------------------------------------------------------------------------


@cache
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict), "compose.yaml must be a mapping"
    return data


def service(name: str) -> dict[str, Any]:
    services = compose().get("services") or {}
    assert name in services, f"compose.yaml has no service {name!r}"
    return services[name]


def depends_on(svc: dict[str, Any]) -> dict[str, str]:
    """depends_on as {service: condition}; the short list form means service_started."""
    raw = svc.get("depends_on") or {}
    if isinstance(raw, list):
        return dict.fromkeys(raw, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in raw.items()}


def environment(svc: dict[str, Any]) -> dict[str, str]:
    raw = svc.get("environment") or {}
    if isinstance(raw, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in raw)
    return {key: "" if value is None else str(value) for key, value in raw.items()}


def command_text(value: str | list[str] | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else " ".join(value)


def healthcheck_text(svc: dict[str, Any]) -> str:
    check = svc.get("healthcheck") or {}
    assert not check.get("disable"), "healthcheck is disabled"
    return command_text(check.get("test"))


def container_ports(svc: dict[str, Any]) -> list[tuple[str, str]]:
    """(published, target) pairs of a service's `ports`, short or long syntax."""
    pairs = []
    for entry in svc.get("ports") or []:
        if isinstance(entry, dict):
            pairs.append((str(entry.get("published", "")), str(entry["target"])))
            continue
        parts = str(entry).split("/")[0].rsplit(":", 2)
        target = parts[-1]
        published = parts[-2] if len(parts) >= 2 else ""
        pairs.append((published, target))
    return pairs


def mask_variables(text: str) -> str:
    """Replace each compose `${NAME...}` expression by `%NAME%`, so the `:` in `${X:?msg}` does not confuse parsing."""
    return re.sub(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}", r"%\1%", text)


def compose_variables() -> set[str]:
    found = COMPOSE_VARIABLE.findall(COMPOSE.read_text())
    return {braced or bare for braced, bare in found}


def env_example() -> dict[str, str]:
    """Active KEY=value assignments of .env.example (commented-out lines are not settings)."""
    values = {}
    for raw in ENV_EXAMPLE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        assert "=" in line, f".env.example line is not KEY=value: {raw!r}"
        key, value = line.removeprefix("export ").split("=", 1)
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", key), f"bad variable name in {raw!r}"
        assert key not in values, f"{key} is assigned twice in .env.example"
        values[key] = value
    return values


@cache
def instructions() -> list[tuple[str, str]]:
    """Containerfile instructions as (KEYWORD, arguments), continuation lines joined, comments dropped."""
    result: list[tuple[str, str]] = []
    buffer = ""
    for raw in CONTAINERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            buffer += line[:-1].strip() + " "
            continue
        keyword, _, args = (buffer + line).partition(" ")
        buffer = ""
        result.append((keyword.upper(), args.strip()))
    assert not buffer, "Containerfile ends inside a continued line"
    return result


def stages() -> list[list[tuple[str, str]]]:
    """Instructions grouped by build stage; each stage starts with its FROM."""
    groups: list[list[tuple[str, str]]] = []
    for keyword, args in instructions():
        if keyword == "FROM":
            groups.append([])
        if groups:
            groups[-1].append((keyword, args))
    return groups


def final_stage() -> list[tuple[str, str]]:
    groups = stages()
    assert groups, "Containerfile has no FROM"
    return groups[-1]


def global_args() -> dict[str, str]:
    """ARG defaults declared before the first FROM (the only ones FROM lines can use)."""
    args = {}
    for keyword, value in instructions():
        if keyword == "FROM":
            break
        if keyword == "ARG":
            name, _, default = value.partition("=")
            args[name.strip()] = default.strip().strip("\"'")
    return args


def expand(text: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: variables.get(m.group(1), m.group(0)), text)


def final_env() -> dict[str, str]:
    env = {}
    for keyword, args in final_stage():
        if keyword != "ENV":
            continue
        tokens = shlex.split(args)
        if tokens and "=" not in tokens[0]:  # legacy `ENV KEY value`
            env[tokens[0]] = " ".join(tokens[1:])
            continue
        for token in tokens:
            key, _, value = token.partition("=")
            env[key] = value
    return env


def exec_form(args: str) -> list[str]:
    """The JSON array of an exec-form CMD/ENTRYPOINT/HEALTHCHECK; invalid JSON would silently become shell form."""
    assert args.startswith("["), f"expected exec (JSON array) form, got: {args}"
    value = json.loads(args)
    assert isinstance(value, list)
    assert all(isinstance(item, str) for item in value)
    return value


def healthcheck_command() -> list[str]:
    checks = [args for keyword, args in final_stage() if keyword == "HEALTHCHECK"]
    assert checks, "the final stage has no HEALTHCHECK"
    tokens = checks[-1].split(" ")
    assert "CMD" in tokens, f"HEALTHCHECK has no CMD: {checks[-1]}"
    return exec_form(" ".join(tokens[tokens.index("CMD") + 1 :]))


def assert_python_snippet_compiles(argv: list[str]) -> None:
    if len(argv) >= 3 and argv[0] in {"python", "python3"} and argv[1] == "-c":
        ast.parse(argv[2])


def readme_deploy_section() -> str:
    text = README.read_text()
    match = re.search(rf"^{re.escape(DEPLOY_HEADING)}[ \t]*$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no {DEPLOY_HEADING!r} section"
    return match.group(1)


def migrate_steps() -> list[str]:
    """The shell commands the migrate service runs, in order."""
    argv = service("migrate").get("command")
    assert argv, "migrate has no command"
    if isinstance(argv, list) and len(argv) >= 3 and argv[0] in {"sh", "/bin/sh", "bash"} and argv[1] == "-c":
        script = argv[2]
    else:
        script = command_text(argv)
    return [step.strip() for step in script.split("&&") if step.strip()]


# --- compose.yaml ----------------------------------------------------------------------------------------------------


def test_compose_defines_the_three_services() -> None:
    assert {"db", "migrate", "api"} <= set(compose().get("services") or {})


def test_db_is_postgres_16_with_healthcheck_and_named_volume() -> None:
    db = service("db")
    assert re.fullmatch(r"(docker\.io/(library/)?)?postgres:16([.-][\w.-]*)?", db.get("image", "")), db.get("image")
    assert "pg_isready" in healthcheck_text(db)
    assert any(str(v).split(":")[0] in (compose().get("volumes") or {}) for v in db.get("volumes") or []), (
        "db data must live in a named volume"
    )


def test_database_port_is_not_published() -> None:
    db = service("db")
    assert not db.get("ports"), "the db service must not publish ports"
    assert db.get("network_mode") != "host"
    for name, svc in compose()["services"].items():
        targets = [target for _published, target in container_ports(svc)]
        assert "5432" not in targets, f"{name} publishes the PostgreSQL port"


def test_startup_order() -> None:
    assert depends_on(service("migrate")).get("db") == "service_healthy"
    api_deps = depends_on(service("api"))
    assert api_deps.get("db") == "service_healthy"
    assert api_deps.get("migrate") == "service_completed_successfully"


def test_migrate_is_a_one_shot_upgrade_then_seed() -> None:
    migrate = service("migrate")
    # An unquoted `no` is parsed as a boolean by YAML 1.1 and rejected by compose.
    assert migrate.get("restart", "no") == "no"
    steps = migrate_steps()
    assert steps == ["workcommunities database upgrade --no-prompt", "workcommunities seed reference"], steps


@pytest.mark.parametrize("name", ["migrate", "api"])
def test_app_services_build_from_the_containerfile(name: str) -> None:
    svc = service(name)
    build = svc.get("build")
    assert isinstance(build, dict), f"{name} must use build: {{context: ., dockerfile: Containerfile}}"
    assert build.get("context") == "."
    assert build.get("dockerfile") == "Containerfile"
    assert (ROOT / build["context"] / build["dockerfile"]).is_file()
    assert svc.get("image") == service("api").get("image"), "migrate and api must run the same image"
    env_files = svc.get("env_file") or []
    env_files = [env_files] if isinstance(env_files, str) else env_files
    assert ".env" in [item if isinstance(item, str) else item.get("path") for item in env_files]


@pytest.mark.parametrize("name", ["migrate", "api"])
def test_app_services_use_the_db_service_and_data_volume(name: str) -> None:
    svc = service(name)
    env = environment(svc)
    url = mask_variables(env.get("DATABASE_URL", ""))
    assert re.fullmatch(r"postgresql\+asyncpg://%POSTGRES_USER%:%POSTGRES_PASSWORD%@db:5432/%POSTGRES_DB%", url), url
    assert env.get("DATA_DIR") == "/data"
    named_volumes = compose().get("volumes") or {}
    data_mounts = [str(v) for v in svc.get("volumes") or [] if str(v).split(":")[1:2] == ["/data"]]
    assert data_mounts, f"{name} must mount a volume at /data"
    assert data_mounts[0].split(":")[0] in named_volumes, "/data must be a named volume"


def test_api_publishes_8000_and_has_healthcheck() -> None:
    api = service("api")
    assert ("8000", "8000") in container_ports(api)
    test = api["healthcheck"]["test"]
    assert "/health" in command_text(test)
    assert "8000" in command_text(test)
    if isinstance(test, list) and test[0] == "CMD":
        assert_python_snippet_compiles(test[1:])


def test_api_worker_count_is_configurable() -> None:
    assert "WEB_CONCURRENCY" in environment(service("api"))


def test_credentials_are_not_hard_coded() -> None:
    db_env = environment(service("db"))
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]*\}", db_env.get("POSTGRES_PASSWORD", "")), (
        "POSTGRES_PASSWORD must be a required variable: ${POSTGRES_PASSWORD:?message}"
    )
    for name, svc in compose()["services"].items():
        env = environment(svc)
        for key, value in env.items():
            if SECRET_NAME.search(key):
                assert value.startswith("${"), f"{name}: {key} is hard-coded"
        if "DATABASE_URL" in env:
            url = re.fullmatch(r"[^:]+://[^:@/]*:([^@/]*)@.*", mask_variables(env["DATABASE_URL"]))
            assert url, f"{name}: DATABASE_URL has no password"
            assert url.group(1) == "%POSTGRES_PASSWORD%", f"{name}: hard-coded password in DATABASE_URL"


def test_compose_variables_are_documented_in_env_example() -> None:
    documented = env_example()
    used = compose_variables()
    assert used, "compose.yaml is expected to read its credentials from variables"
    missing = sorted(used - documented.keys())
    assert not missing, f"variables used by compose.yaml but missing from .env.example: {missing}"


# --- .env.example ----------------------------------------------------------------------------------------------------


def test_env_example_documents_every_setting() -> None:
    missing = [name for name in (*APP_SETTINGS, *DEPLOY_VARIABLES) if name not in env_example()]
    assert not missing, f"missing from .env.example: {missing}"


def test_env_example_covers_the_settings_struct() -> None:
    if not SETTINGS_MODULE.is_file():
        pytest.skip("settings module not found")
    tree = ast.parse(SETTINGS_MODULE.read_text())
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Settings"]
    assert classes, "no Settings class in settings.py"
    fields = [
        node.target.id.upper()
        for node in classes[0].body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    ]
    assert fields
    missing = [name for name in fields if name not in env_example()]
    assert not missing, f"settings missing from .env.example: {missing}"


def test_env_example_every_setting_has_a_comment() -> None:
    """Each assignment sits right under a comment, or under a sibling sharing its prefix (POSTGRES_USER, _DB...)."""
    previous = ""
    for raw in ENV_EXAMPLE.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            sibling = previous and not previous.startswith("#") and previous.split("_")[0] == line.split("_")[0]
            assert previous.startswith("#") or sibling, f"no comment above {line!r} in .env.example"
        previous = line


def test_env_example_has_safe_placeholders() -> None:
    values = env_example()
    for name in MUST_BE_EMPTY:
        assert values.get(name) == "", f"{name} must be empty in .env.example"
    assert values["ENV"] == "prod"
    assert 'python3 -c "import secrets; print(secrets.token_urlsafe(48))"' in ENV_EXAMPLE.read_text()
    for key, value in values.items():
        assert " #" not in value, f"{key}: inline comments end up in the value"


# --- Containerfile ---------------------------------------------------------------------------------------------------


def test_containerfile_is_multi_stage_on_python_311_slim() -> None:
    froms = [args for keyword, args in instructions() if keyword == "FROM"]
    assert len(froms) >= 2
    final_image = expand(froms[-1].split()[0], global_args())
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", final_image), final_image


def test_builder_installs_the_locked_dependencies_with_uv() -> None:
    runs = " ".join(args for stage in stages()[:-1] for keyword, args in stage if keyword == "RUN")
    assert "uv sync --frozen --no-dev" in runs
    # Editable install: the package stays in /app/src, where it locates alembic.ini and migrations/.
    assert "--no-editable" not in runs
    copies = [args for keyword, args in final_stage() if keyword == "COPY"]
    assert any("--from=" in args and "/app/.venv" in args for args in copies), "the venv is not copied from the builder"


def test_final_stage_contents_and_environment() -> None:
    workdir = [args for keyword, args in final_stage() if keyword == "WORKDIR"]
    assert workdir
    assert workdir[-1] == "/app"
    # The app finds alembic.ini and migrations/ next to src/ (the project root), and commands run from /app.
    destinations = set()
    for keyword, args in final_stage():
        if keyword == "COPY":
            *sources, dest = [token for token in args.split() if not token.startswith("--")]
            dest = dest if dest.startswith("/") else f"/app/{dest.removeprefix('./')}"
            destinations |= {f"{dest.rstrip('/')}/{Path(s).name}" if dest.endswith("/") else dest for s in sources}
    for needed in ("/app/.venv", "/app/src", "/app/migrations", "/app/alembic.ini"):
        assert needed in destinations, f"{needed} is not in the final image ({sorted(destinations)})"
    env = final_env()
    assert env.get("PYTHONDONTWRITEBYTECODE") == "1"
    assert env.get("PYTHONUNBUFFERED") == "1"
    assert env.get("PATH", "").startswith("/app/.venv/bin:")
    assert env.get("DATA_DIR") == "/data"
    assert env.get("MEDIA_ROOT") == "/data/media"
    assert env.get("WEB_CONCURRENCY") == "2"
    assert ("EXPOSE", "8000") in final_stage()


def test_final_stage_runs_as_non_root_owning_data() -> None:
    stage = final_stage()
    users = [args for keyword, args in stage if keyword == "USER"]
    assert users, "the final stage has no USER instruction"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    runs = " ".join(args for keyword, args in stage if keyword == "RUN")
    if not user.isdigit():
        assert re.search(rf"\b(useradd|adduser)\b[^&;]*\b{re.escape(user)}\b", runs), f"user {user} is not created"
    assert re.search(r"\bchown\b[^&;]*\s/data\b", runs), "/data must be owned by the service user"
    # Everything that starts the service comes after USER.
    index = {keyword: i for i, (keyword, _args) in enumerate(stage)}
    assert index["USER"] < index["CMD"]


def test_healthcheck_hits_health_with_urllib() -> None:
    argv = healthcheck_command()
    text = " ".join(argv)
    assert "/health" in text
    assert "urllib" in text
    assert "curl" not in text
    assert_python_snippet_compiles(argv)


def test_cmd_runs_granian_through_the_cli() -> None:
    commands = [args for keyword, args in final_stage() if keyword in {"CMD", "ENTRYPOINT"}]
    assert commands
    text = " ".join(" ".join(exec_form(args)) for args in commands)
    assert "workcommunities run" in text
    assert "--host 0.0.0.0" in text
    assert "--port 8000" in text
    assert re.search(r"--wc \W*\$\{WEB_CONCURRENCY", text), "worker count must come from WEB_CONCURRENCY"


# --- .dockerignore ---------------------------------------------------------------------------------------------------


def test_dockerignore_excludes_local_state_and_keeps_the_build_inputs() -> None:
    patterns = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for excluded in (".venv", ".tools", "data", ".git", "tests", ".env", "**/__pycache__"):
        assert excluded in patterns, f".dockerignore must exclude {excluded}"
    for needed in ("src", "migrations", "alembic.ini", "pyproject.toml", "uv.lock", "README.md", "Containerfile"):
        assert needed not in patterns, f".dockerignore excludes {needed}, which the build needs"
    assert "*" not in patterns


# --- README ----------------------------------------------------------------------------------------------------------


def test_readme_deploy_section_matches_the_files() -> None:
    section = readme_deploy_section()
    assert "(to be written)" not in section
    assert "cp .env.example .env" in section
    assert UP_COMMAND in section
    assert UP_COMMAND in COMPOSE.read_text(), "compose.yaml's header documents a different up command"
    for step in migrate_steps():
        assert step in section, f"README does not mention the migrate step {step!r}"
    for service_name in ("db", "migrate", "api"):
        assert f"`{service_name}`" in section
    assert "WEB_CONCURRENCY" in section
    assert "docker compose run --rm api workcommunities admin create --email" in section
    assert "port is not published" in re.sub(r"[*\s]+", " ", section)
