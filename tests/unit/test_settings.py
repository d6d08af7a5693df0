"""Settings: sources, defaults, and the production start-up refusal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workcommunities.settings import SettingsError, load_settings

STRONG = "s" * 32
GATEWAY = "http://127.0.0.1:9/sms"


def test_environment_wins_over_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        '# comment\nexport PORT=9000\nOTP_TTL_SECONDS="120"\nCORS_ORIGINS=https://a.example, https://b\n'
    )
    settings = load_settings(environ={"PORT": "9100", "DATA_DIR": str(tmp_path)}, env_file=env_file)
    assert settings.port == 9100
    assert settings.otp_ttl_seconds == 120
    assert settings.cors_origins == ("https://a.example", "https://b")


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(environ={"DATA_DIR": str(tmp_path)}, env_file=tmp_path / "none")
    assert settings.env == "prod"
    assert (settings.host, settings.port) == ("0.0.0.0", 8000)
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path.resolve() / 'workcommunities.sqlite3'}"
    assert settings.access_token_expire_minutes == 10080
    assert (settings.otp_ttl_seconds, settings.otp_length, settings.otp_max_attempts) == (300, 5, 5)
    assert settings.otp_code_override == ""
    assert settings.admin_signup_token == ""
    assert not settings.admin_signup_enabled
    assert settings.max_upload_bytes == 10 * 1024 * 1024


def test_dev_generates_a_secret_once_and_keeps_it(tmp_path: Path) -> None:
    first = load_settings(environ={"ENV": "dev", "DATA_DIR": str(tmp_path)}, env_file=tmp_path / "none")
    second = load_settings(environ={"ENV": "dev", "DATA_DIR": str(tmp_path)}, env_file=tmp_path / "none")
    assert len(first.jwt_secret) >= 32
    assert first.jwt_secret == second.jwt_secret
    assert (tmp_path / "dev-jwt-secret").stat().st_mode & 0o077 == 0
    assert first.otp_code_override == "11111"
    first.check()


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "JWT_SECRET"),
        ({"JWT_SECRET": "change-me"}, "JWT_SECRET"),
        ({"JWT_SECRET": "s" * 31}, "JWT_SECRET"),
        ({"JWT_SECRET": STRONG, "OTP_FIXED_CODE": "11111", "SMS_GATEWAY_URL": GATEWAY}, "OTP_FIXED_CODE"),
        ({"JWT_SECRET": STRONG}, "SMS_GATEWAY_URL"),
    ],
)
def test_prod_refuses_unsafe_configuration(tmp_path: Path, environ: dict[str, str], message: str) -> None:
    settings = load_settings(environ={"DATA_DIR": str(tmp_path), **environ}, env_file=tmp_path / "none")
    with pytest.raises(SettingsError, match=message):
        settings.check()


def test_prod_with_a_strong_secret_starts(tmp_path: Path) -> None:
    environ = {"DATA_DIR": str(tmp_path), "JWT_SECRET": STRONG, "SMS_GATEWAY_URL": GATEWAY}
    load_settings(environ=environ, env_file=tmp_path / "none").check()


def test_bad_values_are_reported(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="invalid setting"):
        load_settings(environ={"PORT": "eighty"}, env_file=tmp_path / "none")
    with pytest.raises(SettingsError, match="OTP_FIXED_CODE must be 5 digits"):
        load_settings(environ={"ENV": "dev", "OTP_FIXED_CODE": "12", "DATA_DIR": str(tmp_path)}).check()


def test_cli_refuses_to_start_in_prod_with_one_clear_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "workcommunities", "run"],
        env={"PATH": "/usr/bin:/bin", "ENV": "prod", "DATA_DIR": str(tmp_path), "JWT_SECRET": "short"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == ["workcommunities: JWT_SECRET must be set to at least 32 bytes when ENV=prod"]
