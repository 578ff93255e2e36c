"""`/api/auth/...` account flows: email verification, email change, password reset, TOTP.

The login routes themselves (`/login`, `/login/second-factor`) live in `auth.router`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import RedirectResponse

from blog_api.accounts import oidc, twofactor
from blog_api.accounts import service as accounts_service
from blog_api.accounts.reset_requests import ResetRequestsDep
from blog_api.accounts.schemas import (
    Accepted,
    CodeBody,
    EmailChange,
    OidcExchange,
    OidcProviderRead,
    OidcStart,
    PasswordForgotten,
    PasswordReset,
    RecoveryCodes,
    SecondFactorChallenge,
    TokenBody,
    TotpEnrolment,
)
from blog_api.auth.dependencies import (
    AuthContextDep,
    CurrentUser,
    SettingsDep,
    user_rate_limit_key,
)
from blog_api.auth.schemas import TokenPair, normalise_email
from blog_api.core.errors import problem_responses
from blog_api.core.ratelimit import get_rate_limiter, rate_limit
from blog_api.users.schemas import UserRead

router = APIRouter(prefix="/api/auth", tags=["auth"])

RESET_ACCEPTED = "if an active account uses this address, a reset link is on its way"


@router.post(
    "/email/verify",
    response_model=UserRead,
    summary="Verify the email address with the mailed token",
    responses=problem_responses(400, 422),
)
async def verify_email(body: TokenBody) -> Any:
    """Spend a verification token (single-use, expiring); the account's address is verified."""
    return await accounts_service.verify_email(body.token)


@router.post(
    "/email/verify/resend",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    summary="Mail a new verification link",
    dependencies=[Depends(rate_limit("verify_resend", key=user_rate_limit_key))],
    responses=problem_responses(401, 409, 429),
)
async def resend_verification(user: CurrentUser, settings: SettingsDep) -> Accepted:
    """Mail a new link to the current address; earlier links stop working."""
    await accounts_service.resend_verification(user, settings=settings)
    return Accepted(detail=f"a verification link is on its way to {user.email}")


@router.put(
    "/me/email",
    response_model=UserRead,
    summary="Change the email address",
    # The password is checked here (argon2): per client address first, then per user, so a
    # stolen access token is not an unlimited password-guessing oracle, from one address or many.
    dependencies=[
        Depends(rate_limit("email_change")),
        Depends(rate_limit("email_change", key=user_rate_limit_key)),
    ],
    responses=problem_responses(400, 401, 403, 409, 422, 429),
)
async def change_email(user: CurrentUser, body: EmailChange, settings: SettingsDep) -> Any:
    """Move the account to a new address (needs the password); it must be verified again."""
    return await accounts_service.change_email(user, body.email, body.password, settings=settings)


async def counted_reset_request(request: Request, body: PasswordForgotten) -> PasswordForgotten:
    """The body, counted against the reset limit of its address (whatever client sends it)."""
    key = "account:" + normalise_email(body.email)
    await get_rate_limiter(request.app).check("password_reset", key)
    return body


@router.post(
    "/password/forgot",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    summary="Ask for a password reset link",
    # Per client address first, then per submitted email: a flood of one victim's address
    # from many addresses is stopped as well as one client trying many addresses.
    dependencies=[Depends(rate_limit("password_reset"))],
    responses=problem_responses(400, 422, 429),
)
async def forgot_password(
    body: Annotated[PasswordForgotten, Depends(counted_reset_request)], requests: ResetRequestsDep
) -> Accepted:
    """Mail a reset link if an account has this address; the answer is the same if not."""
    # Queued, not handled here: the request does the same work for every address.
    requests.submit(body.email)
    return Accepted(detail=RESET_ACCEPTED)


@router.post(
    "/password/reset",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Set a new password with the mailed token",
    dependencies=[Depends(rate_limit("password_reset"))],
    responses=problem_responses(400, 422, 429),
)
async def reset_password(body: PasswordReset, settings: SettingsDep) -> Response:
    """Set the new password; every session of the account ends and the owner is told by mail."""
    await accounts_service.reset_password(body.token, body.password, settings=settings)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/2fa/totp/enrol",
    status_code=status.HTTP_201_CREATED,
    response_model=TotpEnrolment,
    summary="Start TOTP enrolment",
    responses=problem_responses(401, 409),
)
async def enrol_totp(user: CurrentUser, settings: SettingsDep) -> TotpEnrolment:
    """A new secret and its `otpauth://` URI (show as a QR code); confirm it with a code."""
    secret, uri = await twofactor.begin_enrolment(user, settings=settings)
    return TotpEnrolment(secret=secret, otpauth_uri=uri)


