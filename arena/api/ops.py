"""The operator's routes: ``/healthz`` (alive), ``/readyz`` (fit for traffic) and
``/metrics`` (Prometheus).

``/metrics`` is closed unless the operator opens it: its per-model series move as soon as
a battle calls its models, so a voter who could read them next to a quiet arena's only
running battle would learn which two models it holds before voting. With
``ARENA_METRICS_TOKEN`` it asks for ``Authorization: Bearer <token>``; with
``ARENA_METRICS_OPEN`` it answers anyone (for a path only the network's inside reaches).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from arena.api.deps import ServicesDep
from arena.api.openapi import ERROR_RESPONSES
from arena.errors import Unavailable, error_body
from arena.ops import readiness
from arena.ops.metrics import CONTENT_TYPE
from arena.settings import Settings
from arena.store import VoteTotals

router = APIRouter(tags=["ops"], responses=ERROR_RESPONSES)
log = logging.getLogger("arena.ops")

STORED_READ_TIMEOUT_S = 5.0


class HealthView(BaseModel):
    status: Literal["ok"]


class ReadyView(BaseModel):
    status: Literal["ready"]
    revision: str  # the database's schema revision, this arena's own


@router.get("/healthz", response_model=HealthView)
async def healthz() -> HealthView:
    """The process is serving: 200 whenever it answers at all (a liveness probe)."""
    return HealthView(status="ok")


@router.get("/readyz", response_model=ReadyView)
async def readyz(services: ServicesDep) -> ReadyView:
    """The database answers and its schema is this arena's; else 503 and why (before and
    after the app's lifespan, 503 ``not_ready`` from ``ServicesDep``)."""
    found = await readiness.check(services.store.engine)
    if not found.ready:
        raise Unavailable(found.message, code=found.code,
                          details={"revision": found.revision} if found.revision else None)
    return ReadyView(status="ready", revision=found.revision or "")


def metrics_refusal(request: Request, settings: Settings) -> JSONResponse | None:
    """None when the request may read /metrics; else the answer that says why not."""
    if settings.metrics_open:
        return None
    if not settings.metrics_token:
        return JSONResponse(error_body(
            "metrics_closed", "/metrics is closed: set ARENA_METRICS_TOKEN (Prometheus then "
            "sends it as a bearer token) or ARENA_METRICS_OPEN=true where the path cannot "
            "be reached from outside"), status_code=403)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and secrets.compare_digest(
            given.strip().encode(), settings.metrics_token.encode()):
        return None
    return JSONResponse(error_body("unauthorized", "/metrics needs the header "
                                   "Authorization: Bearer <ARENA_METRICS_TOKEN>"),
                        status_code=401, headers={"WWW-Authenticate": "Bearer"})


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE: {}},
                             "description": "the Prometheus text format"}})
async def metrics(request: Request, services: ServicesDep) -> Response:
    """Every worker's counters and the stored votes' states (see arena.ops.metrics)."""
    refused = metrics_refusal(request, services.settings)
    if refused is not None:
        return refused
    stored: VoteTotals | None = None
    try:
        async with asyncio.timeout(STORED_READ_TIMEOUT_S):
            stored = await services.store.vote_states()
    except Exception as exc:  # noqa: BLE001 - the workers' own counters still go out
        log.warning("/metrics: the stored votes could not be read (%s)", type(exc).__name__)
    body = services.battles.metrics.render(stored)
    return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
