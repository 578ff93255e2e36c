"""Auth through HTTP: register, login, refresh rotation and reuse detection, logout, bad tokens."""

from __future__ import annotations

import time

import pytest
from httpx import AsyncClient
from joserfc import jwt
from joserfc.jwk import OctKey

from tests.conftest import PASSWORD, Actor

REGISTER = {"email": "Ada@Example.COM", "username": "ada", "password": "Correct-horse-42"}


async def register_and_login(client: AsyncClient) -> dict:
    assert (await client.post("/api/auth/register", json=REGISTER)).status_code == 201
    resp = await client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": REGISTER["password"]}
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_register_creates_a_user_with_normalised_email(client: AsyncClient) -> None:
    resp = await client.post("/api/auth/register", json=REGISTER)
    assert resp.status_code == 201
    body = resp.json()
    assert body["email"] == "ada@example.com"
    assert body["role"] == "user"
    assert "password_hash" not in body
    assert resp.headers["location"] == f"/api/users/{body['id']}"


async def test_register_refuses_a_role_in_the_body(client: AsyncClient) -> None:
    # Like every other body: an unknown field is refused, not silently dropped.
    resp = await client.post("/api/auth/register", json={**REGISTER, "role": "admin"})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["loc"] == ["body", "role"]
    assert (await client.get("/api/users/1")).status_code == 401  # nothing was created
    login = {"email": REGISTER["email"].lower(), "password": REGISTER["password"]}
    assert (await client.post("/api/auth/login", json=login)).status_code == 401


async def test_login_and_refresh_refuse_unknown_fields(client: AsyncClient) -> None:
    await register_and_login(client)
    login = {"email": "ada@example.com", "password": REGISTER["password"], "remember": True}
    resp = await client.post("/api/auth/login", json=login)
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["loc"] == ["body", "remember"]
    resp = await client.post("/api/auth/refresh", json={"refresh_token": "x" * 20, "extra": 1})
    assert resp.status_code == 422


async def test_duplicate_email_in_another_case_is_409(client: AsyncClient) -> None:
    await client.post("/api/auth/register", json=REGISTER)
    resp = await client.post(
        "/api/auth/register", json={**REGISTER, "email": "ADA@example.com", "username": "ada2"}
    )
    assert resp.status_code == 409
    assert resp.headers["content-type"] == "application/problem+json"


async def test_duplicate_username_in_another_case_is_409(client: AsyncClient) -> None:
    await client.post("/api/auth/register", json=REGISTER)
    resp = await client.post(
        "/api/auth/register", json={**REGISTER, "email": "other@example.com", "username": "ADA"}
    )
    assert resp.status_code == 409


async def test_409_does_not_say_whether_the_email_or_the_username_exists(
    client: AsyncClient,
) -> None:
    # Account enumeration: a taken email and a taken username must answer the same words.
    await client.post("/api/auth/register", json=REGISTER)
    taken_email = await client.post(
        "/api/auth/register", json={**REGISTER, "username": "someone-else"}
    )
    taken_username = await client.post(
        "/api/auth/register", json={**REGISTER, "email": "someone-else@example.com"}
    )
    assert taken_email.status_code == taken_username.status_code == 409

    def visible(body: dict) -> dict:
        return {k: v for k, v in body.items() if k not in {"instance", "request_id"}}

    assert visible(taken_email.json()) == visible(taken_username.json())
    assert "email or username" in taken_email.json()["detail"]


async def test_weak_passwords_are_422_with_reason(client: AsyncClient) -> None:
    for weak in ("short1!", "onlyletterslong", "aaaaaaaaaaaa1", "xxada-yy-zz-99"):
        resp = await client.post("/api/auth/register", json={**REGISTER, "password": weak})
        assert resp.status_code == 422, weak
        body = resp.json()
        assert body["status"] == 422
        assert body["errors"], weak


async def test_a_password_containing_the_username_is_refused_on_the_password_field(
    client: AsyncClient,
) -> None:
    resp = await client.post(
        "/api/auth/register", json={**REGISTER, "password": "my-ADA-password-7"}
    )
    assert resp.status_code == 422
    (error,) = resp.json()["errors"]
    assert error["loc"] == ["body", "password"]
    assert "must not contain the username" in error["msg"]


@pytest.mark.parametrize("common", ["Password1234", "password1234", "QWERTY123456", "123456789abc"])
async def test_a_common_password_is_refused_on_the_password_field(
    client: AsyncClient, common: str
) -> None:
    # In the breached-password list zxcvbn ships (compared ignoring case): long enough and mixed,
    # yet among the first guesses of any attacker.
    resp = await client.post("/api/auth/register", json={**REGISTER, "password": common})
    assert resp.status_code == 422, resp.text
    (error,) = resp.json()["errors"]
    assert error["loc"] == ["body", "password"]
    assert "too common" in error["msg"]


