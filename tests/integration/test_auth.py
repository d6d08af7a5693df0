"""`/auth`: phone codes, tokens, e-mail logins, and the defects of the old service that must stay fixed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import jwt
import pytest
from litestar import Litestar
from sqlalchemy import Executable, select, update

from tests.conftest import TEST_JWT_SECRET, SmsGateway, make_settings
from tests.helpers import ADMIN_SIGNUP_TOKEN, DEV_CODE, Api, claims, new_phone, serve
from workcommunities.app import AUTH_RATE_LIMIT_STORE, create_app
from workcommunities.db.models import Company, OtpCode, Profile, User


async def _rows(app: Litestar, query: Executable) -> list[Any]:
    async with app.state.db_config.get_session() as session:
        return list((await session.execute(query)).all())


async def test_student_otp_flow_issues_contract_claims(api: Api, app: Litestar) -> None:
    phone = new_phone()
    token = await api.student(phone)
    payload = jwt.decode(token, TEST_JWT_SECRET, algorithms=["HS256"])
    assert set(payload) == {"sub", "role", "exp", "iat", "type"}
    assert payload["role"] == "student"
    assert payload["type"] == "access"
    assert len(payload["sub"]) == 32 and int(payload["sub"], 16) >= 0
    assert payload["exp"] - payload["iat"] == 10080 * 60
    [(user,)] = await _rows(app, select(User).where(User.phone == phone))
    assert user.id.hex == payload["sub"] and user.role == "student"
    assert await _rows(app, select(Profile.id).where(Profile.user_id == user.id))  # exactly one profile from birth
    # Second login: same user, still one profile.
    assert claims(await api.student(phone))["sub"] == payload["sub"]
    assert len(await _rows(app, select(Profile.id).where(Profile.user_id == user.id))) == 1


async def test_codes_are_stored_hashed_and_used_once(client: httpx.AsyncClient, app: Litestar) -> None:
    phone = new_phone()
    assert (await client.post("/auth/otp/request", json={"phone": phone})).status_code == 204
    [(otp,)] = await _rows(app, select(OtpCode).where(OtpCode.phone == phone))
    assert DEV_CODE not in otp.code_hash and len(otp.code_hash) == 64
    body = {"phone": phone, "code": DEV_CODE}
    assert (await client.post("/auth/otp/verify", json=body)).status_code == 200
    response = await client.post("/auth/otp/verify", json=body)
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid code"}


async def test_verify_without_request_or_after_expiry(client: httpx.AsyncClient, app: Litestar) -> None:
    phone = new_phone()
    response = await client.post("/auth/otp/verify", json={"phone": phone, "code": DEV_CODE})
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid code"})
    await client.post("/auth/otp/request", json={"phone": phone})
    async with app.state.db_config.get_session() as session:
        past = datetime.now(UTC) - timedelta(seconds=1)
        await session.execute(update(OtpCode).where(OtpCode.phone == phone).values(expires_at=past))
        await session.commit()
    response = await client.post("/auth/otp/verify", json={"phone": phone, "code": DEV_CODE})
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid code"})


async def test_wrong_codes_burn_the_code_after_the_attempt_limit(client: httpx.AsyncClient, app: Litestar) -> None:
    phone = new_phone()
    await client.post("/auth/otp/request", json={"phone": phone})
    for attempt in range(1, 6):
        response = await client.post("/auth/otp/verify", json={"phone": phone, "code": "00000"})
        assert (response.status_code, response.json()) == (400, {"detail": "Invalid code"})
        [(otp,)] = await _rows(app, select(OtpCode).where(OtpCode.phone == phone))
        assert otp.attempts == attempt  # every wrong try is recorded, although the answer is an error
    assert otp.consumed_at is not None
    # The right code no longer works: the code is burned.
    response = await client.post("/auth/otp/verify", json={"phone": phone, "code": DEV_CODE})
    assert response.status_code == 400


async def test_resend_is_throttled_per_phone(tmp_path: Path, database_url: str) -> None:
    phone = new_phone()
    settings = make_settings(tmp_path, database_url, otp_resend_seconds=60, otp_hourly_limit=5)
    async with serve(create_app(settings)) as client:
        assert (await client.post("/auth/otp/request", json={"phone": phone})).status_code == 204
        for path in ("/auth/otp/request", "/auth/company/otp/request"):
            response = await client.post(path, json={"phone": phone})
            assert response.status_code == 429
            assert response.json() == {"detail": "Too many requests"}
            assert 1 <= int(response.headers["Retry-After"]) <= 60
        # Another phone is not affected, and the answer does not depend on whether the phone is known.
        assert (await client.post("/auth/otp/request", json={"phone": new_phone()})).status_code == 204


async def test_hourly_limit_and_new_code_replaces_old(tmp_path: Path, database_url: str, app: Litestar) -> None:
    settings = make_settings(tmp_path, database_url, otp_resend_seconds=0, otp_hourly_limit=3)
    phone = new_phone()
    async with serve(create_app(settings)) as client:
        for _ in range(3):
            assert (await client.post("/auth/otp/request", json={"phone": phone})).status_code == 204
        response = await client.post("/auth/otp/request", json={"phone": phone})
        assert response.status_code == 429
        assert 3000 < int(response.headers["Retry-After"]) <= 3601
    rows = await _rows(app, select(OtpCode.consumed_at).where(OtpCode.phone == phone))
    assert len(rows) == 3
    assert sum(consumed is None for (consumed,) in rows) == 1  # each request invalidated the earlier codes


async def test_company_otp_creates_company_and_binds_it(api: Api, app: Litestar) -> None:
    phone = new_phone()
    token = await api.company(phone)
    payload = claims(token)
    assert payload["role"] == "company"
    [(company,)] = await _rows(app, select(Company).where(Company.phone == phone))
    assert payload["company_id"] == company.id.hex
    assert company.name == "My Company" and company.owner_user_id.hex == payload["sub"]
    # Logging in again keeps the same company.
    assert claims(await api.company(phone))["company_id"] == company.id.hex


async def test_company_otp_binds_an_ownerless_company_with_that_phone(api: Api, app: Litestar) -> None:
    phone = new_phone()
    async with app.state.db_config.get_session() as session:
        company = Company(name="Created by an admin", phone=phone)
        session.add(company)
        await session.commit()
    payload = claims(await api.company(phone))
    assert payload["company_id"] == company.id.hex
    [(owner,)] = await _rows(app, select(Company.owner_user_id).where(Company.id == company.id))
    assert owner.hex == payload["sub"]


async def test_no_role_takeover_through_otp(api: Api, client: httpx.AsyncClient, app: Litestar) -> None:
    student_phone, company_phone = new_phone(), new_phone()
    await api.student(student_phone)
    await api.company(company_phone)
    for path, phone in (("/auth/company", student_phone), ("/auth", company_phone)):
        await client.post(f"{path}/otp/request", json={"phone": phone})
        response = await client.post(f"{path}/otp/verify", json={"phone": phone, "code": DEV_CODE})
        assert response.status_code == 409
        assert response.json() == {"detail": "Phone is registered with another role"}
    roles = dict(await _rows(app, select(User.phone, User.role).where(User.phone.in_([student_phone, company_phone]))))
    assert roles == {student_phone: "student", company_phone: "company"}
    assert not await _rows(app, select(Company.id).where(Company.phone == student_phone))


async def test_company_signup_and_login(client: httpx.AsyncClient, app: Litestar) -> None:
    body = {"email": "Team@Acme.example", "password": "long-enough", "name": "  Acme  "}
    response = await client.post("/auth/company/signup", json=body)
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"
    payload = claims(response.json()["access_token"])
    assert payload["role"] == "company"
    [(company,)] = await _rows(app, select(Company).where(Company.id == UUID(payload["company_id"])))
    assert company.name == "Acme" and company.owner_user_id.hex == payload["sub"]
    response = await client.post("/auth/company/signup", json=body)
    assert (response.status_code, response.json()) == (400, {"detail": "Email already registered"})

    response = await client.post("/auth/company/login", json={"email": "team@acme.example", "password": "long-enough"})
    assert response.status_code == 200
    assert claims(response.json()["access_token"])["company_id"] == company.id.hex
    for wrong in ({"email": "team@acme.example", "password": "wrong-password"}, {"email": "x@y.z", "password": "a"}):
        response = await client.post("/auth/company/login", json=wrong)
        assert (response.status_code, response.json()) == (400, {"detail": "Invalid credentials"})
    # A company account is not an admin account.
    response = await client.post("/auth/admin/login", json={"email": "team@acme.example", "password": "long-enough"})
    assert response.status_code == 400


async def test_concurrent_signups_with_one_email_make_one_account(client: httpx.AsyncClient, app: Litestar) -> None:
    """Signups that race past the e-mail check lose on the unique key: a 409 with the users repository's detail."""
    body = {"email": "race@acme.example", "password": "long-enough", "name": "Acme"}
    responses = await asyncio.gather(*(client.post("/auth/company/signup", json=body) for _ in range(8)))
    assert [response.status_code for response in responses].count(200) == 1
    refusals = {(400, "Email already registered"), (409, "Account already exists")}
    for response in responses:
        assert response.status_code == 200 or (response.status_code, response.json()["detail"]) in refusals
    assert len(await _rows(app, select(User.id).where(User.email == "race@acme.example"))) == 1
    assert len(await _rows(app, select(Company.id).where(Company.email == "race@acme.example"))) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-address", "password": "long-enough", "name": "Acme"},
        {"email": "a@b.example", "password": "short", "name": "Acme"},
        {"email": "a@b.example", "password": "long-enough", "name": "   "},
        {"email": "a@b.example", "password": "long-enough"},
    ],
)
async def test_company_signup_validation(client: httpx.AsyncClient, body: dict[str, str]) -> None:
    response = await client.post("/auth/company/signup", json=body)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


