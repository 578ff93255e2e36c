"""Authentication and role dependencies; every protected route uses one of these aliases."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from blog_api.auth import service as auth_service
from blog_api.auth.service import AuthContext
from blog_api.core import requestid
from blog_api.core.config import Settings
from blog_api.core.errors import Forbidden, Unauthorized
from blog_api.core.security import TokenError, TokenService
from blog_api.users.models import Role, User

logger = logging.getLogger("blog_api.auth")

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/login", auto_error=False)


async def get_app_settings(request: Request) -> Settings:
    """The settings the running app was built with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_token_service(request: Request) -> TokenService:
    """The app's access-token service."""
    tokens: TokenService = request.app.state.tokens
    return tokens


async def get_auth_context(request: Request) -> AuthContext:
    """Settings plus token service, for the auth service functions."""
    return AuthContext(settings=request.app.state.settings, tokens=request.app.state.tokens)


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
AuthContextDep = Annotated[AuthContext, Depends(get_auth_context)]
TokenServiceDep = Annotated[TokenService, Depends(get_token_service)]


@dataclass(frozen=True, slots=True)
class Credential:
    """The caller, and the lifetime (`exp`) and login (`sid`) of the token they sent.

    Real-time sessions keep the last two: they end when the token expires or the login is
    revoked (docs/realtime.md).
    """

    user: User
    expires_at: int
    session_id: str | None


async def credential_from_access_token(
    token: str, tokens: TokenService, *, settings: Settings
) -> Credential:
    """Validate an access token and load its user; any failure is a 401.

    The user row is read on every request so deactivation and role changes apply at once, and
    in the same query the token's login is looked up: a logged-out or revoked one is refused.
    The user comes with the powers they may use (`auth_service.acting_user`: a reviewer
    without the two-factor REQUIRE_2FA_FOR_REVIEWERS asks for acts as a plain user).
    """
    try:
        claims = tokens.validate(token)
    except TokenError as exc:
        logger.info("rejected access token", extra={"reason": str(exc).split(":")[0]})
        raise Unauthorized("access token is invalid or expired") from exc
    user, revoked = await auth_service.session_user(claims)
    if user is None or not user.is_active:
        raise Unauthorized("account is not active")
    if revoked:
        raise Unauthorized("this login has ended (logout or revoked refresh token); log in again")
    if user.role.value != claims.role:
        raise Unauthorized("your role changed since this token was issued; refresh it")
    auth_service.acting_user(user, settings)
    return Credential(user=user, expires_at=claims.expires_at, session_id=claims.session_id)


async def user_from_access_token(token: str, tokens: TokenService, *, settings: Settings) -> User:
    """`credential_from_access_token`, for callers that need only the user."""
    return (await credential_from_access_token(token, tokens, settings=settings)).user


async def get_optional_user(
    request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User | None:
    """The caller of a public route if a valid bearer token is sent, else None.

    One rule for every public route: a token that does not authenticate (expired, revoked,
    garbage) is ignored and the answer is the anonymous one, so a client holding a stale token
    still shows the public site; routes that need a caller answer 401 (`get_current_user`).
    """
    if not token:
        return None
    try:
        user = await user_from_access_token(
            token, request.app.state.tokens, settings=request.app.state.settings
        )
    except Unauthorized:
        return None
    requestid.set_current_user_id(user.id)
    return user


async def get_current_user(
    request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    """The authenticated caller; 401 with `WWW-Authenticate: Bearer` otherwise."""
    if not token:
        raise Unauthorized("send an access token as 'Authorization: Bearer <token>'")
    user = await user_from_access_token(
        token, request.app.state.tokens, settings=request.app.state.settings
    )
    requestid.set_current_user_id(user.id)
    return user


async def get_current_credential(
    token: Annotated[str | None, Depends(oauth2_scheme)],
    tokens: TokenServiceDep,
    settings: SettingsDep,
) -> Credential:
    """The authenticated caller with their token's lifetime and login (stream tickets)."""
    if not token:
        raise Unauthorized("send an access token as 'Authorization: Bearer <token>'")
    credential = await credential_from_access_token(token, tokens, settings=settings)
    requestid.set_current_user_id(credential.user.id)
    return credential


class SecondFactorEnrolmentRequired(Forbidden):
    code, title = "second-factor-enrolment-required", "Two-factor enrolment required"


class EmailNotVerified(Forbidden):
    code, title = "email-not-verified", "Email address not verified"


def require_role(*roles: Role) -> Callable[..., Awaitable[User]]:
    """A dependency admitting only callers whose role is one of `roles` (403 otherwise).

    With REQUIRE_2FA_FOR_REVIEWERS, an `l1_approver` or `admin` without TOTP acts as a plain
    user (`auth_service.acting_user`), so they are refused like one; here the refusal says why
    (403 `second-factor-enrolment-required`) when their account's role would be admitted. The
    enrolment routes need only `CurrentUser`, so the account can still turn it on.
    """
    allowed = frozenset(roles)
    names = ", ".join(r.value for r in roles)

    async def dependency(user: Annotated[User, Depends(get_current_user)]) -> User:
        if user.role in allowed:
            return user
        if user.withheld_role in allowed:
            raise SecondFactorEnrolmentRequired(
                "reviewers and admins must turn on two-factor first "
                "(POST /api/auth/2fa/totp/enrol, then /api/auth/2fa/totp/confirm)"
            )
        raise Forbidden(f"this action needs one of the roles: {names}")

    return dependency


async def get_posting_user(
    user: Annotated[User, Depends(get_current_user)], request: Request
) -> User:
    """The caller, if they may submit posts: with REQUIRE_VERIFIED_EMAIL_TO_POST, only once
    their address is verified (403 `email-not-verified` otherwise)."""
    settings: Settings = request.app.state.settings
    if settings.require_verified_email_to_post and user.email_verified_at is None:
        raise EmailNotVerified(
            "confirm your email address before submitting posts: follow the link we mailed "
            "you, or ask for a new one with POST /api/auth/email/verify/resend"
        )
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]
CurrentUser = Annotated[User, Depends(get_current_user)]
CurrentCredential = Annotated[Credential, Depends(get_current_credential)]
PostingUser = Annotated[User, Depends(get_posting_user)]
Approver = Annotated[User, Depends(require_role(Role.l1_approver, Role.admin))]
Admin = Annotated[User, Depends(require_role(Role.admin))]


async def user_rate_limit_key(user: CurrentUser) -> str:
    """Rate-limit key (for `core.ratelimit.rate_limit(..., key=...)`): the authenticated user.

    It lives here, not in core, so core never imports a domain; anonymous callers get 401.
    """
    return f"user:{user.id}"