@pytest.mark.parametrize(
    "password",
    [
        "\u043f\u0430\u0440\u043e\u043b\u044c123456",  # Cyrillic letters and digits
        "\u03ba\u03c9\u03b4\u03b9\u03ba\u03cc\u03c2 \u03bc\u03bf\u03c5 42!",  # Greek
        "\u79c1\u306e\u79d8\u5bc6\u306e\u5408\u8a00\u8449\u306f7\u756a\u3067\u3059",  # Japanese
        "\u0645\u0641\u062a\u0627\u062d-\u0633\u0631\u064a-\u0669\u0669",  # Arabic
    ],
)
async def test_letters_of_any_script_count_as_letters(client: AsyncClient, password: str) -> None:
    resp = await client.post("/api/auth/register", json={**REGISTER, "password": password})
    assert resp.status_code == 201, resp.text


@pytest.mark.parametrize(
    "password",
    [
        "\u043f\u0430\u0440\u043e\u043b\u044c\u0441\u043b\u043e\u0432\u043e\u0434\u0430",
        "1234567890!!",
    ],
)
async def test_a_password_of_only_letters_or_no_letter_is_refused(
    client: AsyncClient, password: str
) -> None:
    resp = await client.post("/api/auth/register", json={**REGISTER, "password": password})
    assert resp.status_code == 422, resp.text
    (error,) = resp.json()["errors"]
    assert error["loc"] == ["body", "password"]


async def test_register_rejects_bad_email(client: AsyncClient) -> None:
    resp = await client.post("/api/auth/register", json={**REGISTER, "email": "not-an-email"})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["loc"] == ["body", "email"]


async def test_login_with_json_returns_token_pair(client: AsyncClient) -> None:
    tokens = await register_and_login(client)
    assert tokens["token_type"] == "bearer"
    assert 600 <= tokens["expires_in"] <= 1200
    assert tokens["refresh_expires_in"] >= 13 * 86400
    me = await client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["username"] == "ada"


async def test_login_with_oauth2_form(client: AsyncClient) -> None:
    await client.post("/api/auth/register", json=REGISTER)
    resp = await client.post(
        "/api/auth/login",
        data={
            "username": "ADA@example.com",
            "password": REGISTER["password"],
            "grant_type": "password",
        },
    )
    assert resp.status_code == 200
    assert resp.json()["access_token"]