async def test_passwords_past_bcrypts_72_bytes_are_refused(client: httpx.AsyncClient) -> None:
    """40 characters (within the documented 72) but 80 bytes: bcrypt would cut it, so the service refuses it."""
    long = "é" * 40
    signup = await client.post("/auth/company/signup", json={"email": "a@b.example", "password": long, "name": "A"})
    login = await client.post("/auth/company/login", json={"email": "a@b.example", "password": long})
    for response in (signup, login):
        assert (response.status_code, response.json()) == (400, {"detail": "Password is longer than 72 bytes"})


async def test_admin_signup_and_login(api: Api, client: httpx.AsyncClient) -> None:
    token = await api.admin("root@example.com", "admin-password")
    assert claims(token)["role"] == "admin"
    response = await client.post("/auth/admin/login", json={"email": "ROOT@example.com", "password": "admin-password"})
    assert response.status_code == 200
    assert claims(response.json()["access_token"])["role"] == "admin"
    body = {"email": "root@example.com", "password": "admin-password", "signup_token": ADMIN_SIGNUP_TOKEN}
    response = await client.post("/auth/admin/signup", json=body)
    assert (response.status_code, response.json()) == (400, {"detail": "Email already registered"})
    response = await client.post("/auth/admin/signup", json={**body, "email": "other@example.com", "signup_token": "x"})
    assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})
    response = await client.post("/auth/admin/login", json={"email": "root@example.com", "password": "nope"})
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid credentials"})


