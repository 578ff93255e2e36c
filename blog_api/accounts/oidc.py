"""Sign-in with OpenID Connect providers (authlib's Starlette client): authorization code with
PKCE (S256), `state` and `nonce` checked, the ID token verified against the provider's JWKS.

Flow (docs/auth-for-spa.md): the SPA calls `start` (gets the provider URL and a
`login_binding`), the browser goes to the provider and comes back to `callback`, which
redirects to `<FRONTEND_URL>/oidc/callback#login_code=...` (or `#error=...`); the SPA exchanges
code and binding for tokens. The state of a sign-in is kept server-side (`OidcLogin`), not in
authlib's cookie session (SessionMiddleware): the API sets no cookies; see the model's docstring
for how the binding replaces the session's protection against login CSRF.

Accounts are linked by email only when the provider says it verified it (`email_verified`)
and the local account has verified it too (otherwise the exchange answers 409: the account's
password may belong to someone who registered the address first); an unknown verified address
gets a new `user` account without a usable password.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

# Imported first: it installs an "always" filter for its warnings, which ours below must follow.
from authlib import deprecate as _authlib_deprecate  # noqa: F401
from fastapi import Path
from tortoise.exceptions import IntegrityError

from blog_api.accounts import twofactor
from blog_api.accounts.models import OidcLogin
from blog_api.accounts.schemas import SecondFactorChallenge
from blog_api.auth import service as auth_service
from blog_api.auth.schemas import TokenPair, normalise_email
from blog_api.core.config import OidcProviderConfig, Settings
from blog_api.core.errors import AppError, Conflict, NotFound, ServiceUnavailable
from blog_api.core.security import hash_password, new_opaque_token, token_digest
from blog_api.users.models import User

with warnings.catch_warnings():
    # authlib 1.9 announces a move of its httpx client to the `httpx2` package; the client
    # works as it is, and the notice would be printed by every `blog-api` command.
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App

logger = logging.getLogger("blog_api.oidc")

LOGIN_LIFETIME = timedelta(minutes=10)
PROVIDER_PATH = Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$", description="A provider's `name`.")
# Clock skew tolerated on the ID token's `exp`/`iat`.
ID_TOKEN_LEEWAY_SECONDS = 60


class UnknownProvider(NotFound):
    code, title = "oidc-provider-not-found", "Unknown sign-in provider"


class OidcRefused(AppError):
    status, code, title = 400, "oidc-sign-in-refused", "Sign-in refused"


class AccountNotVerified(Conflict):
    code, title = "oidc-account-unverified", "The account's address is not verified"


ACCOUNT_NOT_VERIFIED = (
    "an account with this address exists, but its address was never verified, so it cannot be "
    "linked to this sign-in: set a new password with a reset link mailed to the address "
    "(POST /api/auth/password/forgot), or sign in with the account's password and verify the "
    "address; then sign in with the provider again"
)


class ProviderUnavailable(ServiceUnavailable):
    code, title = "oidc-provider-unavailable", "Sign-in provider unavailable"


class SignInFailed(Exception):
    """A callback that must not log anyone in; `reason` goes to the SPA (`#error=`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class OidcRegistry:
    """The configured providers and their authlib clients (metadata and JWKS cached)."""

    providers: dict[str, OidcProviderConfig]
    oauth: OAuth

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcRegistry:
        oauth = OAuth()
        for p in settings.oidc_providers:
            oauth.register(
                name=p.name,
                client_id=p.client_id,
                client_secret=p.client_secret or None,
                server_metadata_url=f"{p.issuer.rstrip('/')}/.well-known/openid-configuration",
                client_kwargs={"scope": p.scopes, "code_challenge_method": "S256"},
            )
        return cls(providers={p.name: p for p in settings.oidc_providers}, oauth=oauth)

    def client(self, name: str) -> tuple[OidcProviderConfig, StarletteOAuth2App]:
        provider = self.providers.get(name)
        if provider is None:
            raise UnknownProvider(f"no sign-in provider named {name!r}")
        client = self.oauth.create_client(name)
        assert isinstance(client, StarletteOAuth2App)
        return provider, client


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def _metadata(provider: OidcProviderConfig, client: StarletteOAuth2App) -> dict[str, Any]:
    try:
        metadata: dict[str, Any] = await client.load_server_metadata()
    except Exception as exc:
        logger.warning(
            "OIDC discovery failed", extra={"provider": provider.name, "error": str(exc)}
        )
        raise ProviderUnavailable(f"provider {provider.name} cannot be reached") from exc
    # The issuer the ID tokens are checked against comes from this document: it must be the
    # configured one (OpenID Connect Discovery 1.0, section 4.3).
    if str(metadata.get("issuer", "")).rstrip("/") != provider.issuer.rstrip("/"):
        logger.error("OIDC discovery names another issuer", extra={"provider": provider.name})
        raise ProviderUnavailable(f"provider {provider.name} is misconfigured")
    return metadata


async def start(registry: OidcRegistry, name: str, *, redirect_uri: str) -> tuple[str, str]:
    """Begin a sign-in: (authorization URL, login binding)."""
    provider, client = registry.client(name)
    await _metadata(provider, client)
    prepared = await client.create_authorization_url(redirect_uri)
    binding = new_opaque_token()
    # Sign-ins abandoned more than a day ago: nothing refers to them any more.
    await OidcLogin.filter(expires_at__lt=_now() - timedelta(days=1)).delete()
    await OidcLogin.create(
        provider=name,
        state_hash=token_digest(prepared["state"]),
        binding_hash=token_digest(binding),
        nonce=prepared["nonce"],
        code_verifier=prepared["code_verifier"],
        redirect_uri=redirect_uri,
        expires_at=_now() + LOGIN_LIFETIME,
    )
    return str(prepared["url"]), binding


def _frontend(settings: Settings, **fragment: str) -> str:
    return f"{settings.frontend_url.rstrip('/')}/oidc/callback#{urlencode(fragment)}"


async def callback(
    registry: OidcRegistry,
    name: str,
    *,
    code: str | None,
    state: str | None,
    error: str | None,
    settings: Settings,
) -> str:
    """Finish the provider's side; the URL of the SPA to send the browser to."""
    try:
        login_code = await _callback(
            registry, name, code=code, state=state, error=error, settings=settings
        )
    except SignInFailed as failed:
        logger.info("OIDC sign-in refused", extra={"provider": name, "reason": failed.reason})
        return _frontend(settings, error=failed.reason)
    return _frontend(settings, login_code=login_code)


async def _callback(
    registry: OidcRegistry,
    name: str,
    *,
    code: str | None,
    state: str | None,
    error: str | None,
    settings: Settings,
) -> str:
    provider, client = registry.client(name)
    if not state:
        raise SignInFailed("invalid_state")
    row = await OidcLogin.get_or_none(state_hash=token_digest(state), provider=name)
    now = _now()
    if row is None or row.callback_at is not None or row.expires_at <= now:
        raise SignInFailed("invalid_state")
    # Single use: of two callbacks with the same state, one goes on.
    if not await OidcLogin.filter(id=row.id, callback_at=None).update(callback_at=now):
        raise SignInFailed("invalid_state")
    if error:
        raise SignInFailed("provider_refused")
    if not code:
        raise SignInFailed("invalid_request")
    await _metadata(provider, client)
    try:
        token = await client.fetch_access_token(
            redirect_uri=row.redirect_uri, code=code, code_verifier=row.code_verifier
        )
        claims = await client.parse_id_token(token, nonce=row.nonce, leeway=ID_TOKEN_LEEWAY_SECONDS)
    except Exception as exc:  # authlib/joserfc raise many kinds; each means "no"
        logger.info(
            "OIDC token refused",
            extra={"provider": name, "error": f"{type(exc).__name__}: {exc}"},
        )
        raise SignInFailed("invalid_id_token") from exc
    if not claims:
        raise SignInFailed("invalid_id_token")
    user = await _account_for(dict(claims), settings=settings)
    login_code = new_opaque_token()
    await OidcLogin.filter(id=row.id).update(
        user_id=user.id, login_code_hash=token_digest(login_code)
    )
    return login_code


_USERNAME_CHARS = re.compile(r"[^A-Za-z0-9_.-]")


def _username_base(claims: dict[str, Any], email: str) -> str:
    raw = str(claims.get("preferred_username") or email.partition("@")[0])
    base = _USERNAME_CHARS.sub("", raw)[:24]
    return base if len(base) >= 3 else f"user{base}"


async def _account_for(claims: dict[str, Any], *, settings: Settings) -> User:
    """The account a verified email names, created if there is none."""
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") not in (True, "true"):
        # Linking by an address the provider did not verify would let anyone who can type
        # your address at some provider into your account.
        raise SignInFailed("email_not_verified")
    email = normalise_email(email)
    user = await User.get_or_none(email=email)
    if user is not None:
        if not user.is_active:
            raise SignInFailed("account_inactive")
        # An account whose address was never verified is returned as it is, and `exchange`
        # refuses it: whoever registered it need not own the address (they may have registered
        # the victim's address first, to keep a password on the account the victim would then
        # sign in to with the provider).
        return user
    base = _username_base(claims, email)
    # No usable password: the account signs in with the provider, or sets one by reset.
    password_hash = await hash_password(new_opaque_token(), settings.password_hash_profile)
    for attempt in range(5):
        username = base if attempt == 0 else f"{base}-{secrets.token_hex(2)}"
        if await User.filter(username__iexact=username).exists():
            continue
        try:
            return await User.create(
                email=email,
                username=username,
                password_hash=password_hash,
                email_verified_at=_now(),
            )
        except IntegrityError:
            existing = await User.get_or_none(email=email)
            if existing is not None:  # a concurrent sign-in created it
                return existing
    raise SignInFailed("account_unavailable")


async def exchange(
    login_code: str, binding: str, *, ctx: auth_service.AuthContext
) -> TokenPair | SecondFactorChallenge:
    """Trade the login code (and the SPA's binding) for tokens, or a second-factor challenge."""
    refused = "this sign-in is invalid, used or expired; start again"
    row = await OidcLogin.get_or_none(login_code_hash=token_digest(login_code))
    now = _now()
    if (
        row is None
        or row.exchanged_at is not None
        or row.expires_at <= now
        or row.user_id is None
        or not hmac.compare_digest(row.binding_hash, token_digest(binding))
    ):
        raise OidcRefused(refused)
    if not await OidcLogin.filter(id=row.id, exchanged_at=None).update(exchanged_at=now):
        raise OidcRefused(refused)
    user = await User.get_or_none(id=row.user_id)
    if user is None or not user.is_active:
        raise OidcRefused(refused)
    if user.email_verified_at is None:
        # Only a local account can be unverified (accounts created here are verified): its
        # password may be someone else's, so the provider's word does not make it ours.
        raise AccountNotVerified(ACCOUNT_NOT_VERIFIED)
    if user.totp_enabled:
        return await twofactor.start_second_factor(user, settings=ctx.settings)
    return await auth_service.issue_tokens(user, ctx=ctx)
