"""Email verification, email change and password reset.

Tokens: 256 random bits, mailed as a link, stored only as a SHA-256 digest, single-use (a
conditional UPDATE of `used_at`: of two concurrent uses one wins), expiring. A new token of a
purpose supersedes the unused ones of the same account and purpose, so only the newest link works.
Mail is queued in the transaction (`mail.service.enqueue`) and sent after the commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from blog_api.accounts.models import AccountToken, TokenPurpose
from blog_api.auth import service as auth_service
from blog_api.auth.schemas import RegisterRequest, normalise_email, password_problem
from blog_api.core.config import Settings
from blog_api.core.db import transaction
from blog_api.core.errors import AppError, Conflict, Forbidden, UnprocessableEntity
from blog_api.core.security import hash_password, new_opaque_token, token_digest, verify_password
from blog_api.mail import service as mail_service
from blog_api.users.models import User


class InvalidAccountToken(AppError):
    status, code, title = 400, "invalid-token", "Invalid or expired token"


ADDRESS_CHANGED = "this link is for an address the account no longer uses"


class AlreadyVerified(Conflict):
    code, title = "already-verified", "Email address already verified"


class WrongPassword(Forbidden):
    code, title = "wrong-password", "Wrong password"


class WeakPassword(UnprocessableEntity):
    code, title = "weak-password", "Password refused"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def link(settings: Settings, path: str, token: str) -> str:
    """A front-end link carrying `token` (the SPA posts it back to the API)."""
    return f"{settings.frontend_url.rstrip('/')}/{path}?token={token}"


async def issue_token(
    user_id: int,
    purpose: TokenPurpose,
    lifetime: timedelta,
    *,
    conn: BaseDBAsyncClient,
    email: str | None = None,
) -> str:
    """A new single-use token of `purpose`; earlier unused ones of the same purpose die."""
    now = _now()
    # Keep the table small: the account's tokens that expired a day ago serve no purpose.
    await (
        AccountToken.filter(user_id=user_id, expires_at__lt=now - timedelta(days=1))
        .using_db(conn)
        .delete()
    )
    await (
        AccountToken.filter(user_id=user_id, purpose=purpose, used_at=None)
        .using_db(conn)
        .update(used_at=now)
    )
    token = new_opaque_token()
    await AccountToken.create(
        user_id=user_id,
        purpose=purpose,
        token_hash=token_digest(token),
        email=email,
        expires_at=now + lifetime,
        using_db=conn,
    )
    return token


async def spend_token(token: str, purpose: TokenPurpose) -> AccountToken:
    """Use a token once: the row if it is live (now spent), else `InvalidAccountToken`."""
    row = await AccountToken.get_or_none(token_hash=token_digest(token), purpose=purpose)
    now = _now()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise InvalidAccountToken("this link is invalid, used or expired; ask for a new one")
    won = await AccountToken.filter(id=row.id, used_at=None).update(used_at=now)
    if not won:
        raise InvalidAccountToken("this link is invalid, used or expired; ask for a new one")
    return row


async def _queue_verification(user: User, *, settings: Settings, conn: BaseDBAsyncClient) -> None:
    hours = settings.email_verification_hours
    token = await issue_token(
        user.id, TokenPurpose.verify_email, timedelta(hours=hours), conn=conn, email=user.email
    )
    await mail_service.enqueue(
        "verify_email",
        to=user.email,
        context={
            "username": user.username,
            "link": link(settings, "verify-email", token),
            "hours": str(hours),
        },
        using_db=conn,
    )


async def register_account(data: RegisterRequest, *, settings: Settings) -> User:
    """Create an account (`auth.service.register`) and mail it a verification link."""
    user = await auth_service.register(data, settings=settings)
    async with transaction() as conn:
        await _queue_verification(user, settings=settings, conn=conn)
    return user


async def resend_verification(user: User, *, settings: Settings) -> None:
    """A new verification link for the current address (the previous one stops working)."""
    if user.email_verified_at is not None:
        raise AlreadyVerified("your email address is already verified")
    async with transaction() as conn:
        await _queue_verification(user, settings=settings, conn=conn)


async def verify_email(token: str) -> User:
    """Mark the address the token was sent to as verified, if it is still the account's."""
    row = await spend_token(token, TokenPurpose.verify_email)
    user = await User.get_or_none(id=row.user_id)
    if user is None or not user.is_active or user.email != row.email:
        raise InvalidAccountToken(ADDRESS_CHANGED)
    if user.email_verified_at is None:
        user.email_verified_at = _now()
        await user.save(update_fields=["email_verified_at", "updated_at"])
    return user


