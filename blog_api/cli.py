"""The `blog-api` command: serve, migrate, makemigrations, create-admin, set-role, disable-2fa,
reseal-secrets, seed, export, import."""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from blog_api.accounts.twofactor import ResealReport

from blog_api.core.config import ConfigError, get_settings

# No locals in tracebacks: they would print settings, tokens and passwords.
app = typer.Typer(
    help="blog_api administration and serving.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    # Plain help (click's): Rich's tables cut option names to fit a narrow terminal
    # ("--feature-r…"), which leaves an operator guessing the flag.
    rich_markup_mode=None,
)


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


@app.callback()
def _check_configuration() -> None:
    """Refuse to run any command on an invalid or unsafe configuration, in one line."""
    if "--help" in sys.argv[1:]:
        return  # help needs no configuration
    try:
        get_settings()
    except ConfigError as exc:
        _fail(f"configuration refused: {exc}")


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Uvicorn worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development).")] = False,
    graceful_timeout: Annotated[
        int,
        typer.Option(
            min=1,
            max=9,
            help="Seconds a stopping worker waits for open requests (SIGTERM to exit < 10 s).",
        ),
    ] = 8,
) -> None:
    """Run the API with Uvicorn (uvloop and httptools when installed)."""
    import uvicorn

    settings = get_settings()
    if workers > 1 and not settings.uses_redis:
        _fail("several workers need REDIS_URL: the in-process event bus serves one worker only")
    from blog_api.main import DEMO_SPA_DIR

    if settings.demo_spa_enabled and not DEMO_SPA_DIR.is_dir():
        # The container image does not ship the client: Caddy serves it there.
        _fail(f"DEMO_SPA_ENABLED is on but the reference client is not here ({DEMO_SPA_DIR})")
    trusted = ",".join(settings.trusted_proxies)
    _prepare_metrics_dir()
    uvicorn.run(
        "blog_api.main:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        loop="uvloop" if _importable("uvloop") else "asyncio",
        # httptools with a header-read timeout and a header size limit (core/http_protocol.py):
        # stock Uvicorn has neither for httptools. h11 gets the size limit only.
        http=(
            "blog_api.core.http_protocol:HeaderLimitedHttpToolsProtocol"
            if _importable("httptools")
            else "h11"
        ),
        h11_max_incomplete_event_size=settings.http_max_header_bytes,
        # Uvicorn's sans-I/O WebSocket protocol holding less per idle socket (core/ws_protocol.py).
        ws="blog_api.core.ws_protocol:LeanWebSocketProtocol",
        # No protocol-level pings: the app pings a silent client itself (docs/websocket.md) and
        # closes it when unanswered; a second timer per socket would only cost memory.
        ws_ping_interval=None,
        # X-Forwarded-For/-Proto are believed only from TRUSTED_PROXIES (addresses or CIDRs);
        # with none configured they are ignored altogether.
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        # Streams end themselves on shutdown; this bounds whatever is still open.
        timeout_graceful_shutdown=graceful_timeout,
        # WebSocket messages over the app's limit are refused by the protocol (close 1009)
        # before they are buffered, instead of Uvicorn's default 16 MiB.
        ws_max_size=settings.ws_max_message_bytes,
        # Our middleware writes the access log (without query strings, which carry tickets).
        access_log=False,
        log_config=None,
    )


