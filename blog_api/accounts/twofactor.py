"""TOTP two-factor (RFC 6238 with pyotp): enrolment, recovery codes, the second login step.

- Enrolment: `begin_enrolment` stores a new secret (unconfirmed) and returns its `otpauth://`
  URI; `confirm_enrolment` with a valid code turns two-factor on and returns ten recovery codes,
  shown once and stored as digests.
- Codes: the current 30-second step and one either side are accepted (clock drift), but only a
  step later than the last accepted one (`TotpCredential.last_step`, a conditional UPDATE), so
  a code is never accepted twice, not even within its window.
- Login: with two-factor on, the password step returns a short-lived, single-use
  `second_factor_token` (stored as a digest, `SECOND_FACTOR` purpose) instead of tokens; the code
  step exchanges it and a code for the usual pair. Wrong codes are counted on the token, which
  dies after `MAX_SECOND_FACTOR_ATTEMPTS`.
- Disabling needs a fresh code (TOTP or recovery), not just an access token.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta, timezone

import pyotp
from tortoise.expressions import F

from blog_api.accounts.models import AccountToken, RecoveryCode, TokenPurpose, TotpCredential
from blog_api.accounts.schemas import SecondFactorChallenge
from blog_api.accounts.service import issue_token
from blog_api.auth import service as auth_service
from blog_api.auth.schemas import TokenPair
from blog_api.core.config import Settings
from blog_api.core.db import transaction
from blog_api.core.errors import AppError, Conflict, Unauthorized
from blog_api.core.security import token_digest
from blog_api.mail import service as mail_service
from blog_api.users.models import User

ISSUER = "blog_api"
RECOVERY_CODE_COUNT = 10
MAX_SECOND_FACTOR_ATTEMPTS = 5
# Recovery codes: 10 characters of an alphabet without look-alikes (0/o, 1/l), ~50 bits.
_RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


class InvalidCode(AppError):
    status, code, title = 400, "invalid-code", "Invalid code"


class InvalidSecondFactor(Unauthorized):
    code, title = "invalid-second-factor", "Second factor refused"


class TwoFactorState(Conflict):
    code, title = "two-factor-state", "Two-factor is not in the required state"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _normalise_code(code: str) -> str:
    return code.replace(" ", "").replace("-", "").lower()


def _matching_step(secret: str, code: str, *, after: int) -> int | None:
    """The time step (now, or one either side) whose code is `code`, if later than `after`."""
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(_now())
    for step in (now_step - 1, now_step, now_step + 1):
        if step > after and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def _use_totp(cred: TotpCredential, code: str) -> bool:
    step = _matching_step(cred.secret, code.replace(" ", ""), after=cred.last_step)
    if step is None:
        return False
    # Conditional: of two requests with the same code only one advances the step.
    won = await TotpCredential.filter(id=cred.id, last_step__lt=step).update(last_step=step)
    return bool(won)


async def _use_recovery_code(user_id: int, code: str) -> bool:
    digest = token_digest(_normalise_code(code))
    won = await RecoveryCode.filter(user_id=user_id, code_hash=digest, used_at=None).update(
        used_at=_now()
    )
    return bool(won)


async def check_code(user: User, code: str) -> bool:
    """Whether `code` is a fresh TOTP code or an unused recovery code of `user` (spends it)."""
    cred = await TotpCredential.get_or_none(user_id=user.id, confirmed_at__isnull=False)
    if cred is None:
        return False
    return await _use_totp(cred, code) or await _use_recovery_code(user.id, code)


async def begin_enrolment(user: User) -> tuple[str, str]:
    """A new unconfirmed secret for `user`: (secret, otpauth URI)."""
    if user.totp_enabled:
        raise TwoFactorState("two-factor is already on; disable it first to enrol a new device")
    secret = pyotp.random_base32()
    async with transaction() as conn:
        await TotpCredential.filter(user_id=user.id).using_db(conn).delete()
        await TotpCredential.create(user_id=user.id, secret=secret, using_db=conn)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return secret, uri


async def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn two-factor on with a first valid code; returns the ten recovery codes (once)."""
    cred = await TotpCredential.get_or_none(user_id=user.id, confirmed_at=None)
    if user.totp_enabled or cred is None:
        raise TwoFactorState("start an enrolment first (POST /api/auth/2fa/totp/enrol)")
    if not await _use_totp(cred, code):
        raise InvalidCode("the code is wrong or was already used; wait for the next one")
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    async with transaction() as conn:
        await TotpCredential.filter(id=cred.id).using_db(conn).update(confirmed_at=_now())
        await RecoveryCode.filter(user_id=user.id).using_db(conn).delete()
        await RecoveryCode.bulk_create(
            [
                RecoveryCode(user_id=user.id, code_hash=token_digest(_normalise_code(c)))
                for c in codes
            ],
            using_db=conn,
        )
        user.totp_enabled = True
        await user.save(using_db=conn, update_fields=["totp_enabled", "updated_at"])
        mail_service.enqueue(
            "two_factor_changed",
            to=user.email,
            context={"username": user.username, "change": "turned on"},
            using_db=conn,
        )
    return codes


async def disable(user: User, code: str) -> None:
    """Turn two-factor off; needs a fresh code (an access token alone is not enough)."""
    if not user.totp_enabled:
        raise TwoFactorState("two-factor is not on")
    if not await check_code(user, code):
        raise InvalidCode("the code is wrong or was already used")
    async with transaction() as conn:
        await TotpCredential.filter(user_id=user.id).using_db(conn).delete()
        await RecoveryCode.filter(user_id=user.id).using_db(conn).delete()
        user.totp_enabled = False
        await user.save(using_db=conn, update_fields=["totp_enabled", "updated_at"])
        mail_service.enqueue(
            "two_factor_changed",
            to=user.email,
            context={"username": user.username, "change": "turned off"},
            using_db=conn,
        )


async def start_second_factor(user: User, *, settings: Settings) -> SecondFactorChallenge:
    """The password was right and two-factor is on: a token for the code step."""
    lifetime = timedelta(minutes=settings.second_factor_minutes)
    async with transaction() as conn:
        token = await issue_token(user.id, TokenPurpose.second_factor, lifetime, conn=conn)
    return SecondFactorChallenge(
        second_factor_token=token, expires_in=int(lifetime.total_seconds())
    )


async def complete_second_factor(
    token: str, code: str, *, ctx: auth_service.AuthContext
) -> TokenPair:
    """Exchange a second-factor token and a code for the token pair of a new login."""
    refused = "the second-factor token is invalid or expired; log in again"
    row = await AccountToken.get_or_none(
        token_hash=token_digest(token), purpose=TokenPurpose.second_factor
    )
    if row is None or row.used_at is not None or row.expires_at <= _now():
        raise InvalidSecondFactor(refused)
    user = await User.get_or_none(id=row.user_id)
    if user is None or not user.is_active or not user.totp_enabled:
        raise InvalidSecondFactor(refused)
    if not await check_code(user, code):
        await AccountToken.filter(id=row.id).update(attempts=F("attempts") + 1)
        if row.attempts + 1 >= MAX_SECOND_FACTOR_ATTEMPTS:
            await AccountToken.filter(id=row.id).update(used_at=_now())
            raise InvalidSecondFactor("too many wrong codes; log in again")
        raise InvalidSecondFactor("the code is wrong or was already used")
    won = await AccountToken.filter(id=row.id, used_at=None).update(used_at=_now())
    if not won:
        raise InvalidSecondFactor(refused)
    return await auth_service.issue_tokens(user, ctx=ctx)
