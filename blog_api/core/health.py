"""Liveness and readiness probes.

Readiness answers "can this process serve requests?". The database is required: without it
nothing works, so `/readyz` is 503 and the load balancer or Kubernetes takes the process out of
rotation. Other dependencies register a probe (`app.state.readiness_probes`, each returning
`(name, reachable)`) for a service the API can do without for a while: Redis (real time, shared
counters) is one, and while it is down posting, reading and logging in still work, so the answer
stays 200 with `status: "degraded"` and the dependency marked `unreachable`. A probe that pulled
every pod whenever Redis restarted would take the whole API down with it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from tortoise import connections

from blog_api.core.errors import ServiceUnavailable, problem_responses

router = APIRouter(tags=["health"])

# A probe of an optional dependency: its name and whether it answered.
ReadinessProbe = Callable[[], Awaitable[tuple[str, bool]]]

HEALTHY = {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
DEGRADED = {"status": "degraded", "checks": {"database": "ok", "redis": "unreachable"}}


class Health(BaseModel):
    status: Literal["ok", "degraded"] = Field(
        description="`ok`: everything answers; `degraded`: the database answers but an optional "
        "dependency (Redis) does not, so real-time features degrade (see docs/realtime.md)."
    )
    checks: dict[str, Literal["ok", "unreachable"]] = Field(
        default={},
        description="Per dependency: `database` always, `redis` when `REDIS_URL` is set.",
    )


@router.get("/healthz", response_model=Health, summary="Liveness probe")
async def healthz() -> Health:
    """The process is alive and serving."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    summary="Readiness probe",
    responses={
        200: {
            "description": "Ready: the database answers (Redis may not: `degraded`).",
            "content": {
                "application/json": {
                    "examples": {
                        "ok": {"summary": "Everything answers", "value": HEALTHY},
                        "degraded": {
                            "summary": "Redis unreachable: still serving, real time degraded",
                            "value": DEGRADED,
                        },
                    }
                }
            },
        },
        **problem_responses(503),
    },
)
async def readyz(request: Request) -> Health:
    """200 while the database answers (`degraded` if Redis does not); 503 without it."""
    checks: dict[str, Any] = {}
    try:
        await connections.get("default").execute_query("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready
        raise ServiceUnavailable(f"database unreachable: {type(exc).__name__}") from exc
    probes: list[ReadinessProbe] = getattr(request.app.state, "readiness_probes", [])
    for probe in probes:
        name, ok = await probe()
        checks[name] = "ok" if ok else "unreachable"
    degraded = any(value != "ok" for value in checks.values())
    return Health(status="degraded" if degraded else "ok", checks=checks)