def _prepare_metrics_dir() -> None:
    """Give the workers one emptied folder for their metric files (core/metrics.py).

    prometheus-client's multiprocess mode reads `PROMETHEUS_MULTIPROC_DIR` when it is imported,
    so it is set here, before Uvicorn imports the app in any worker. A folder named by the
    environment is emptied (files of a previous run would be summed with this one's); otherwise
    a fresh temporary folder is used and removed when serve exits.
    """
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        return
    folder = Path(tempfile.mkdtemp(prefix="blog-api-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)


@app.command()
def migrate() -> None:
    """Bring the database in DATABASE_URL to the current schema."""
    from blog_api.core.migrations import migrate as run_migrate

    settings = get_settings()
    try:
        applied = asyncio.run(run_migrate(settings.database_url))
    except Exception as exc:
        _fail(f"migration failed: {exc}")
        return
    if applied:
        typer.echo(f"applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        typer.echo("database is already up to date")


@app.command()
def makemigrations(
    name: Annotated[str, typer.Option(help="Short name for the migration.")] = "update",
    dialect: Annotated[
        str, typer.Option(help="sqlite, postgres or both (each in its own process).")
    ] = "both",
    postgres_url: Annotated[
        str,
        typer.Option(
            envvar="MIGRATIONS_POSTGRES_URL",
            help="A scratch PostgreSQL database (dropped and re-created) for the postgres set.",
        ),
    ] = "postgres://postgres@127.0.0.1:5432/blog_api_migrations",
) -> None:
    """Developers: generate the next migration for both dialects from the models."""
    import subprocess

    from blog_api.core.migrations import make_migrations, remove_scratch, scratch_sqlite_url

    if dialect == "both":
        # aerich keeps the dialect in class attributes: one process per dialect.
        for one in ("sqlite", "postgres"):
            cmd = [sys.executable, "-m", "blog_api.cli", "makemigrations", "--name", name]
            cmd += ["--dialect", one, "--postgres-url", postgres_url]
            if subprocess.run(cmd, check=False).returncode != 0:  # noqa: S603
                _fail(f"generating the {one} migration failed")
        return
    if dialect == "sqlite":
        sqlite_url, folder = scratch_sqlite_url()
        try:
            result = asyncio.run(make_migrations(sqlite_url, name))
        finally:
            remove_scratch(folder)
    elif dialect == "postgres":
        asyncio.run(_recreate_postgres(postgres_url))
        result = asyncio.run(make_migrations(postgres_url, name))
    else:
        _fail(f"unknown dialect {dialect!r}")
        return
    typer.echo(f"{dialect}: {result or 'no changes'}")


async def _recreate_postgres(url: str) -> None:
    import asyncpg

    base, _, dbname = url.rpartition("/")
    conn = await asyncpg.connect(base.replace("postgres://", "postgresql://") + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
        await conn.execute(f'CREATE DATABASE "{dbname}"')
    finally:
        await conn.close()


def _read_password() -> str:
    password = os.environ.get("BLOG_API_ADMIN_PASSWORD")
    if password:
        return password
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        _fail("passwords do not match")
    return first


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(prompt=True, help="Admin email address.")],
    username: Annotated[str, typer.Option(prompt=True, help="Admin username.")],
) -> None:
    """Create an admin. The password comes from BLOG_API_ADMIN_PASSWORD or a prompt, never argv."""
    from pydantic import ValidationError

    from blog_api.auth.schemas import RegisterRequest

    password = _read_password()
    try:
        data = RegisterRequest(email=email, username=username, password=password)
    except ValidationError as exc:
        _fail("; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors()))
        return
    user_id = asyncio.run(_create_admin(data))
    typer.echo(f"created admin {data.username} (id {user_id})")


async def _create_admin(data: object) -> int:
    from tortoise import Tortoise

    from blog_api.auth import service as auth_service
    from blog_api.auth.schemas import RegisterRequest
    from blog_api.core.db import tortoise_config
    from blog_api.core.errors import AppError
    from blog_api.users.models import Role, User

    assert isinstance(data, RegisterRequest)
    settings = get_settings()
    await Tortoise.init(config=tortoise_config(settings.database_url))
    try:
        user = await auth_service.register(data, settings=settings, role=Role.admin)
        # The operator vouches for the address; two-factor (if REQUIRE_2FA_FOR_REVIEWERS) is
        # enrolled by the admin after the first login (docs/auth-for-spa.md).
        await User.filter(id=user.id).update(email_verified_at=datetime.now(timezone.utc))
        return user.id
    except AppError as exc:
        _fail(exc.detail)
        raise
    finally:
        await Tortoise.close_connections()


@app.command("set-role")
def set_role(
    email: Annotated[str, typer.Argument(help="Email of the account.")],
    role: Annotated[str, typer.Argument(help="user, l1_approver or admin.")],
) -> None:
    """Change the role of an existing account."""
    from blog_api.users.models import Role

    try:
        new_role = Role(role)
    except ValueError:
        _fail(f"unknown role {role!r}: use one of {', '.join(r.value for r in Role)}")
        return
    asyncio.run(_set_role(email, new_role))
    typer.echo(f"{email} is now {new_role.value}")


async def _set_role(email: str, role: object) -> None:
    from tortoise import Tortoise

    from blog_api.core.db import tortoise_config
    from blog_api.users.models import User

    settings = get_settings()
    await Tortoise.init(config=tortoise_config(settings.database_url))
    try:
        updated = await User.filter(email=email.strip().lower()).update(role=role)
        if not updated:
            _fail(f"no account with email {email}")
    finally:
        await Tortoise.close_connections()


@app.command("disable-2fa")
def disable_2fa(email: Annotated[str, typer.Argument(help="Email of the account.")]) -> None:
    """Turn two-factor off for an account that lost its authenticator and recovery codes."""
    asyncio.run(_disable_2fa(email))
    typer.echo(f"two-factor is off for {email}; they should enrol again after logging in")


async def _disable_2fa(email: str) -> None:
    from blog_api.accounts.models import RecoveryCode, TotpCredential
    from blog_api.users.models import User

    async with _database():
        user = await User.get_or_none(email=email.strip().lower())
        if user is None:
            _fail(f"no account with email {email}")
            return
        await TotpCredential.filter(user_id=user.id).delete()
        await RecoveryCode.filter(user_id=user.id).delete()
        await User.filter(id=user.id).update(totp_enabled=False)


@app.command("reseal-secrets")
def reseal_secrets() -> None:
    """Encrypt every stored TOTP secret under the first key of DATA_ENCRYPTION_KEYS.

    Run after putting a new key in front (then drop the old one), or once after upgrading from a
    version that stored TOTP secrets in clear. Exit code 1 if some secret opens with no key.
    """
    report = asyncio.run(_reseal_secrets())
    typer.echo(
        f"checked {report.checked} TOTP secrets: {report.resealed} re-encrypted, "
        f"{report.checked - report.resealed - len(report.unreadable)} already current, "
        f"{len(report.unreadable)} unreadable"
    )
    if report.unreadable:
        ids = ", ".join(str(i) for i in report.unreadable[:20])
        _fail(
            f"no key of DATA_ENCRYPTION_KEYS opens the TOTP secret of user ids {ids}: put the "
            "old key back, or `blog-api disable-2fa` those accounts"
        )


async def _reseal_secrets() -> ResealReport:
    from blog_api.accounts.twofactor import reseal_all

    async with _database():
        return await reseal_all(settings=get_settings())


# --- operator tools: demo data, export, import ---------------------------------------------------


@asynccontextmanager
async def _database() -> AsyncIterator[None]:
    from tortoise import Tortoise

    from blog_api.core.db import tortoise_config

    await Tortoise.init(config=tortoise_config(get_settings().database_url))
    try:
        yield
    finally:
        await Tortoise.close_connections()


@app.command()
def seed(
    users: Annotated[int, typer.Option(min=2, max=100_000, help="Demo accounts (all roles).")] = 20,
    blogs: Annotated[
        int | None, typer.Option(min=0, help="Blog posts through the blogs service [3 per user].")
    ] = None,
    feature_requests: Annotated[
        int | None, typer.Option(min=0, help="Feature requests through their service [users/2].")
    ] = None,
    random_seed: Annotated[
        int,
        typer.Option(
            help="Seed of the random choices: the same seed gives the same data, so running the "
            "same command again finishes an interrupted seed."
        ),
    ] = 0,
    allow_production: Annotated[
        bool, typer.Option(help="Seed even with ENVIRONMENT=production.")
    ] = False,
) -> None:
    """Fill the database with demo data of a chosen size, with a progress bar.

    Demo accounts are demo_<role>_<n>@demo.example.com (reused when they exist); their password is
    BLOG_API_SEED_PASSWORD, or a random one printed at the end. Resumable: what exists is kept and
    skipped, so running the same command again finishes a seed that stopped part-way.
    """
    import secrets

    from pydantic import ValidationError

    from blog_api.auth.schemas import RegisterRequest
    from blog_api.core.config import Environment
    from blog_api.ops.seed import Plan

    settings = get_settings()
    if settings.environment is Environment.production and not allow_production:
        _fail("refusing to add demo data with ENVIRONMENT=production (use --allow-production)")
    password = os.environ.get("BLOG_API_SEED_PASSWORD") or f"Demo-{secrets.token_urlsafe(12)}"
    try:
        RegisterRequest(email="x@example.com", username="demo_user_1", password=password)
    except ValidationError as exc:
        _fail("BLOG_API_SEED_PASSWORD: " + exc.errors()[0]["msg"].removeprefix("Value error, "))
    plan = Plan(
        users=users,
        blogs=blogs if blogs is not None else users * 3,
        feature_requests=feature_requests if feature_requests is not None else users // 2,
        random_seed=random_seed,
    )
    summary = asyncio.run(_seed(plan, password))
    for name, (count, created) in summary.items():
        typer.echo(f"{name}: {count} ({created} created, {count - created} already there)")
    if not os.environ.get("BLOG_API_SEED_PASSWORD"):
        if summary["users"][1]:
            typer.echo(f"demo password: {password}")
        else:
            typer.echo("demo password: unchanged (every demo account already existed)")


async def _seed(plan: object, password: str) -> dict[str, tuple[int, int]]:
    """(wanted, created) per kind; on a failure, says what stopped it and how to finish."""
    from functools import partial

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from blog_api.ops.seed import Plan, SeedFailed, available_seeders, seed_users

    assert isinstance(plan, Plan)
    settings = get_settings()
    seeders = available_seeders()
    summary: dict[str, tuple[int, int]] = {}
    columns = (TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn())
    async with _database():
        with Progress(*columns, console=Console(stderr=True)) as progress:
            task = progress.add_task("users", total=plan.users)
            try:
                demo, created = await seed_users(
                    plan,
                    settings=settings,
                    password=password,
                    advance=lambda n: progress.advance(task, n),
                )
                summary["users"] = (plan.users, created)
                for seeder in seeders:
                    count = seeder.count(plan)
                    step = progress.add_task(seeder.name, total=count)
                    created = await seeder.run(
                        plan, demo, settings, partial(progress.advance, step)
                    )
                    summary[seeder.name] = (count, created)
            except SeedFailed as exc:
                progress.stop()
                _fail(
                    f"seeding stopped at {exc}. Everything before it is complete and kept; "
                    "fix the cause and run the same command again to finish (what exists is "
                    "skipped)"
                )
    return summary


@app.command("export")
def export_data(
    path: Annotated[str, typer.Argument(help="Output file, or - for standard output.")] = "-",
    password_hashes: Annotated[
        bool,
        typer.Option(help="Include password hashes (needed for accounts to keep their logins)."),
    ] = True,
) -> None:
    """Export users (and blog posts) as JSON lines."""
    from blog_api.ops.transfer import export_records, write_jsonl

    async def run() -> list[dict[str, object]]:
        async with _database():
            return list(await export_records(include_password_hashes=password_hashes))

    records = asyncio.run(run())
    if path == "-":
        write_jsonl(records, sys.stdout)
        return
    # Password hashes are sensitive: the file is readable by its owner only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        count = write_jsonl(records, out)
    typer.echo(f"exported {count} record(s) to {path}", err=True)


@app.command("import")
def import_data(
    path: Annotated[str, typer.Argument(help="A file written by `blog-api export`, or -.")],
) -> None:
    """Import JSON lines from `blog-api export`; existing users and posts are left alone."""
    from blog_api.ops.transfer import ImportFailed, import_records, parse_jsonl

    try:
        if path == "-":
            lines = sys.stdin.read().splitlines()
        else:
            with open(path, encoding="utf-8") as source:
                lines = source.read().splitlines()
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror}")
        return
    except UnicodeDecodeError:
        _fail(f"{path} is not UTF-8 text")
        return

    import time

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    started = time.monotonic()
    columns = (TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn())

    async def run() -> object:
        records = parse_jsonl(lines)
        async with _database():
            with Progress(*columns, console=Console(stderr=True)) as bar:
                task = bar.add_task("blog posts", total=None)
                return await import_records(
                    records,
                    settings=get_settings(),
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )

    try:
        report = asyncio.run(run())
    except ImportFailed as exc:
        for error in exc.errors:
            typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        _fail("nothing was imported")
        return
    created = getattr(report, "created", {})
    skipped = getattr(report, "skipped", {})
    for kind in created:
        typer.echo(f"{kind}s: {created[kind]} created, {skipped[kind]} already present")
    seconds = time.monotonic() - started
    posts = created.get("blog", 0) + skipped.get("blog", 0)
    typer.echo(f"done in {seconds:.1f} s ({posts / max(seconds, 1e-9):.0f} posts/s)", err=True)


if __name__ == "__main__":  # pragma: no cover
    app()
