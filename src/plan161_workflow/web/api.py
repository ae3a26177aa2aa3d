"""The REST API under ``/api``: every route calls the engine's public API as any host would.

Task ids contain ``/`` (``2024/II.1/so-tttt``): routes take them as a path
(``/api/tasks/2024/II.1/so-tttt/fire``); ``%2F`` percent-encoding works the same.
"""

import asyncio
import datetime as dt
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import Field

from plan161_workflow.clock import in_vietnam
from plan161_workflow.errors import PayloadError, PermissionDenied
from plan161_workflow.model.task import cycle_id
from plan161_workflow.reporting.ical import agency_calendar
from plan161_workflow.reporting.output import make_report
from plan161_workflow.reporting.plan_view import period_json, plan_json
from plan161_workflow.reporting.status import status_data
from plan161_workflow.web import schemas as s
from plan161_workflow.web.auth import Caller, ReadOnlyToken, api_caller
from plan161_workflow.web.problems import documented
from plan161_workflow.web.runner import Runner

READ = documented(400, 401, 404, 422, 503)
WRITE = documented(400, 401, 403, 404, 409, 412, 413, 422, 423, 503)
Year = Annotated[int, Path(ge=1900, le=2200, description="Reporting year.")]
LevelQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        description="A consolidation level of the rules: its members' tasks only (the report "
        "its consolidator sends up); left out: the whole province.",
    ),
]
Period = Annotated[
    str | None,
    Query(
        max_length=64,
        description="A reporting period of the year: an id (2026S1, 2026Q2, 2026) or a period "
        "series with one period that year (GET /cycles/{year}/periods lists them).",
    ),
]
AsOf = Annotated[
    str | None,
    Query(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        description="A day, YYYY-MM-DD (default: today in Vietnam).",
        json_schema_extra={"format": "date"},
    ),
]


def day(value: str | None, default: dt.date) -> dt.date:
    """The day of an ``as_of`` parameter (``default`` when absent).

    Raises:
        PayloadError: not a real day (2024-02-30).
    """
    if value is None:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PayloadError(f"as_of={value!r} is not a day; write YYYY-MM-DD") from None


