"""TOTP two-factor (RFC 6238 with pyotp): enrolment, recovery codes, the second login step.

- Enrolment: `begin_enrolment` stores a new secret (unconfirmed) and returns its `otpauth://`
  URI; `confirm_enrolment` with a valid code turns two-factor on and returns ten recovery codes,
  shown once and stored as digests.
- Codes: the current 30-second step and one either side are accepted (clock drift), but only a
  step later than the last accepted one (`TotpCredential.last_step`, a conditional UPDATE), so
  a code is never accepted twice, not even within its window.
- Login: with two-factor on, the password step returns a short-lived, single-use
  `second_factor_token` (stored as a digest, `SECOND_FACTOR` purpose) instead of tokens; the code
  step exchanges it and a code for the usual pair. Each code entered takes one attempt from the
  token first (a conditional UPDATE, so parallel requests cannot share one), and the token dies
  after `MAX_SECOND_FACTOR_ATTEMPTS` wrong codes: at most that many are ever checked.
- Disabling needs a fresh code (TOTP or recovery), not just an access token.
- Secrets are stored sealed (`core/secretbox.py`, bound to the user); one stored in clear before
  that, or sealed under an older key, is sealed under the current key when a code is accepted.
"""

from __future__ import annotations

import base64
import hmac
import logging
import re
import secrets
from dataclasses import dataclass, field
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
from blog_api.core.secretbox import SecretBox, UnreadableSecret, secret_box
from blog_api.core.security import token_digest
from blog_api.mail import service as mail_service
from blog_api.users.models import User

logger = logging.getLogger("blog_api.accounts")

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


# What `pyotp.random_base32()` makes, and what was stored in clear before secrets were sealed
# (a sealed value is 64 characters of URL-safe base64).
_PLAIN_SECRET = re.compile(r"[A-Z2-7]{32}")


def _context(user_id: int) -> bytes:
    return f"totp:{user_id}".encode()


def seal_secret(box: SecretBox, user_id: int, secret: str) -> str:
    """The stored form of a base32 TOTP secret."""
    return box.seal(base64.b32decode(secret), context=_context(user_id))


def open_secret(box: SecretBox, user_id: int, stored: str) -> str:
    """The base32 TOTP secret of a stored value (sealed, or in clear from before)."""
    if _PLAIN_SECRET.fullmatch(stored):
        return stored
    return base64.b32encode(box.open(stored, context=_context(user_id))).decode()


def needs_reseal(box: SecretBox, user_id: int, stored: str) -> bool:
    """Whether the stored value is in clear or sealed under an older key."""
    return bool(_PLAIN_SECRET.fullmatch(stored)) or not box.is_current(
        stored, context=_context(user_id)
    )


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


async def _use_totp(cred: TotpCredential, code: str, box: SecretBox) -> bool:
    try:
        secret = open_secret(box, cred.user_id, cred.secret)
    except UnreadableSecret:
        # A key was dropped too early: the authenticator cannot work, recovery codes still do.
        logger.error(
            "TOTP secret unreadable with DATA_ENCRYPTION_KEYS", extra={"user_id": cred.user_id}
        )
        return False
    step = _matching_step(secret, code.replace(" ", ""), after=cred.last_step)
    if step is None:
        return False
    changes: dict[str, object] = {"last_step": step}
    if needs_reseal(box, cred.user_id, cred.secret):
        changes["secret"] = seal_secret(box, cred.user_id, secret)
    # Conditional: of two requests with the same code only one advances the step.
    won = await TotpCredential.filter(id=cred.id, last_step__lt=step).update(**changes)
    return bool(won)


async def _use_recovery_code(user_id: int, code: str) -> bool:
    digest = token_digest(_normalise_code(code))
    won = await RecoveryCode.filter(user_id=user_id, code_hash=digest, used_at=None).update(
        used_at=_now()
    )
    return bool(won)


async def check_code(user: User, code: str, *, settings: Settings) -> bool:
    """Whether `code` is a fresh TOTP code or an unused recovery code of `user` (spends it)."""
    cred = await TotpCredential.get_or_none(user_id=user.id, confirmed_at__isnull=False)
    if cred is None:
        return False
    box = secret_box(settings)
    return await _use_totp(cred, code, box) or await _use_recovery_code(user.id, code)


