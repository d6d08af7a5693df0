"""Service settings: one frozen struct, read once from the environment and an optional `.env` file.

Every field is named after its environment variable in lower case (`JWT_SECRET` → `jwt_secret`). The environment
wins over `.env`. `create_app(settings)` takes a built Settings, so tests and the CLI never patch globals.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

import msgspec

DEV_OTP_CODE = "11111"
MIN_SECRET_BYTES = 32
# Values the old service shipped as defaults: never accepted as real secrets.
KNOWN_WEAK_SECRETS = frozenset({"change-me", "supersecret", "admin-secret"})


class SettingsError(Exception):
    """The configuration cannot run; the message is one line meant for the operator."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    env: Literal["dev", "prod"] = "prod"
    host: str = "0.0.0.0"  # noqa: S104 - a service in a container listens on every interface
    port: int = 8000
    data_dir: str = "data"
    database_url: str = ""
    db_pool_size: int = 10
    log_level: str = "INFO"
    # One JSON object per line (collectors), or "console": readable lines for a terminal (make run). lib/logs.py.
    log_format: Literal["json", "console"] = "json"

    jwt_secret: str = ""
    jwt_alg: Literal["HS256", "HS384", "HS512"] = "HS256"
    access_token_expire_minutes: int = 10080

    otp_ttl_seconds: int = 300
    otp_length: int = 5
    otp_fixed_code: str = ""
    otp_max_attempts: int = 5
    otp_resend_seconds: int = 60
    otp_hourly_limit: int = 5
    # Requests per minute per client IP on /auth; 0 switches the limit off (load tests).
    auth_rate_limit_per_minute: int = 30
    # How long a worker trusts its last reading of a caller's account on reads (lib/security.py RecentCallers).
    auth_cache_seconds: float = 1.0
    admin_signup_token: str = ""
    # Password tries per account (e-mail) before it is locked until the window ends; 0 = off (domain/auth/throttle.py).
    login_failure_limit: int = 10
    login_failure_window_seconds: int = 900

    sms_gateway_url: str = ""
    sms_gateway_token: str = ""

    # Media storage: "local" (a folder, MEDIA_ROOT) or "s3" (any S3-compatible bucket).
    media_storage: Literal["local", "s3"] = "local"
    media_root: str = ""
    max_upload_bytes: int = 10 * 1024 * 1024
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    story_ttl_hours: int = 24

    # Prometheus metrics on /metrics for a scraper with this bearer token; empty = no metrics (lib/metrics.py).
    metrics_token: str = ""

    redis_url: str = ""
    cors_origins: tuple[str, ...] = ()
    # Served only over HTTPS (TLS ends at a proxy in front): answers carry Strict-Transport-Security.
    trust_tls: bool = False
    # The API's public address (https://api.example.com), for absolute URLs handed out to be opened elsewhere (the
    # calendar feeds); empty: the address the request came to, which is wrong behind a proxy that rewrites it.
    public_url: str = ""

    @property
    def is_dev(self) -> bool:
        return self.env == "dev"

    @property
    def otp_code_override(self) -> str:
        """The fixed OTP code in force, or "" when codes are random."""
        return self.otp_fixed_code or (DEV_OTP_CODE if self.is_dev else "")

    @property
    def admin_signup_enabled(self) -> bool:
        return bool(self.admin_signup_token) and self.admin_signup_token not in KNOWN_WEAK_SECRETS

    @property
    def resolved_media_root(self) -> Path:
        return Path(self.media_root or Path(self.data_dir) / "media")

    def check(self) -> None:
        """Refuse configurations that are unsafe outside development."""
        code = self.otp_code_override
        if code and (len(code) != self.otp_length or not code.isdigit()):
            raise SettingsError(f"OTP_FIXED_CODE must be {self.otp_length} digits")
        if self.public_url and not self.public_url.startswith(("http://", "https://")):
            raise SettingsError("PUBLIC_URL must be an http:// or https:// address (or unset)")
        if self.is_dev:
            return
        if len(self.jwt_secret.encode()) < MIN_SECRET_BYTES or self.jwt_secret in KNOWN_WEAK_SECRETS:
            raise SettingsError(f"JWT_SECRET must be set to at least {MIN_SECRET_BYTES} bytes when ENV=prod")
        if self.otp_fixed_code:
            raise SettingsError("OTP_FIXED_CODE is a dev-only setting and must be unset when ENV=prod")
        if not self.sms_gateway_url:
            raise SettingsError("SMS_GATEWAY_URL must be set when ENV=prod: login codes have no other way to users")
        if self.metrics_token and len(self.metrics_token.encode()) < MIN_SECRET_BYTES:
            raise SettingsError(f"METRICS_TOKEN must be at least {MIN_SECRET_BYTES} bytes when ENV=prod (or unset)")


def read_env_file(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines of a dotenv file (comments, `export` and surrounding quotes allowed)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.removeprefix("export ").split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _dev_secret(data_dir: Path) -> str:
    """A dev secret generated once and kept in the data folder, so tokens survive restarts."""
    path = data_dir / "dev-jwt-secret"
    if path.is_file():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


def load_settings(
    environ: dict[str, str] | None = None, env_file: str | Path = ".env", **overrides: object
) -> Settings:
    """Build Settings from `.env`, then the environment, then keyword overrides (highest)."""
    source = {**read_env_file(Path(env_file)), **(os.environ if environ is None else environ)}
    names = {field.upper(): field for field in Settings.__struct_fields__}
    raw: dict[str, object] = {names[key]: value for key, value in source.items() if key in names and value != ""}
    if isinstance(raw.get("cors_origins"), str):
        raw["cors_origins"] = [o.strip() for o in str(raw["cors_origins"]).split(",") if o.strip()]
    raw.update(overrides)
    try:
        settings = msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"invalid setting: {exc}") from exc
    if not settings.database_url:
        db_path = Path(settings.data_dir).resolve() / "workcommunities.sqlite3"
        settings = msgspec.structs.replace(settings, database_url=f"sqlite+aiosqlite:///{db_path}")
    if settings.is_dev and not settings.jwt_secret:
        settings = msgspec.structs.replace(settings, jwt_secret=_dev_secret(Path(settings.data_dir)))
    return settings