def etag(version: int) -> str:
    """The ETag of a task at a version (its ``If-Match`` value)."""
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an ``If-Match`` header names (``"7"``, ``W/"7"`` or ``7``); ``None``: any.

    An ``If-Match`` that names no version can never match: version 0 (no task has it), so the
    engine answers with a conflict (412)."""
    if if_match is None or if_match.strip() == "*":
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    return int(value) if value.isdigit() and 0 < len(value) < 12 else 0


def build(runner: Runner, trusted_header: str | None, max_wait: float) -> APIRouter:
    """The API routes on ``runner``'s engine."""
    engine = runner.engine
    router = APIRouter(prefix="/api")

    async def caller(request: Request) -> Caller:
        return await api_caller(runner, request, trusted_header)

    async def writer(who: Annotated[Caller, Depends(caller)]) -> Caller:
        if who.read_only:
            raise ReadOnlyToken(who.agency)
        return who

    Who = Annotated[Caller, Depends(caller)]  # noqa: N806  (a type, named as one)
    Writer = Annotated[Caller, Depends(writer)]  # noqa: N806

    def today() -> dt.date:
        return in_vietnam(engine.clock()).date()

    @router.get("/me", responses=READ, tags=["plan"])
    async def me(who: Who) -> s.MeOut:
        """The agency the credentials stand for."""
        name = next((a.name for a in engine.plan.agencies if a.code == who.agency), who.agency)
        holder = await runner(engine.holder, "consolidator", today())
        return s.MeOut(
            agency=who.agency,
            name=name,
            read_only=who.read_only,
            via=who.via,
            consolidator=holder == who.agency,
        )

    @router.get("/plan", responses=READ, tags=["plan"])
    async def plan(who: Who) -> dict[str, Any]:
        """The plan as resolved: agencies, areas and duties with their due dates per year."""
        return await runner(plan_json, engine.plan)

    @router.get("/cycles", responses=READ, tags=["cycles"])
    async def cycles(who: Who) -> list[s.CycleOut]:
        """Every reporting cycle opened, by year."""
        return [
            s.CycleOut(
                year=c.year, rules_hash=c.rules_hash, opened_at=c.opened_at, closed_at=c.closed_at
            )
            for c in await runner(engine.cycles)
        ]

    @router.post("/cycles", responses=WRITE, status_code=201, tags=["cycles"])
    async def open_cycle(body: s.CycleIn, who: Writer) -> list[s.TaskOut]:
        """Open the cycle of a year (the consolidating agency only); returns its tasks."""
        holder = await runner(engine.holder, "consolidator", today())
        if who.agency != holder:
            raise PermissionDenied(who.agency, "open_cycle", cycle_id(body.year), [holder])
        return [s.task_out(t) for t in await runner(engine.open_cycle, body.year)]

    @router.get("/cycles/{year}/periods", responses=READ, tags=["cycles"])
    async def periods(year: Year, who: Who) -> list[dict[str, Any]]:
        """The reporting periods of a year under its cycle's rules, by data cut-off: id, series,
        kind, label, start, end, cut-off and due date of the consolidated report."""
        return [period_json(p) for p in await runner(engine.periods, year)]

    @router.get("/cycles/{year}/status", responses=READ, tags=["cycles"])
    async def status(
        year: Year, who: Who, as_of: AsOf = None, period: Period = None, level: LevelQuery = None
    ) -> dict[str, Any]:
        """The cycle (or one period of it) at a glance as recorded at the end of a day: counts
        by state, reporting and on-time rates per agency and area, overdue agencies (``plan161
        status --json``)."""
        return await runner(status_data, engine, year, day(as_of, today()), period, level)

    @router.get("/cycles/{year}/consolidations", responses=READ, tags=["consolidation"])
    async def consolidations(year: Year, who: Who, period: Period = None) -> list[dict[str, Any]]:
        """The consolidation records of a year (of one period), oldest first."""
        return [c.to_json() for c in await runner(engine.consolidations, year, period)]

    @router.post("/cycles/{year}/consolidate", responses=WRITE, tags=["consolidation"])
    async def consolidate(year: Year, body: s.ConsolidateIn, who: Writer) -> dict[str, Any]:
        """Consolidate the reported tasks of a year as the caller (the consolidating agency),
        waiving the missing reports of the agencies in ``waive`` (409 lists what is missing)."""
        done = await runner(
            engine.consolidate,
            year,
            period=body.period,
            actor=who.agency,
            waive=body.waive,
            level=body.level,
        )
        return done.to_json()

    @router.post("/cycles/{year}/close", responses=WRITE, status_code=204, tags=["cycles"])
    async def close(year: Year, who: Writer) -> Response:
        """Close the cycle of a year: no task of it changes afterwards (423)."""
        await runner(engine.close_cycle, year, actor=who.agency)
        return Response(status_code=204)

    @router.get(
        "/cycles/{year}/report",
        responses={**READ, 200: {"content": {"text/html": {}, "text/markdown": {}}}},
        response_class=Response,
        tags=["reports"],
    )
    async def report(
        year: Year,
        who: Who,
        fmt: Annotated[Literal["html", "md", "json"], Query(alias="format")] = "html",
        lang: Literal["vi", "en"] = "vi",
        period: Period = None,
        level: LevelQuery = None,
    ) -> Response:
        """The consolidated report of a year's period as the consolidating agency sends it: one
        self-contained HTML page, Markdown or JSON (``period`` may be left out when the plan
        has a single period)."""
        _, text = await runner(
            make_report, engine, year, today(), fmt=fmt, lang=lang, period=period, level=level
        )
        media = {"html": "text/html", "md": "text/markdown", "json": "application/json"}[fmt]
        name = f"bao-cao-{year}.{fmt}"
        return Response(
            text,
            media_type=f"{media}; charset=utf-8",
            headers={"Content-Disposition": f'inline; filename="{name}"'},
        )

    @router.get("/tasks", responses=READ, tags=["tasks"])
    async def tasks(
        who: Who,
        year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
        state: Annotated[str | None, Query(max_length=64)] = None,
        agency: Annotated[str | None, Query(max_length=200)] = None,
        area: Annotated[str | None, Query(max_length=200)] = None,
        duty: Annotated[str | None, Query(max_length=200)] = None,
        period: Period = None,
        offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> s.TaskPage:
        """Tasks matching every filter given, by year and id, a page at a time."""
        found = await runner(engine.tasks, year, state, agency, area, duty, period)
        page = found[offset : offset + limit]
        after = offset + len(page)
        return s.TaskPage(
            items=[s.task_out(t) for t in page],
            total=len(found),
            offset=offset,
            limit=limit,
            next_offset=after if after < len(found) else None,
        )

    @router.get("/tasks/{task_id:path}/history", responses=READ, tags=["tasks"])
    async def history(task_id: str, who: Who) -> list[s.EventOut]:
        """A task's history, oldest first, refused attempts included."""
        return [s.event_out(e) for e in await runner(engine.history, task_id)]

    @router.post("/tasks/{task_id:path}/fire", responses=WRITE, tags=["tasks"])
    async def fire(
        task_id: str,
        body: s.FireIn,
        who: Writer,
        response: Response,
        if_match: Annotated[str | None, Header(max_length=40)] = None,
        idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
    ) -> s.TaskOut:
        """Fire a trigger on a task as the caller's agency; returns the task afterwards.

        ``If-Match`` (the task's ETag) makes it conditional: 412 if the task changed since.
        ``Idempotency-Key`` makes a retry safe: the same key returns the first result. A trigger
        the agency may not fire is refused (403) and the refusal is recorded in the history."""
        report = body.report.model_dump() if body.report is not None else None
        task = await runner(
            engine.fire,
            task_id,
            body.trigger,
            actor=who.agency,
            report=report,
            reason=body.reason,
            rating=body.rating,
            text=body.text,
            agency=body.agency,
            expected_version=expected_version(if_match),
            request_id=idempotency_key,
        )
        response.headers["ETag"] = etag(task.version)
        return s.task_out(task)

    @router.get("/tasks/{task_id:path}", responses=READ, tags=["tasks"])
    async def task(task_id: str, who: Who, response: Response) -> s.TaskOut:
        """One task; its ``ETag`` is its version (send it back in ``If-Match``)."""
        found = await runner(engine.task, task_id)
        response.headers["ETag"] = etag(found.version)
        return s.task_out(found)

    @router.get("/overdue", responses=READ, tags=["deadlines"])
    async def overdue(who: Who, as_of: AsOf = None) -> list[s.TaskOut]:
        """Tasks not reported whose last day is before ``as_of``, as recorded then."""
        return [s.task_out(t) for t in await runner(engine.overdue, day(as_of, today()))]

    @router.get("/notices", responses=READ, tags=["deadlines"])
    async def notices(who: Who, as_of: AsOf = None) -> list[s.NoticeOut]:
        """Reminders and escalations due on a day."""
        return [s.notice_out(n) for n in await runner(engine.notices, day(as_of, today()))]

    @router.get(
        "/calendars/{agency}.ics",
        responses={**READ, 200: {"content": {"text/calendar": {}}}},
        response_class=Response,
        tags=["deadlines"],
    )
    async def calendar(
        agency: str,
        who: Who,
        year: Annotated[
            list[Annotated[int, Field(ge=1900, le=2200)]] | None, Query(max_length=50)
        ] = None,
    ) -> Response:
        """An agency's deadlines with reminders as iCalendar (every year of the plan unless
        ``year`` is given, repeatable)."""
        years = year or list(engine.plan.info.years)
        result = await runner(
            agency_calendar, engine.plan, agency, years, stamp=in_vietnam(engine.clock())
        )
        return Response(result.calendar.to_ical(), media_type="text/calendar; charset=utf-8")

    @router.get("/verify", responses=READ, tags=["integrity"])
    async def verify(
        who: Who,
        expect_head: Annotated[str | None, Query(max_length=64)] = None,
    ) -> s.VerifyOut:
        """Recompute the hash chain and replay every task from its history."""
        return s.verify_out(await runner(engine.verify, expect_head))

    @router.get("/changes", responses=READ, tags=["changes"])
    async def changes(
        who: Who,
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        wait: Annotated[float, Query(ge=0, le=max_wait, description="Long-poll seconds.")] = 0,
    ) -> s.ChangesOut:
        """Committed changes after the cursor ``after``, oldest first. With ``wait``, the
        request waits up to that many seconds for a first change (long polling)."""
        deadline = time.monotonic() + wait
        while True:
            found = await runner(engine.changes, after, limit)
            if found or time.monotonic() >= deadline:
                break
            await asyncio.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        cursor = found[-1].seq if found else after
        return s.ChangesOut(changes=[s.change_out(c) for c in found], cursor=cursor)

    @router.get(
        "/changes/stream",
        responses={**READ, 200: {"content": {"text/event-stream": {}}}},
        response_class=StreamingResponse,
        tags=["changes"],
    )
    async def stream(
        who: Who,
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        last_event_id: Annotated[str | None, Header(max_length=20)] = None,
    ) -> StreamingResponse:
        """The change feed as server-sent events (``id`` is the cursor). The stream ends after
        the server's long-poll time; an EventSource reconnects with ``Last-Event-ID``."""
        if last_event_id is not None and last_event_id.isdigit():
            after = max(after, int(last_event_id))

        async def events() -> AsyncIterator[str]:
            cursor = after
            deadline = time.monotonic() + max_wait
            yield "retry: 1000\n\n"
            while time.monotonic() < deadline:
                for c in await runner(engine.changes, cursor, 100):
                    cursor = c.seq
                    data = s.change_out(c).model_dump_json()
                    yield f"id: {c.seq}\nevent: change\ndata: {data}\n\n"
                await asyncio.sleep(0.2)
            yield f": end of stream at cursor {json.dumps(cursor)}\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return router