async def begin_enrolment(user: User, *, settings: Settings) -> tuple[str, str]:
    """A new unconfirmed secret for `user`: (secret, otpauth URI)."""
    if user.totp_enabled:
        raise TwoFactorState("two-factor is already on; disable it first to enrol a new device")
    secret = pyotp.random_base32()
    async with transaction() as conn:
        await TotpCredential.filter(user_id=user.id).using_db(conn).delete()
        await TotpCredential.create(
            user_id=user.id,
            secret=seal_secret(secret_box(settings), user.id, secret),
            using_db=conn,
        )
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return secret, uri


async def confirm_enrolment(user: User, code: str, *, settings: Settings) -> list[str]:
    """Turn two-factor on with a first valid code; returns the ten recovery codes (once)."""
    cred = await TotpCredential.get_or_none(user_id=user.id, confirmed_at=None)
    if user.totp_enabled or cred is None:
        raise TwoFactorState("start an enrolment first (POST /api/auth/2fa/totp/enrol)")
    if not await _use_totp(cred, code, secret_box(settings)):
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
        await mail_service.enqueue(
            "two_factor_changed",
            to=user.email,
            context={"username": user.username, "change": "turned on"},
            using_db=conn,
        )
    return codes


async def disable(user: User, code: str, *, settings: Settings) -> None:
    """Turn two-factor off; needs a fresh code (an access token alone is not enough)."""
    if not user.totp_enabled:
        raise TwoFactorState("two-factor is not on")
    if not await check_code(user, code, settings=settings):
        raise InvalidCode("the code is wrong or was already used")
    async with transaction() as conn:
        await TotpCredential.filter(user_id=user.id).using_db(conn).delete()
        await RecoveryCode.filter(user_id=user.id).using_db(conn).delete()
        user.totp_enabled = False
        await user.save(using_db=conn, update_fields=["totp_enabled", "updated_at"])
        await mail_service.enqueue(
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
    # Claim one of the token's attempts before the code is looked at, in one conditional
    # UPDATE: parallel requests cannot all read "4 wrong so far" and each get a guess; of any
    # number of them, at most MAX_SECOND_FACTOR_ATTEMPTS codes are ever checked per token.
    claimed = await AccountToken.filter(
        id=row.id, used_at=None, attempts__lt=MAX_SECOND_FACTOR_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        raise InvalidSecondFactor("too many wrong codes, or the login is over; log in again")
    if not await check_code(user, code, settings=ctx.settings):
        # Wrong: if it took the last attempt, the token dies now (conditional: said once).
        spent = await AccountToken.filter(
            id=row.id, used_at=None, attempts__gte=MAX_SECOND_FACTOR_ATTEMPTS
        ).update(used_at=_now())
        if spent:
            raise InvalidSecondFactor("too many wrong codes; log in again")
        raise InvalidSecondFactor("the code is wrong or was already used")
    won = await AccountToken.filter(id=row.id, used_at=None).update(used_at=_now())
    if not won:
        raise InvalidSecondFactor(refused)
    return await auth_service.issue_tokens(user, ctx=ctx)


@dataclass
class ResealReport:
    """What `reseal_all` found."""

    checked: int = 0
    resealed: int = 0
    unreadable: list[int] = field(default_factory=list)  # user ids


async def reseal_all(*, settings: Settings, batch: int = 500) -> ResealReport:
    """Seal every stored TOTP secret under the first key of `DATA_ENCRYPTION_KEYS` (after a new
    key was put in front, or to seal secrets stored in clear before encryption existed)."""
    box = secret_box(settings)
    report = ResealReport()
    last_id = 0
    while True:
        rows = await TotpCredential.filter(id__gt=last_id).order_by("id").limit(batch)
        if not rows:
            return report
        for cred in rows:
            report.checked += 1
            if not needs_reseal(box, cred.user_id, cred.secret):
                continue
            try:
                secret = open_secret(box, cred.user_id, cred.secret)
            except UnreadableSecret:
                report.unreadable.append(cred.user_id)
                continue
            # Conditional: a secret changed meanwhile (a new enrolment) is left as it is.
            report.resealed += await TotpCredential.filter(id=cred.id, secret=cred.secret).update(
                secret=seal_secret(box, cred.user_id, secret)
            )
        last_id = rows[-1].id
