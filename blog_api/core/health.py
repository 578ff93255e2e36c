"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from tortoise import connections

from blog_api.core.errors import ServiceUnavailable, problem_responses

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


@router.get("/healthz", response_model=Health, summary="Liveness probe")
async def healthz() -> Health:
    """The process is alive and serving."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    summary="Readiness probe",
    responses=problem_responses(503),
)
async def readyz(request: Request) -> Health:
    """The database (and Redis, when configured) answer; 503 otherwise."""
    checks: dict[str, str] = {}
    try:
        await connections.get("default").execute_query("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready
        raise ServiceUnavailable(f"database unreachable: {type(exc).__name__}") from exc
    probes: list[Any] = getattr(request.app.state, "readiness_probes", [])
    for probe in probes:
        name, ok = await probe()
        if not ok:
            raise ServiceUnavailable(f"{name} unreachable")
        checks[name] = "ok"
    return Health(status="ok", checks=checks)