@pytest.mark.parametrize("configured", ["", "admin-secret"])
async def test_admin_signup_refused_without_a_real_token(tmp_path: Path, database_url: str, configured: str) -> None:
    """Unset, or the old service's default `admin-secret`: nobody can become an admin, whatever they send."""
    async with serve(create_app(make_settings(tmp_path, database_url, admin_signup_token=configured))) as client:
        for sent in ("", "admin-secret"):
            body = {"email": "x@example.com", "password": "admin-password", "signup_token": sent}
            response = await client.post("/auth/admin/signup", json=body)
            assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})


async def test_per_ip_rate_limit_on_auth(tmp_path: Path, database_url: str) -> None:
    async with serve(create_app(make_settings(tmp_path, database_url, auth_rate_limit_per_minute=3))) as client:
        body = {"email": "nobody@example.com", "password": "whatever"}
        statuses = [(await client.post("/auth/admin/login", json=body)).status_code for _ in range(4)]
        assert statuses == [400, 400, 400, 429]
        response = await client.post("/auth/otp/verify", json={"phone": new_phone(), "code": "1"})
        assert response.status_code == 429
        assert response.json() == {"detail": "Too many requests"}
        assert int(response.headers["Retry-After"]) > 0
        assert (await client.get("/reference/statuses")).status_code == 200  # only /auth is limited


