"""Application settings, read once from the environment and `.env`.

Every setting is documented in `.env.sample`. In production the settings refuse to load when they
are unsafe (weak secret, wildcard CORS, SQLite), so a misconfigured worker never starts serving.
"""

from __future__ import annotations

import secrets
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

VAR_DIR = Path("var")
DEV_SECRET_FILE = VAR_DIR / "dev-secret-key"
MIN_SECRET_LENGTH = 32
# Secrets that people copy from samples and tutorials; refusing them costs nothing.
KNOWN_WEAK_SECRETS = {"changeme", "secret", "change-me", "dev", "development", "please-change-me"}


# CORS origins allowed in development when CORS_ORIGINS is not set.
DEV_CORS_ORIGINS = ("http://localhost:5173", "http://127.0.0.1:5173")


class Environment(str, Enum):
    development = "development"
    production = "production"


class OidcProviderConfig(BaseModel):
    """One OpenID Connect provider users may sign in with."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    issuer: str = Field(min_length=1)
    client_id: str = Field(min_length=1)
    client_secret: str = ""
    # A secrets file (Docker/Kubernetes secret) instead of the value itself.
    client_secret_file: Path | None = None
    scopes: str = "openid email profile"
    label: str = ""

    @model_validator(mode="after")
    def _secret_from_file(self) -> OidcProviderConfig:
        if self.client_secret_file is not None:
            if self.client_secret:
                raise ValueError(f"provider {self.name}: set client_secret or client_secret_file")
            try:
                self.client_secret = self.client_secret_file.read_text().strip()
            except OSError as exc:
                raise ValueError(
                    f"provider {self.name}: client_secret_file is not readable"
                ) from exc
        if "openid" not in self.scopes.split():
            raise ValueError(f"provider {self.name}: scopes must include 'openid'")
        if not self.label:
            self.label = self.name
        return self


class Settings(BaseSettings):
    """All runtime configuration. Field names map to upper-case environment variables."""

    # hide_input_in_errors: a refused value (SECRET_KEY=hunter2, a password inside REDIS_URL)
    # must never be echoed into an error message, a traceback or a log.
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", case_sensitive=False, hide_input_in_errors=True
    )

    environment: Environment = Environment.development
    database_url: str = "sqlite://var/blog_api.sqlite3"
    redis_url: str = ""
    # REDIS_URL names one node of a Redis Cluster (Azure Cache for Redis with clustering, Redis
    # Cluster): cluster clients, and hash-tagged keys where several are used together
    # (core/redis.py, docs/redis.md).
    redis_cluster: bool = False
    secret_key: str = ""
    # Keys that encrypt secrets kept in the database (TOTP secrets), comma-separated, newest
    # first: the first seals, all open (rotation; core/secretbox.py). Empty: derived from
    # SECRET_KEY.
    data_encryption_keys: str = ""
    jwt_issuer: str = "blog-api"
    jwt_audience: str = "blog-api-clients"
    # A fraction is allowed (0.1 = 6 s) so browser tests can watch a token expire; keep minutes
    # in production.
    access_token_minutes: float = Field(default=15, ge=0.05, le=60 * 24)
    refresh_token_days: int = Field(default=14, ge=1, le=365)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    password_hash_profile: Literal["default", "fast"] = "default"  # noqa: S105
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_upload_bytes: int = Field(default=5 * 1_048_576, ge=1024)
    # Decoded size limit for uploaded images (all frames of an animation count): a small file can
    # expand to gigabytes of pixels (a decompression bomb).
    max_image_pixels: int = Field(default=40_000_000, ge=1, le=178_956_970)
    media_root: Path = VAR_DIR / "media"
    media_url: str = "/media/"
    log_level: str = "INFO"
    # JSON lines for log collectors in production; readable lines on a developer's terminal.
    # Unset: chosen by ENVIRONMENT (see `_log_format`).
    log_json: bool = True
    # `/docs`, `/redoc` and `/openapi.json`. Unset: on in development, off in production (see
    # `_docs_default` for why).
    docs_enabled: bool = True
    # GET /metrics (Prometheus, core/metrics.py): off by default; when on, answered only to
    # loopback/private client addresses, and with METRICS_TOKEN set only to `Bearer <token>`.
    metrics_enabled: bool = False
    metrics_token: SecretStr | None = None
    # Per-worker cache of public answers (core/response_cache.py): entries (0 turns it off)
    # and the most seconds an entry lives when no event dropped it earlier.
    public_cache_entries: int = Field(default=4096, ge=0, le=1_000_000)
    public_cache_seconds: float = Field(default=300.0, gt=0, le=86_400)
    # Redis Streams and real-time delivery.
    stream_maxlen: int = Field(default=10_000, ge=100)
    # How long events are kept (the stream, the outbox and notifications alike; MAXLEN above
    # still caps the stream's length), and how often one worker prunes older ones.
    event_retention_seconds: int = Field(default=30 * 86_400, ge=1)
    housekeeping_interval_seconds: float = Field(default=3600.0, gt=0, le=86_400)
    sse_heartbeat_seconds: float = Field(default=15.0, gt=0)
    sse_retry_ms: int = Field(default=3000, ge=100)
    subscriber_queue_size: int = Field(default=256, ge=1)
    ticket_ttl_seconds: int = Field(default=30, ge=5, le=300)
    sse_max_seconds: int = Field(default=1800, ge=10)
    sse_max_connections_per_user: int = Field(default=10, ge=1)
    # Live comments over WebSocket (docs/websocket.md).
    ws_max_message_bytes: int = Field(default=16_384, ge=1024, le=1_048_576)
    ws_message_rate: str = "20/10seconds"
    ws_max_connections_per_user: int = Field(default=5, ge=1)
    ws_history_size: int = Field(default=50, ge=0, le=100)
    ws_ping_interval_seconds: float = Field(default=25.0, gt=0)
    ws_ping_timeout_seconds: float = Field(default=20.0, gt=0)
    ws_presence_ttl_seconds: float = Field(default=45.0, ge=3)
    # Scheduled publishing: the longest a worker waits before asking the database again what
    # is due (schedules made on any worker wake every worker at once through the event stream).
    publish_poll_seconds: float = Field(default=10.0, gt=0, le=300)
    # Feeds and the sitemap: the public site's base URL (empty: the host the request came to),
    # the path of a post's page on it, the feeds' title and how many posts a feed holds.
    site_url: str = ""
    site_post_path: str = "/posts/{slug}"
    site_title: str = "blog_api"
    feed_entries: int = Field(default=20, ge=1, le=200)
    # Outbound webhooks (docs/events.md). Private, loopback and link-local destinations are
    # refused unless allowed (SSRF); each attempt has `webhook_timeout_seconds` and reads at most
    # `webhook_max_response_bytes` of the answer. Retries wait the listed seconds (+-20% jitter;
    # the default adds up to about a day), then the endpoint is disabled. A worker takes over
    # entries another one read and never acknowledged after `webhook_claim_idle_seconds`.
    webhook_allow_private: bool = False
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    webhook_max_response_bytes: int = Field(default=65_536, ge=1024, le=10_485_760)
    webhook_retry_schedule: str = Field(
        default="5,300,1800,7200,18000,36000,36000", pattern=r"^\d+(\.\d+)?(,\d+(\.\d+)?)*$"
    )
    webhook_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    webhook_claim_idle_seconds: float = Field(default=60.0, gt=0, le=3600)
    # Drafts.
    draft_ttl_days: int = Field(default=30, ge=1)
    # Rate limits, in the `limits` library's notation ("5/minute;100/hour").
    rate_limit_enabled: bool = True
    rate_limit_login: str = "10/minute"
    rate_limit_register: str = "5/minute"
    rate_limit_refresh: str = "30/minute"
    rate_limit_blog_submit: str = "20/hour"
    rate_limit_comment: str = "30/minute"
    rate_limit_upload: str = "30/hour"
    rate_limit_feature_request: str = "10/hour"
    rate_limit_vote: str = "60/minute"
    # Account flows (docs/auth-for-spa.md): resending a verification mail (per user), password
    # reset requests (per address and, separately, per submitted email), second-factor codes
    # (per address and per pending login), email changes (per address and, separately, per
    # user: each checks the current password, so a stolen access token must not become an
    # unlimited password-guessing oracle).
    rate_limit_verify_resend: str = "3/hour"
    rate_limit_password_reset: str = "5/hour"  # noqa: S105 (a rate, not a password)
    rate_limit_second_factor: str = "10/minute"
    rate_limit_email_change: str = "10/hour"
    # Outgoing mail (blog_api/mail). SMTP_HOST empty: no SMTP; each message is written to
    # MAIL_DIR as an .eml file and logged (development). SMTP_PASSWORD may come from a secrets
    # file (SMTP_PASSWORD_FILE, read by deploy/docker-entrypoint.sh like SECRET_KEY_FILE).
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    # `starttls` (port 587), `tls` (implicit TLS, port 465) or `none` (a local relay only).
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    mail_from: str = "blog_api <no-reply@localhost>"
    mail_dir: Path = VAR_DIR / "mail"
    # The SPA's address: links in mails (<url>/verify-email, /reset-password) and the end of an
    # OpenID Connect sign-in (<url>/oidc/callback#login_code=...) point there. A hash-routed SPA
    # such as examples/spa ends it with "#" (https://host/demo/#): the paths become its routes.
    frontend_url: str = "http://localhost:5173"
    # A failed delivery is retried after MAIL_RETRY_SECONDS, up to MAIL_MAX_ATTEMPTS in all;
    # then it goes to the dead-letter record (docs/mail.md).
    mail_max_attempts: int = Field(default=5, ge=1, le=100)
    mail_retry_seconds: float = Field(default=30.0, gt=0, le=3600)
    # The mail outbox: how often each worker looks for jobs left behind, and how long a job's
    # after-commit hand-over (or a sweep's claim) has before the sweep takes it (again).
    mail_outbox_sweep_seconds: float = Field(default=15.0, gt=0, le=3600)
    mail_handover_seconds: float = Field(default=60.0, gt=0, le=86400)
    # Accounts: email verification, password reset, two-factor (docs/auth-for-spa.md).
    email_verification_hours: int = Field(default=48, ge=1, le=24 * 30)
    password_reset_minutes: int = Field(default=30, ge=5, le=24 * 60)
    # Off by default so a fresh install's "register, then submit a post" works without mail.
    require_verified_email_to_post: bool = False
    # Off by default; on: `l1_approver` and `admin` accounts without TOTP have the powers of a
    # plain user on every route and stream until they enrol (`auth.service.acting_user`).
    require_2fa_for_reviewers: bool = False
    second_factor_minutes: int = Field(default=5, ge=1, le=30)
    # Sign-in with OpenID Connect providers (docs/auth-for-spa.md): a JSON list of
    # {"name", "issuer", "client_id", "client_secret" or "client_secret_file", "scopes", "label"}.
    oidc_providers: list[OidcProviderConfig] = Field(default_factory=list)
    # The API's public base URL, for the redirect URI registered with providers
    # (<url>/api/auth/oidc/<name>/callback). Empty: taken from the request.
    public_api_url: str = ""
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["127.0.0.1"])
    # `blog-api serve` reached without the proxy: seconds to receive a request's headers, and
    # the largest request line plus headers in bytes (core/http_protocol.py).
    http_header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    http_max_header_bytes: int = Field(default=16_384, ge=4096, le=1_048_576)
    # The reference web client (examples/spa/) at /demo/ on this server; in production Caddy
    # serves it instead (Caddyfile), so the app never has to.
    demo_spa_enabled: bool = False

    @field_validator("cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @model_validator(mode="after")
    def _development_cors(self) -> Settings:
        # Unset in development: the usual local front end (Vite's dev server) may call the API,
        # as .env.sample shows. Production allows only what CORS_ORIGINS lists; set it empty
        # explicitly to allow none in development.
        if (
            self.environment is Environment.development
            and "cors_origins" not in self.model_fields_set
        ):
            self.cors_origins = list(DEV_CORS_ORIGINS)
        return self

    @model_validator(mode="after")
    def _unique_providers(self) -> Settings:
        names = [p.name for p in self.oidc_providers]
        if len(names) != len(set(names)):
            raise ValueError("OIDC_PROVIDERS: provider names must be unique")
        return self

    @model_validator(mode="after")
    def _redis_cluster_url(self) -> Settings:
        if self.redis_cluster:
            if not self.redis_url:
                raise ValueError("REDIS_CLUSTER=true needs REDIS_URL (the address of any node)")
            database = urlsplit(self.redis_url).path.strip("/")
            if database not in ("", "0"):
                raise ValueError("REDIS_URL: a Redis Cluster has only database 0")
        return self

    @model_validator(mode="after")
    def _log_format(self) -> Settings:
        # "address already in use" must not drown among JSON lines on a developer's terminal.
        if "log_json" not in self.model_fields_set:
            self.log_json = self.environment is Environment.production
        return self

    @model_validator(mode="after")
    def _docs_default(self) -> Settings:
        # Off in production unless asked for: the pages are a console for developers, not for
        # the SPA's users; they list every route (admin ones too) to anyone scanning, and Swagger
        # UI needs an inline script the site's CSP would otherwise not allow. The document is
        # not a secret (every route checks its caller), so DOCS_ENABLED=true is a fine choice
        # for a public API; clients can also take it from a development or staging instance.
        if "docs_enabled" not in self.model_fields_set:
            self.docs_enabled = self.environment is Environment.development
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment is not Environment.production:
            return self
        problems = production_problems(self)
        if problems:
            raise ValueError(
                "refusing to start in production: " + "; ".join(problems),
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def uses_smtp(self) -> bool:
        return bool(self.smtp_host)

    @property
    def uses_redis(self) -> bool:
        return bool(self.redis_url)

    def effective_secret_key(self) -> str:
        """The signing secret; in development a random one is generated once and kept in `var/`."""
        if self.secret_key:
            return self.secret_key
        return _development_secret()


def production_problems(settings: Settings) -> list[str]:
    """List what is unsafe for production, each with the setting to change."""
    problems: list[str] = []
    key = settings.secret_key
    if not key:
        problems.append(
            "SECRET_KEY is missing: set it to a random value of at least "
            f"{MIN_SECRET_LENGTH} characters (python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')"
        )
    elif len(key) < MIN_SECRET_LENGTH or key.lower() in KNOWN_WEAK_SECRETS or len(set(key)) < 10:
        problems.append(
            f"SECRET_KEY is weak: use a random value of at least {MIN_SECRET_LENGTH} characters"
        )
    for n, data_key in enumerate(k.strip() for k in settings.data_encryption_keys.split(",")):
        if data_key and (len(data_key) < MIN_SECRET_LENGTH or len(set(data_key)) < 10):
            problems.append(
                f"DATA_ENCRYPTION_KEYS: key {n + 1} is weak: use random values of at least "
                f"{MIN_SECRET_LENGTH} characters"
            )
    if "*" in settings.cors_origins:
        problems.append("CORS_ORIGINS contains '*': list the exact origins of your front ends")
    if settings.is_sqlite:
        problems.append("DATABASE_URL points at SQLite: use PostgreSQL (postgres://...)")
    return problems


def _development_secret() -> str:
    # Generated on first use and kept out of git (var/ is ignored) so tokens survive restarts.
    if DEV_SECRET_FILE.exists():
        return DEV_SECRET_FILE.read_text().strip()
    DEV_SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    DEV_SECRET_FILE.write_text(value)
    DEV_SECRET_FILE.chmod(0o600)
    return value


class ConfigError(Exception):
    """The configuration is invalid or unsafe; the message is one line and names no value."""


def describe_errors(exc: ValidationError) -> str:
    """One line naming each refused setting and why, without the values (which may be secrets)."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        name = ".".join(str(part) for part in error["loc"]).upper()
        message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"{name}: {message}" if name else message)
    return "; ".join(parts)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests build their own `Settings`).

    Raises `ConfigError` (one line, no values) when the environment is invalid or unsafe.
    """
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc)) from None