async def test_wrong_password_and_unknown_email_give_the_same_401(client: AsyncClient) -> None:
    await client.post("/api/auth/register", json=REGISTER)
    wrong = await client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": "nope-nope-1"}
    )
    unknown = await client.post(
        "/api/auth/login", json={"email": "who@example.com", "password": "nope-nope-1"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["www-authenticate"] == "Bearer"


async def test_login_with_malformed_json_is_400(client: AsyncClient) -> None:
    resp = await client.post(
        "/api/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert resp.status_code == 400
    assert resp.json()["title"] == "Bad request"


async def test_refresh_rotates_and_old_token_dies(client: AsyncClient) -> None:
    tokens = await register_and_login(client)
    first = await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert first.status_code == 200
    new = first.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    again = await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401


async def test_reusing_a_dead_refresh_token_revokes_the_family(client: AsyncClient) -> None:
    tokens = await register_and_login(client)
    rotated = (
        await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    ).json()
    # The attacker replays the stolen (already rotated) token...
    replay = await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert replay.status_code == 401
    # ...and the legitimate holder's newer token is dead too.
    victim = await client.post(
        "/api/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert victim.status_code == 401


async def test_other_sessions_survive_reuse_detection(client: AsyncClient) -> None:
    first = await register_and_login(client)
    second = (
        await client.post(
            "/api/auth/login", json={"email": "ada@example.com", "password": REGISTER["password"]}
        )
    ).json()
    await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    other = await client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert other.status_code == 200


async def test_logout_revokes_refresh_token(client: AsyncClient) -> None:
    tokens = await register_and_login(client)
    out = await client.post("/api/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    resp = await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert resp.status_code == 401
    # Idempotent.
    assert (
        await client.post("/api/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    ).status_code == 204


async def test_me_without_token_is_401_with_challenge(client: AsyncClient) -> None:
    resp = await client.get("/api/auth/me")
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"] == "Bearer"
    assert resp.json()["status"] == 401


def _forge(app, *, signing_key: bytes | None = None, **changes) -> str:
    """A token with chosen claims, signed with the app's own key unless `signing_key` is given."""
    now = int(time.time())
    claims = {
        "sub": "1",
        "role": "user",
        "iss": app.state.settings.jwt_issuer,
        "aud": app.state.settings.jwt_audience,
        "iat": now,
        "exp": now + 600,
        "jti": "x" * 32,
    }
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    key = OctKey.import_key(signing_key or app.state.settings.secret_key.encode())
    return jwt.encode({"alg": "HS256"}, claims, key)


async def _assert_rejected(client: AsyncClient, token: str) -> None:
    resp = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401, token
    assert resp.headers["www-authenticate"] == "Bearer"


async def test_valid_forged_control_token_is_accepted(
    client: AsyncClient, app, user: Actor
) -> None:
    # Control for the cases below: the forging helper itself makes acceptable tokens.
    resp = await client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {_forge(app, sub=str(user.id))}"}
    )
    assert resp.status_code == 200


async def test_alg_none_token_is_401(client: AsyncClient, user: Actor) -> None:
    import base64
    import json

    def b64(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    payload = json.loads(base64.urlsafe_b64decode(user.token.split(".")[1] + "=="))
    await _assert_rejected(client, f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}.")


async def test_tampered_token_is_401(client: AsyncClient, user: Actor) -> None:
    import base64
    import json

    header, payload, sig = user.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    await _assert_rejected(client, f"{header}.{forged}.{sig}")


async def test_expired_token_is_401(client: AsyncClient, app, user: Actor) -> None:
    old = int(time.time()) - 3600
    await _assert_rejected(client, _forge(app, sub=str(user.id), iat=old, exp=old + 60))


async def test_wrong_audience_token_is_401(client: AsyncClient, app, user: Actor) -> None:
    await _assert_rejected(client, _forge(app, sub=str(user.id), aud="someone-else"))


async def test_wrong_issuer_token_is_401(client: AsyncClient, app, user: Actor) -> None:
    await _assert_rejected(client, _forge(app, sub=str(user.id), iss="evil"))


async def test_token_missing_jti_is_401(client: AsyncClient, app, user: Actor) -> None:
    await _assert_rejected(client, _forge(app, sub=str(user.id), jti=None))


async def test_token_with_unknown_role_is_401(client: AsyncClient, app, user: Actor) -> None:
    await _assert_rejected(client, _forge(app, sub=str(user.id), role="superuser"))


async def test_token_signed_with_other_key_is_401(client: AsyncClient, app, user: Actor) -> None:
    # Claims valid in every respect (the control test accepts them with the app's key): only
    # the signature is wrong, so this fails only if signatures are actually checked.
    other_key = b"another-secret-another-secret-another-secret"
    await _assert_rejected(client, _forge(app, signing_key=other_key, sub=str(user.id)))


async def test_garbage_token_is_401(client: AsyncClient) -> None:
    await _assert_rejected(client, "not.a.jwt")


async def test_deactivated_user_token_stops_working_at_once(
    client: AsyncClient, user: Actor, admin: Actor
) -> None:
    assert (await client.get("/api/auth/me", headers=user.headers)).status_code == 200
    resp = await client.patch(
        f"/api/users/{user.id}", json={"is_active": False}, headers=admin.headers
    )
    assert resp.status_code == 200
    assert (await client.get("/api/auth/me", headers=user.headers)).status_code == 401


async def test_deactivated_user_cannot_log_in_or_refresh(client: AsyncClient, admin: Actor) -> None:
    tokens = await register_and_login(client)
    me = (
        await client.get(
            "/api/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
    ).json()
    await client.patch(f"/api/users/{me['id']}", json={"is_active": False}, headers=admin.headers)
    login = await client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert login.status_code == 401
    assert (
        await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    ).status_code == 401


async def test_password_hash_is_upgraded_on_login_when_parameters_change(
    client: AsyncClient, app
) -> None:
    from blog_api.core.security import password_hasher
    from blog_api.users.models import User

    await client.post("/api/auth/register", json=REGISTER)
    # Store a hash made with weaker parameters than the current profile.
    weak = password_hasher("fast").__class__(time_cost=1, memory_cost=512, parallelism=1)
    await User.filter(email="ada@example.com").update(password_hash=weak.hash(REGISTER["password"]))
    resp = await client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": REGISTER["password"]}
    )
    assert resp.status_code == 200
    stored = (await User.get(email="ada@example.com")).password_hash
    assert "m=1024" in stored
    assert stored.startswith("$argon2id$")


def _arabic_indic(number: int) -> str:
    """`12` -> the same number in Arabic-Indic digits (which `int()` reads as 12)."""
    return "".join(chr(0x0660 + int(digit)) for digit in str(number))


@pytest.mark.parametrize("sub", ["\u00b2", "\u00b9", "\uff11", "+1", " 1", "1_0", "1\n"])
async def test_subject_that_is_not_ascii_digits_is_401(
    client: AsyncClient, app, user: Actor, sub: str
) -> None:
    # `str.isdigit()` is true for "²" (int() then raises: a 500) and `int()` accepts fullwidth
    # digits, signs, spaces and underscores: only ASCII digits name a user.
    await _assert_rejected(client, _forge(app, sub=sub))


async def test_subject_in_arabic_indic_digits_does_not_name_the_user(
    client: AsyncClient, app, user: Actor, other_user: Actor
) -> None:
    # int("٢") == 2: without the ASCII check this token would act as `other_user`.
    await _assert_rejected(client, _forge(app, sub=_arabic_indic(other_user.id)))
