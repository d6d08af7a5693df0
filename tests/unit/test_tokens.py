"""VerifiedTokens: a worker keeps the claims of the tokens it verified, never past their expiry, and only for the
very token it verified."""

from __future__ import annotations

import time
from pathlib import Path
from uuid import uuid4

import jwt
import pytest

from workcommunities.lib.security import Claims, VerifiedTokens, decode_token
from workcommunities.settings import Settings, load_settings

SECRET = "k" * 48


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(environ={"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET}, env_file=tmp_path / "none")


def _token(exp: float, **extra: object) -> str:
    claims = {"sub": uuid4().hex, "role": "student", "type": "access", "iat": int(time.time()), "exp": exp, **extra}
    return jwt.encode(claims, SECRET, algorithm="HS256")


def test_kept_claims_are_the_verified_ones(settings: Settings) -> None:
    company = uuid4()
    token = _token(time.time() + 600, company_id=company.hex)
    tokens = VerifiedTokens(settings)
    first = tokens.claims(token)
    assert first == decode_token(settings, token)
    assert first.company_id == company
    assert tokens.claims(token) is first  # kept: the second call verifies nothing


def test_a_kept_token_is_refused_once_it_expires(settings: Settings) -> None:
    exp = int(time.time()) + 2
    token = _token(exp)
    tokens = VerifiedTokens(settings)
    assert isinstance(tokens.claims(token), Claims)
    time.sleep(max(0.0, exp - time.time()) + 0.05)
    with pytest.raises(jwt.ExpiredSignatureError):
        tokens.claims(token)


def test_only_the_verified_token_matches(settings: Settings) -> None:
    token = _token(time.time() + 600)
    tokens = VerifiedTokens(settings)
    tokens.claims(token)
    head, body, signature = token.split(".")
    tampered_signature = f"{head}.{body}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"  # data bits, not padding
    other_body = jwt.encode({**jwt.decode(token, SECRET, algorithms=["HS256"]), "role": "admin"}, "x" * 48)
    for forged in (tampered_signature, other_body):
        with pytest.raises(jwt.InvalidTokenError):
            tokens.claims(forged)


def test_the_least_recently_used_token_makes_room(settings: Settings) -> None:
    tokens = VerifiedTokens(settings, size=2)
    first, second, third = (_token(time.time() + 600) for _ in range(3))
    kept_first = tokens.claims(first)
    tokens.claims(second)
    tokens.claims(third)  # the first is dropped, and verified afresh when it comes again
    again = tokens.claims(first)
    assert again == kept_first and again is not kept_first
    assert tokens.claims(third) is tokens.claims(third)