async def test_random_codes_go_through_the_sms_gateway(
    tmp_path: Path, database_url: str, sms_gateway: SmsGateway
) -> None:
    settings = make_settings(
        tmp_path, database_url, env="prod", sms_gateway_url=sms_gateway.url, sms_gateway_token="gateway-token"
    )
    phones = [new_phone() for _ in range(8)]
    async with serve(create_app(settings)) as client:
        for phone in phones:
            assert (await client.post("/auth/otp/request", json={"phone": phone})).status_code == 204
        assert [message["body"]["phone"] for message in sms_gateway.messages] == phones
        assert all(message["authorization"] == "Bearer gateway-token" for message in sms_gateway.messages)
        codes = [message["body"]["text"].rsplit(" ", 1)[-1] for message in sms_gateway.messages]
        assert all(len(code) == 5 and code.isdigit() for code in codes)
        # Random: eight equal codes would happen once in 10^35 runs.
        assert len(set(codes)) > 1
        # The fixed dev code is not accepted in prod (for a phone whose code it is not; there is always one).
        phone, code = next((p, c) for p, c in zip(phones, codes, strict=True) if c != DEV_CODE)
        response = await client.post("/auth/otp/verify", json={"phone": phone, "code": DEV_CODE})
        assert response.status_code == 400
        response = await client.post("/auth/otp/verify", json={"phone": phone, "code": code})
        assert response.status_code == 200


async def test_gateway_failure_is_503_and_keeps_no_code(tmp_path: Path, database_url: str, app: Litestar) -> None:
    settings = make_settings(tmp_path, database_url, env="prod", sms_gateway_url="http://127.0.0.1:1/sms")
    phone = new_phone()
    async with serve(create_app(settings)) as client:
        response = await client.post("/auth/otp/request", json={"phone": phone})
        assert response.status_code == 503
        assert response.json() == {"detail": "Could not send the code"}
    assert await _rows(app, select(OtpCode.id).where(OtpCode.phone == phone)) == []


async def test_rate_limit_is_shared_through_redis(
    tmp_path: Path, database_url: str, redis_url: str, app: Litestar
) -> None:
    """Two instances behind one load balancer count one client's requests together when REDIS_URL is set."""
    settings = make_settings(tmp_path, database_url, auth_rate_limit_per_minute=2, redis_url=redis_url)
    first, second = create_app(settings), create_app(settings)
    body = {"email": f"{uuid4().hex}@example.com", "password": "whatever"}
    async with serve(first) as one, serve(second) as two:
        await first.stores.get(AUTH_RATE_LIMIT_STORE).delete_all()
        assert (await one.post("/auth/admin/login", json=body)).status_code == 400
        assert (await two.post("/auth/admin/login", json=body)).status_code == 400
        assert (await one.post("/auth/admin/login", json=body)).status_code == 429
        assert (await two.post("/auth/admin/login", json=body)).status_code == 429
        await first.stores.get(AUTH_RATE_LIMIT_STORE).delete_all()


async def test_otp_throttles_hold_across_instances(tmp_path: Path, database_url: str, app: Litestar) -> None:
    """The per-phone throttles are read from the stored codes, so two instances on one database share them: a code
    asked for on one is "too soon" on the other, and the hourly limit counts the codes both sent."""
    settings = make_settings(tmp_path, database_url, otp_resend_seconds=60, otp_hourly_limit=2)
    phone, other = new_phone(), new_phone()
    async with serve(create_app(settings)) as one, serve(create_app(settings)) as two:
        assert (await one.post("/auth/otp/request", json={"phone": phone})).status_code == 204
        refused = await two.post("/auth/otp/request", json={"phone": phone})
        assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
    quick = make_settings(tmp_path, database_url, otp_resend_seconds=0, otp_hourly_limit=2)
    async with serve(create_app(quick)) as one, serve(create_app(quick)) as two:
        assert (await one.post("/auth/otp/request", json={"phone": other})).status_code == 204
        assert (await two.post("/auth/otp/request", json={"phone": other})).status_code == 204
        assert (await one.post("/auth/otp/request", json={"phone": other})).status_code == 429


async def test_parallel_wrong_guesses_still_burn_the_code(client: httpx.AsyncClient) -> None:
    """Guesses sent at once each count (one UPDATE each), so a burst cannot outrun the attempt limit."""
    phone = new_phone()
    await client.post("/auth/otp/request", json={"phone": phone})
    body = {"phone": phone, "code": "00000"}
    responses = await asyncio.gather(*(client.post("/auth/otp/verify", json=body) for _ in range(12)))
    assert {r.status_code for r in responses} == {400}
    response = await client.post("/auth/otp/verify", json={"phone": phone, "code": DEV_CODE})
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid code"})


