"""`/api/auth`: register, login, refresh, logout, me."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from blog_api.accounts import service as accounts_service
from blog_api.accounts import twofactor
from blog_api.accounts.schemas import SecondFactorChallenge, SecondFactorLogin
from blog_api.auth import service as auth_service
from blog_api.auth.dependencies import AuthContextDep, CurrentUser, SettingsDep
from blog_api.auth.schemas import (
    LoginRequest,
    RefreshRequest,
    RegisterRequest,
    TokenPair,
    normalise_email,
)
from blog_api.core.errors import json_invalid_error, problem_responses
from blog_api.core.ratelimit import get_rate_limiter, rate_limit
from blog_api.users.schemas import UserRead

router = APIRouter(prefix="/api/auth", tags=["auth"])

_LOGIN_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {
                        "username": {"type": "string", "description": "Your email address."},
                        "password": {"type": "string", "format": "password"},
                        "grant_type": {"type": "string", "enum": ["password"]},
                    },
                }
            },
            # Inline: LoginRequest is no route's body model, so FastAPI never adds it to the
            # components and a $ref to it would dangle.
            "application/json": {
                "schema": LoginRequest.model_json_schema(
                    ref_template="#/components/schemas/{model}"
                )
            },
        },
    }
}


async def login_credentials(request: Request) -> LoginRequest:
    """Read credentials from the OAuth2 password form or from JSON."""
    content_type = request.headers.get("content-type", "")
    raw: Any
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        raw = {"email": form.get("username") or form.get("email"), "password": form.get("password")}
    else:
        try:
            raw = await request.json()
        except json.JSONDecodeError as exc:
            raise RequestValidationError([json_invalid_error(exc.msg, exc.pos)]) from exc
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
            raise RequestValidationError([json_invalid_error(str(exc), None)]) from exc
    try:
        return LoginRequest.model_validate(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from exc


async def login_account_key(
    credentials: Annotated[LoginRequest, Depends(login_credentials)],
) -> str:
    """Rate-limit key for login attempts on one account, whatever address they come from."""
    return "account:" + normalise_email(credentials.email)


async def counted_registration(request: Request, body: RegisterRequest) -> RegisterRequest:
    """The registration body, counted against the register limit of its (normalised) email.

    A dependency rather than a second `rate_limit(..., key=...)`: two dependencies both
    declaring the body would make FastAPI report every validation error twice.
    """
    await get_rate_limiter(request.app).check("register", "account:" + normalise_email(body.email))
    return body


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    summary="Create an account",
    # Per address first (before the body is read), then per account email, both before the
    # password is hashed.
    dependencies=[Depends(rate_limit("register"))],
    responses=problem_responses(400, 409, 413, 422, 429),
)
async def register(
    body: Annotated[RegisterRequest, Depends(counted_registration)],
    settings: SettingsDep,
    response: Response,
) -> Any:
    """Create an account with role `user` (a `role` or other unknown field is a 422).

    A verification link is mailed to the address (`/api/auth/email/verify`).
    """
    user = await accounts_service.register_account(body, settings=settings)
    response.headers["Location"] = f"/api/users/{user.id}"
    return user


@router.post(
    "/login",
    response_model=TokenPair | SecondFactorChallenge,
    summary="Log in with email and password",
    openapi_extra=_LOGIN_BODY,
    # Per address first (cheap, before the body is read), then per account; both before the
    # password hash is checked, so a flood never reaches argon2.
    dependencies=[
        Depends(rate_limit("login")),
        Depends(rate_limit("login", key=login_account_key)),
    ],
    responses=problem_responses(400, 401, 422, 429),
)
async def login(
    credentials: Annotated[LoginRequest, Depends(login_credentials)], ctx: AuthContextDep
) -> TokenPair | SecondFactorChallenge:
    """Exchange email and password for an access token and a refresh token.

    With two-factor on, the answer is a `SecondFactorChallenge` instead: finish at
    `/api/auth/login/second-factor` with its token and a code.
    """
    user = await auth_service.authenticate(
        credentials.email, credentials.password, settings=ctx.settings
    )
    if user.totp_enabled:
        return await twofactor.start_second_factor(user, settings=ctx.settings)
    return await auth_service.issue_tokens(user, ctx=ctx)


@router.post(
    "/login/second-factor",
    response_model=TokenPair,
    summary="Finish a two-factor login with a code",
    dependencies=[Depends(rate_limit("second_factor"))],
    responses=problem_responses(400, 401, 422, 429),
)
async def login_second_factor(body: SecondFactorLogin, ctx: AuthContextDep) -> TokenPair:
    """Exchange the login's second-factor token and an authenticator or recovery code for
    tokens; the second-factor token dies after five wrong codes."""
    return await twofactor.complete_second_factor(body.second_factor_token, body.code, ctx=ctx)


@router.post(
    "/refresh",
    response_model=TokenPair,
    summary="Rotate a refresh token",
    dependencies=[Depends(rate_limit("refresh"))],
    responses=problem_responses(400, 401, 422, 429),
)
async def refresh(body: RefreshRequest, ctx: AuthContextDep) -> TokenPair:
    """Exchange a refresh token for a new pair; the old refresh token stops working."""
    return await auth_service.rotate(body.refresh_token, ctx=ctx)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a refresh token",
    responses=problem_responses(400, 422),
)
async def logout(body: RefreshRequest) -> Response:
    """Revoke the session of this refresh token (idempotent)."""
    await auth_service.logout(body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/me",
    response_model=UserRead,
    summary="The current user",
    responses=problem_responses(401),
)
async def me(user: CurrentUser) -> Any:
    """Return the account the access token belongs to."""
    return user
