"""Errors as JSON problem details (RFC 9457): one status code per project error."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.responses import JSONResponse

from plan161_workflow.errors import (
    AgencyCeasedError,
    AgencyNotYetError,
    ConflictError,
    ConsolidationError,
    CycleClosedError,
    InvalidTransition,
    NotFound,
    PayloadError,
    PermissionDenied,
    Plan161Error,
    RulesError,
    StoreError,
    WorkflowError,
)

MEDIA_TYPE = "application/problem+json"

STATUS: tuple[tuple[type[Plan161Error], int], ...] = (
    (PermissionDenied, 403),
    (AgencyCeasedError, 403),
    (AgencyNotYetError, 403),
    (NotFound, 404),
    (InvalidTransition, 409),
    (ConsolidationError, 409),
    (ConflictError, 412),
    (PayloadError, 422),
    (RulesError, 422),
    (CycleClosedError, 423),
    (StoreError, 503),
    (WorkflowError, 400),
    (Plan161Error, 400),
)
"""Each project error and its status code, most specific first (docs/serve.md lists them)."""

TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request too large",
    422: "Invalid request",
    423: "Cycle closed",
    500: "Internal error",
    503: "Database unavailable",
}


class Problem(BaseModel):
    """A JSON problem detail (RFC 9457) carrying the project error's type and message."""

    type: str
    title: str
    status: int
    detail: str
    error: str
    """The project error's class name (``PermissionDenied``...) or the HTTP-level error."""
    missing: list[list[str]] | None = None
    """``ConsolidationError``: the (task, agency) pairs still unreported and not waived."""
    allowed: list[str] | None = None
    """``PermissionDenied``/``InvalidTransition``: who or what would be allowed."""


def status_of(exc: Plan161Error) -> int:
    """The status code of a project error."""
    return next(code for kind, code in STATUS if isinstance(exc, kind))


def problem(status: int, error: str, detail: str, **extra: Any) -> JSONResponse:
    """A problem response."""
    body = {
        "type": f"urn:plan161:error:{error}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "error": error,
        **{k: v for k, v in extra.items() if v is not None},
    }
    headers = {"WWW-Authenticate": 'Bearer realm="plan161"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def from_error(exc: Plan161Error) -> JSONResponse:
    """The problem response of a project error: its status, class name and message."""
    extra: dict[str, Any] = {}
    if isinstance(exc, ConsolidationError):
        extra["missing"] = [list(pair) for pair in exc.missing]
    if isinstance(exc, PermissionDenied | InvalidTransition):
        extra["allowed"] = list(exc.allowed)
    return problem(status_of(exc), type(exc).__name__, str(exc), **extra)


def documented(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these error codes (problem JSON)."""
    return {code: {"model": Problem, "description": TITLES.get(code, "Error")} for code in codes}


def problem_media_types(openapi: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with every error response served as ``application/problem+json``
    (FastAPI writes a model's response as ``application/json``)."""
    for path in openapi.get("paths", {}).values():
        for operation in path.values():
            for code, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if code[0] in "45" and "application/json" in content:
                    content[MEDIA_TYPE] = content.pop("application/json")
    return openapi
