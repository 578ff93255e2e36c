"""`/api/auth/...` account flows: email verification, email change, password reset, TOTP.

The login routes themselves (`/login`, `/login/second-factor`) live in `auth.router`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status

from blog_api.accounts import service as accounts_service
from blog_api.accounts import twofactor
from blog_api.accounts.schemas import (
    Accepted,
    CodeBody,
    EmailChange,
    PasswordForgotten,
    PasswordReset,
    RecoveryCodes,
    TokenBody,
    TotpEnrolment,
)
from blog_api.auth.dependencies import CurrentUser, SettingsDep, user_rate_limit_key
from blog_api.auth.schemas import normalise_email
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
    responses=problem_responses(400, 401, 403, 409, 422),
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
    body: Annotated[PasswordForgotten, Depends(counted_reset_request)], settings: SettingsDep
) -> Accepted:
    """Mail a reset link if an account has this address; the answer is the same if not."""
    await accounts_service.request_password_reset(body.email, settings=settings)
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
async def enrol_totp(user: CurrentUser) -> TotpEnrolment:
    """A new secret and its `otpauth://` URI (show as a QR code); confirm it with a code."""
    secret, uri = await twofactor.begin_enrolment(user)
    return TotpEnrolment(secret=secret, otpauth_uri=uri)


@router.post(
    "/2fa/totp/confirm",
    response_model=RecoveryCodes,
    summary="Confirm TOTP enrolment with a code",
    dependencies=[Depends(rate_limit("second_factor", key=user_rate_limit_key))],
    responses=problem_responses(400, 401, 409, 422, 429),
)
async def confirm_totp(user: CurrentUser, body: CodeBody) -> RecoveryCodes:
    """Turn two-factor on; the answer holds ten single-use recovery codes, shown only once."""
    return RecoveryCodes(recovery_codes=await twofactor.confirm_enrolment(user, body.code))


@router.post(
    "/2fa/totp/disable",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Turn TOTP off (needs a fresh code)",
    dependencies=[Depends(rate_limit("second_factor", key=user_rate_limit_key))],
    responses=problem_responses(400, 401, 409, 422, 429),
)
async def disable_totp(user: CurrentUser, body: CodeBody) -> Response:
    """Turn two-factor off with an authenticator code or a recovery code."""
    await twofactor.disable(user, body.code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
