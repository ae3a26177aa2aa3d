"""``create_app(engine)``: the ASGI application of ``plan161 serve`` (API and pages).

A host mounts it into its own ASGI application (``host.mount("/plan161", create_app(engine))``)
or serves it alone (``plan161 serve``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plan161_workflow.engine import Engine
from plan161_workflow.errors import Plan161Error
from plan161_workflow.web import api, pages
from plan161_workflow.web.auth import ReadOnlyToken, Unauthenticated
from plan161_workflow.web.problems import from_error, problem, problem_media_types
from plan161_workflow.web.runner import Runner

MAX_BODY = 1 << 20
"""Largest request body taken (bytes): a larger one is refused (413) before it is read whole."""


class BodyLimit:
    """Refuses request bodies larger than ``limit`` bytes (413), declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"the request body is larger than {self.limit} bytes; send a smaller one"
        await problem(413, "RequestTooLarge", detail)(scope, receive, send)


class _TooLarge(Exception):
    pass


def create_app(
    engine: Engine,
    *,
    trusted_header: str | None = None,
    secure_cookie: bool = False,
    max_body: int = MAX_BODY,
    max_wait: float = 25.0,
) -> FastAPI:
    """The ASGI application serving ``engine``: the API under ``/api`` (OpenAPI 3.1 at
    ``/openapi.json``, interactive docs at ``/docs``) and the web pages at ``/``.

    Args:
        engine: an open engine (``Engine.open(path)``); the app never closes it.
        trusted_header: a request header naming the calling agency, set by a reverse proxy
            after single sign-on (off by default; see docs/serve.md for its risks).
        secure_cookie: send the pages' session cookie over HTTPS only.
        max_body: largest request body in bytes (413 beyond).
        max_wait: longest long-poll ``wait`` and server-sent events stream, in seconds.
    """
    runner = Runner(engine)
    app = FastAPI(
        title="plan161-workflow",
        version=_version(),
        description=(
            "Run a government plan's reporting cycles over HTTP. Send `Authorization: Bearer "
            "TOKEN` (`plan161 tokens create`). Task ids contain `/` and are written as they are "
            "in paths (`/api/tasks/2024/II.1/so-tttt`); `%2F` works the same. Errors are "
            "problem details (RFC 9457)."
        ),
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.include_router(api.build(runner, trusted_header, max_wait))
    app.include_router(pages.build(runner, secure_cookie))
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    _handlers(app)
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problem_media_types(original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(BodyLimit, limit=max_body)
    return app


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(Plan161Error)
    async def project_error(request: Request, exc: Plan161Error) -> Response:
        return from_error(exc)

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(request: Request, exc: Unauthenticated) -> Response:
        return problem(401, "Unauthenticated", exc.detail)

    @app.exception_handler(ReadOnlyToken)
    async def read_only(request: Request, exc: ReadOnlyToken) -> Response:
        return problem(403, "ReadOnlyToken", str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        where = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in exc.errors()[:10]
        )
        return problem(422, "RequestValidationError", f"invalid request: {where}")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code < 400:
            return Response(status_code=exc.status_code, headers=exc.headers)
        return problem(exc.status_code, "HTTPError", str(exc.detail))

    @app.exception_handler(ValueError)
    @app.exception_handler(OverflowError)
    async def bad_value(request: Request, exc: Exception) -> Response:
        # A value the library refused without a project error (a year outside the plan's).
        return problem(422, type(exc).__name__, str(exc))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        return problem(
            500,
            "InternalError",
            f"internal error: {type(exc).__name__}: {exc}; please report it",
        )


def _version() -> str:
    from importlib.metadata import version

    return version("plan161-workflow")