async def change_email(user: User, new_email: str, password: str, *, settings: Settings) -> User:
    """Move the account to `new_email` (unverified until its link is followed).

    The current password is required: a stolen access token alone must not be enough to take
    the account over (a reset link would then go to the thief). The old address is told.
    """
    check = await verify_password(user.password_hash, password, settings.password_hash_profile)
    if not check.ok:
        raise WrongPassword("the current password is wrong")
    if new_email == user.email:
        raise Conflict("this is already the account's address")
    if await User.filter(email=new_email).exists():
        raise auth_service.AccountExists(auth_service.ACCOUNT_EXISTS_DETAIL)
    old_email = user.email
    try:
        async with transaction() as conn:
            user.email = new_email
            user.email_verified_at = None
            await user.save(
                using_db=conn, update_fields=["email", "email_verified_at", "updated_at"]
            )
            # Reset links went to the old address: following one must neither reset the
            # account (it belongs to the new address now) nor vouch for the new address.
            await (
                AccountToken.filter(
                    user_id=user.id, purpose=TokenPurpose.reset_password, used_at=None
                )
                .using_db(conn)
                .update(used_at=_now())
            )
            await _queue_verification(user, settings=settings, conn=conn)
            await mail_service.enqueue(
                "email_changed",
                to=old_email,
                context={"username": user.username, "new_email": new_email},
                using_db=conn,
            )
    except IntegrityError as exc:  # a concurrent registration took the address
        user.email = old_email
        raise auth_service.AccountExists(auth_service.ACCOUNT_EXISTS_DETAIL) from exc
    return user


async def send_password_reset(email: str, *, settings: Settings) -> None:
    """Mail a reset link if an active account has this address; nothing otherwise.

    Runs after the request was answered (`accounts.reset_requests`), never in it: the work
    differs between a known and an unknown address, so it must not show in the answer's timing.
    The link is bound to the address it is mailed to (`AccountToken.email`).
    """
    user = await User.get_or_none(email=normalise_email(email))
    if user is None or not user.is_active:
        return
    minutes = settings.password_reset_minutes
    async with transaction() as conn:
        token = await issue_token(
            user.id,
            TokenPurpose.reset_password,
            timedelta(minutes=minutes),
            conn=conn,
            email=user.email,
        )
        await mail_service.enqueue(
            "password_reset",
            to=user.email,
            context={
                "username": user.username,
                "link": link(settings, "reset-password", token),
                "minutes": str(minutes),
            },
            using_db=conn,
        )


async def reset_password(token: str, password: str, *, settings: Settings) -> User:
    """Set a new password with a reset token; every login of the account ends.

    The password is checked before the token is spent, so a refused password does not burn the
    link. A link works only while the account still has the address it was mailed to (changing
    the email voids pending links, and the password is written only while the address is still
    the link's, so a change racing the request voids it too), and
    following it proves that address, so it counts as verified. A link stored without an address
    (issued before links recorded one) still resets the password but verifies nothing.
    """
    row = await AccountToken.get_or_none(
        token_hash=token_digest(token), purpose=TokenPurpose.reset_password
    )
    user = await User.get_or_none(id=row.user_id) if row is not None else None
    if row is not None and user is not None:
        if row.email is not None and row.email != user.email:
            raise InvalidAccountToken(ADDRESS_CHANGED)
        problem = password_problem(password, user.username)
        if problem:
            raise WeakPassword(problem)
    row = await spend_token(token, TokenPurpose.reset_password)
    if user is None or not user.is_active:
        raise InvalidAccountToken("this link is invalid, used or expired; ask for a new one")
    password_hash = await hash_password(password, settings.password_hash_profile)
    now = _now()
    async with transaction() as conn:
        if row.email is None:
            user.password_hash = password_hash
            await user.save(using_db=conn, update_fields=["password_hash", "updated_at"])
        else:
            # Written only while the account still has the link's address: an email change
            # committed since the check above (hashing took a while) voids the link.
            written = await (
                User.filter(id=user.id, email=row.email)
                .using_db(conn)
                .update(password_hash=password_hash, updated_at=now)
            )
            if not written:
                raise InvalidAccountToken(ADDRESS_CHANGED)
            user.password_hash = password_hash
        if row.email is not None:
            # Conditional on the address in the row at this moment, not on the one read above:
            # an email change committed in between must not inherit the verification.
            verified = await (
                User.filter(id=user.id, email=row.email, email_verified_at=None)
                .using_db(conn)
                .update(email_verified_at=now)
            )
            if verified:
                user.email_verified_at = now
        # A login half-done (password given, code pending) must not survive the change either.
        await (
            AccountToken.filter(user_id=user.id, purpose=TokenPurpose.second_factor, used_at=None)
            .using_db(conn)
            .update(used_at=now)
        )
        await mail_service.enqueue(
            "password_changed", to=user.email, context={"username": user.username}, using_db=conn
        )
    await auth_service.revoke_all_sessions(user.id)
    return user