async def test_a_code_is_used_once_even_in_parallel(client: httpx.AsyncClient) -> None:
    phone = new_phone()
    await client.post("/auth/otp/request", json={"phone": phone})
    body = {"phone": phone, "code": DEV_CODE}
    responses = await asyncio.gather(*(client.post("/auth/otp/verify", json=body) for _ in range(4)))
    assert sorted(r.status_code for r in responses) == [200, 400, 400, 400]


async def _admin_account(client: httpx.AsyncClient) -> dict[str, str]:
    body = {"email": f"{uuid4().hex}@example.com", "password": "admin-password"}
    response = await client.post("/auth/admin/signup", json={**body, "signup_token": ADMIN_SIGNUP_TOKEN})
    assert response.status_code == 200, response.text
    return body


async def test_password_logins_lock_per_account(tmp_path: Path, database_url: str, app: Litestar) -> None:
    """Three failures lock that e-mail (the per-IP limit is off here): even the right password is a 429 until the
    window ends, while another account still logs in; a success clears the count."""
    settings = make_settings(tmp_path, database_url, login_failure_limit=3, login_failure_window_seconds=600)
    async with serve(create_app(settings)) as client:
        locked, other = await _admin_account(client), await _admin_account(client)
        wrong = {**locked, "password": "wrong-password"}
        assert [(await client.post("/auth/admin/login", json=wrong)).status_code for _ in range(3)] == [400] * 3
        response = await client.post("/auth/admin/login", json={**locked, "email": locked["email"].upper()})
        assert (response.status_code, response.json()) == (429, {"detail": "Too many requests"})
        assert 0 < int(response.headers["Retry-After"]) <= 600
        # The same e-mail through the company login is the same account.
        assert (await client.post("/auth/company/login", json=locked)).status_code == 429

        other_wrong = {**other, "password": "wrong-password"}
        for _ in range(2):
            assert (await client.post("/auth/admin/login", json=other_wrong)).status_code == 400
        assert (await client.post("/auth/admin/login", json=other)).status_code == 200
        for _ in range(2):
            assert (await client.post("/auth/admin/login", json=other_wrong)).status_code == 400
        assert (await client.post("/auth/admin/login", json=other)).status_code == 200


@pytest.mark.parametrize("shared", [False, True])
async def test_tries_sent_at_once_cannot_outrun_the_account_lock(
    tmp_path: Path, database_url: str, redis_url: str, app: Litestar, shared: bool
) -> None:
    """Each try is counted before its password is checked: of 20 wrong passwords sent together, only the first 3
    are checked at all, in memory and through Redis."""
    settings = make_settings(tmp_path, database_url, login_failure_limit=3, redis_url=redis_url if shared else "")
    async with serve(create_app(settings)) as client:
        account = await _admin_account(client)
        wrong = {**account, "password": "wrong-password"}
        answers = await asyncio.gather(*(client.post("/auth/admin/login", json=wrong) for _ in range(20)))
    assert sorted(response.status_code for response in answers) == [400] * 3 + [429] * 17


async def test_login_lock_can_be_switched_off(tmp_path: Path, database_url: str, app: Litestar) -> None:
    async with serve(create_app(make_settings(tmp_path, database_url, login_failure_limit=0))) as client:
        account = await _admin_account(client)
        wrong = {**account, "password": "wrong-password"}
        assert [(await client.post("/auth/admin/login", json=wrong)).status_code for _ in range(12)] == [400] * 12
        assert (await client.post("/auth/admin/login", json=account)).status_code == 200


async def test_account_lock_is_shared_through_redis(
    tmp_path: Path, database_url: str, redis_url: str, app: Litestar
) -> None:
    """Failures on one instance lock the account on the other (`app`: the session's database has the schema)."""
    settings = make_settings(tmp_path, database_url, login_failure_limit=2, redis_url=redis_url)
    async with serve(create_app(settings)) as one, serve(create_app(settings)) as two:
        account = await _admin_account(one)
        wrong = {**account, "password": "wrong-password"}
        assert (await one.post("/auth/admin/login", json=wrong)).status_code == 400
        assert (await two.post("/auth/admin/login", json=wrong)).status_code == 400
        assert (await one.post("/auth/admin/login", json=account)).status_code == 429
        assert (await two.post("/auth/admin/login", json=account)).status_code == 429
