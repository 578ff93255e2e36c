"""The `blog-api` command: serve, migrate, makemigrations, create-admin, set-role."""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from typing import Annotated

import typer

from blog_api.core.config import get_settings

app = typer.Typer(help="blog_api administration and serving.", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Uvicorn worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development).")] = False,
) -> None:
    """Run the API with Uvicorn."""
    import uvicorn

    settings = get_settings()
    if workers > 1 and not settings.uses_redis:
        _fail("several workers need REDIS_URL: the in-process event bus serves one worker only")
    uvicorn.run(
        "blog_api.main:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        forwarded_allow_ips=",".join(settings.trusted_proxies),
        timeout_graceful_shutdown=8,
        log_config=None,
    )


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
    from blog_api.users.models import Role

    assert isinstance(data, RegisterRequest)
    settings = get_settings()
    await Tortoise.init(config=tortoise_config(settings.database_url))
    try:
        user = await auth_service.register(data, settings=settings, role=Role.admin)
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


if __name__ == "__main__":  # pragma: no cover
    app()