@router.post(
    "/2fa/totp/confirm",
    response_model=RecoveryCodes,
    summary="Confirm TOTP enrolment with a code",
    dependencies=[Depends(rate_limit("second_factor", key=user_rate_limit_key))],
    responses=problem_responses(400, 401, 409, 422, 429),
)
async def confirm_totp(user: CurrentUser, body: CodeBody, settings: SettingsDep) -> RecoveryCodes:
    """Turn two-factor on; the answer holds ten single-use recovery codes, shown only once."""
    codes = await twofactor.confirm_enrolment(user, body.code, settings=settings)
    return RecoveryCodes(recovery_codes=codes)


@router.post(
    "/2fa/totp/disable",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Turn TOTP off (needs a fresh code)",
    dependencies=[Depends(rate_limit("second_factor", key=user_rate_limit_key))],
    responses=problem_responses(400, 401, 409, 422, 429),
)
async def disable_totp(user: CurrentUser, body: CodeBody, settings: SettingsDep) -> Response:
    """Turn two-factor off with an authenticator code or a recovery code."""
    await twofactor.disable(user, body.code, settings=settings)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- OpenID Connect sign-in -------------------------------------------------------------------


async def get_oidc(request: Request) -> oidc.OidcRegistry:
    """The app's OpenID Connect providers."""
    registry: oidc.OidcRegistry = request.app.state.oidc
    return registry


OidcDep = Annotated[oidc.OidcRegistry, Depends(get_oidc)]


def _redirect_uri(request: Request, settings: SettingsDep, provider: str) -> str:
    if settings.public_api_url:
        return f"{settings.public_api_url.rstrip('/')}/api/auth/oidc/{provider}/callback"
    return str(request.url_for("oidc_callback", provider=provider))


ProviderPath = Annotated[str, oidc.PROVIDER_PATH]


@router.get(
    "/oidc/providers",
    response_model=list[OidcProviderRead],
    summary="List the OpenID Connect sign-in providers",
)
async def oidc_providers(registry: OidcDep) -> list[OidcProviderRead]:
    """The providers configured in OIDC_PROVIDERS (name and label for the sign-in button)."""
    return [OidcProviderRead(name=p.name, label=p.label) for p in registry.providers.values()]


@router.post(
    "/oidc/{provider}/start",
    response_model=OidcStart,
    summary="Start signing in with an OpenID Connect provider",
    dependencies=[Depends(rate_limit("login"))],
    responses=problem_responses(404, 422, 429, 503),
)
async def oidc_start(
    provider: ProviderPath, request: Request, settings: SettingsDep, registry: OidcDep
) -> OidcStart:
    """The provider URL to send the browser to (code flow with PKCE, state and nonce) and the
    `login_binding` the SPA keeps for the exchange."""
    url, binding = await oidc.start(
        registry, provider, redirect_uri=_redirect_uri(request, settings, provider)
    )
    return OidcStart(
        authorization_url=url,
        login_binding=binding,
        expires_in=int(oidc.LOGIN_LIFETIME.total_seconds()),
    )


@router.get(
    "/oidc/{provider}/callback",
    name="oidc_callback",
    status_code=status.HTTP_302_FOUND,
    summary="Where the provider sends the browser back",
    response_class=RedirectResponse,
    responses={
        302: {
            "description": "To `<FRONTEND_URL>/oidc/callback#login_code=...` on success, "
            "`#error=<reason>` otherwise (`invalid_state`, `invalid_id_token`, "
            "`email_not_verified`, `provider_refused`...).",
            "headers": {
                "Location": {
                    "description": "The SPA's `/oidc/callback` page with the outcome in the "
                    "fragment.",
                    "schema": {"type": "string"},
                }
            },
        },
        **problem_responses(404, 422, 503),
    },
)
async def oidc_callback(
    provider: ProviderPath,
    settings: SettingsDep,
    registry: OidcDep,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=256)] = None,
) -> RedirectResponse:
    """Check state, exchange the code (with the PKCE verifier), verify the ID token (JWKS
    signature, issuer, audience, expiry, nonce), link or create the account by verified email,
    then send the browser to the SPA."""
    target = await oidc.callback(
        registry, provider, code=code, state=state, error=error, settings=settings
    )
    return RedirectResponse(target, status_code=status.HTTP_302_FOUND)


@router.post(
    "/oidc/exchange",
    response_model=TokenPair | SecondFactorChallenge,
    summary="Exchange an OpenID Connect login code for tokens",
    dependencies=[Depends(rate_limit("login"))],
    responses=problem_responses(400, 409, 422, 429),
)
async def oidc_exchange(
    body: OidcExchange, ctx: AuthContextDep
) -> TokenPair | SecondFactorChallenge:
    """Single-use login code plus the SPA's binding -> tokens (or a second-factor challenge
    when the account has two-factor on); 409 if it names a local account whose address was
    never verified."""
    return await oidc.exchange(body.login_code, body.login_binding, ctx=ctx)
