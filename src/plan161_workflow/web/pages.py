"""The web pages at ``/``: an agency reports, the consolidating agency follows and consolidates.

Server-rendered (Jinja2), plain forms, no script needed. People sign in with their agency's token
(kept in an HttpOnly, SameSite=Strict cookie); every form carries a CSRF token derived from it.
"""

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from plan161_workflow.clock import in_vietnam
from plan161_workflow.errors import PayloadError, Plan161Error
from plan161_workflow.model.period import PeriodInstance
from plan161_workflow.reporting.document import agency_label
from plan161_workflow.reporting.labels import state_name
from plan161_workflow.reporting.output import make_report
from plan161_workflow.reporting.render_html import figures
from plan161_workflow.reporting.report import build_report
from plan161_workflow.reporting.status import status_data
from plan161_workflow.web.auth import COOKIE, Caller, csrf_ok, csrf_token, from_token
from plan161_workflow.web.i18n import TRIGGERS, WORDS
from plan161_workflow.web.runner import Runner
from plan161_workflow.web.triggers import (
    allowed_triggers,
    answered_to,
    parse_indicators,
    parse_lines,
)

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
LANG_COOKIE = "plan161_lang"
MEDIA = {"html": "text/html", "md": "text/markdown", "json": "application/json"}


def build(runner: Runner, secure_cookie: bool) -> APIRouter:
    """The page routes on ``runner``'s engine."""
    engine = runner.engine
    router = APIRouter(include_in_schema=False)

    def today() -> dt.date:
        return in_vietnam(engine.clock()).date()

    def lang_of(request: Request) -> Literal["vi", "en"]:
        return "en" if request.cookies.get(LANG_COOKIE) == "en" else "vi"

    async def signed_in(request: Request) -> Caller | None:
        token = request.cookies.get(COOKIE)
        return None if not token else await from_token(runner, token, "cookie")

    def name(code: str) -> str:
        return next((a.name for a in engine.plan.agencies if a.code == code), code)

    async def page(
        request: Request, who: Caller | None, template: str, status: int = 200, **ctx: Any
    ) -> HTMLResponse:
        lang = lang_of(request)
        consolidator = who is not None and who.agency == await runner(
            engine.holder, "consolidator", today()
        )
        return TEMPLATES.TemplateResponse(
            request,
            template,
            {
                "t": WORDS[lang],
                "lang": lang,
                "who": who,
                "who_name": name(who.agency) if who else "",
                "consolidator": consolidator,
                "csrf": csrf_token(who.token) if who else "",
                "plan_title": engine.plan.info.title,
                "state_label": lambda s, y=None: state_name(
                    s, lang, engine.cycle_book(y).plan.workflow if y else engine.plan.workflow
                ),
                "agency_name": name,
                "trigger_label": lambda trigger: TRIGGERS[lang].get(trigger, trigger),
                "root": _root(request),
                **ctx,
            },
            status_code=status,
        )

    def to_login(request: Request) -> RedirectResponse:
        return go(request, "/login?next=" + quote(request.url.path.removeprefix(_root(request))))

    def checked(who: Caller | None, csrf: str) -> None:
        if who is None or not csrf_ok(who.token, csrf):
            raise PayloadError("the form expired or came from another site; reload and retry")

    @router.get("/login")
    async def login_form(
        request: Request, target: Annotated[str, Query(alias="next")] = "/"
    ) -> HTMLResponse:
        return await page(request, None, "login.html", next=_local(target), failed=False)

    @router.post("/login", response_model=None)
    async def login(
        request: Request,
        token: Annotated[str, Form(max_length=300)],
        target: Annotated[str, Form(alias="next")] = "/",
    ) -> Response:
        who = await from_token(runner, token.strip(), "cookie")
        if who is None:
            return await page(request, None, "login.html", 401, next=_local(target), failed=True)
        response = go(request, _local(target))
        response.set_cookie(
            COOKIE, token.strip(), httponly=True, samesite="strict", secure=secure_cookie
        )
        return response

    @router.post("/logout")
    async def logout(request: Request, csrf: str = Form("")) -> RedirectResponse:
        who = await signed_in(request)
        checked(who, csrf)
        response = go(request, "/login")
        response.delete_cookie(COOKIE)
        return response

    @router.get("/lang/{lang}")
    async def switch(
        request: Request,
        lang: Literal["vi", "en"],
        target: Annotated[str, Query(alias="next")] = "/",
    ) -> RedirectResponse:
        response = go(request, _local(target))
        response.set_cookie(LANG_COOKIE, lang, samesite="lax", max_age=365 * 86400)
        return response

    @router.get("/", response_model=None)
    async def home(request: Request) -> Response:
        who = await signed_in(request)
        if who is None:
            return to_login(request)
        open_years = {c.year for c in await runner(engine.cycles) if not c.closed}
        mine = [
            t for t in await runner(engine.tasks, None, None, who.agency) if t.year in open_years
        ]
        years = sorted({c.year for c in await runner(engine.cycles)}, reverse=True)
        reviews = await runner(answered_to, engine, who.agency, today(), open_years)
        return await page(
            request, who, "home.html", tasks=mine, reviews=reviews, years=years, today=today()
        )

    @router.get("/tasks/{task_id:path}", response_model=None)
    async def task_page(request: Request, task_id: str, done: str = "") -> Response:
        who = await signed_in(request)
        if who is None:
            return to_login(request)
        return await _task(request, who, task_id, done=done)

    async def _task(
        request: Request, who: Caller, task_id: str, status: int = 200, **ctx: Any
    ) -> HTMLResponse:
        try:
            task = await runner(engine.task, task_id)
        except Plan161Error as exc:
            return await page(request, who, "error.html", 404, message=str(exc))
        history = await runner(engine.history, task_id)
        verdict = await runner(engine.verify)
        sent_back = next(
            (
                e.payload.get("reason")
                for e in reversed(history)
                if e.trigger == "send_back" and e.outcome == "applied"
            ),
            None,
        )
        triggers = await runner(allowed_triggers, engine, task, who.agency, today())
        return await page(
            request,
            who,
            "task.html",
            status,
            task=task,
            history=history,
            verdict=verdict,
            sent_back=sent_back if task.state != "reported" else None,
            triggers=triggers,
            **ctx,
        )

    @router.post("/tasks/{task_id:path}", response_model=None)
    async def task_action(
        request: Request,
        task_id: str,
        trigger: str = Form(max_length=64),
        csrf: str = Form(""),
        version: int = Form(0),
        summary: str = Form("", max_length=100_000),
        indicators: str = Form("", max_length=100_000),
        attachments: str = Form("", max_length=100_000),
        reason: str = Form("", max_length=100_000),
        rating: str = Form("", max_length=200),
        text: str = Form("", max_length=100_000),
    ) -> Response:
        who = await signed_in(request)
        if who is None:
            return to_login(request)
        try:
            checked(who, csrf)
            args: dict[str, Any] = {}
            if trigger == "submit":
                args["report"] = {
                    "summary": summary,
                    "indicators": parse_indicators(indicators),
                    "attachments": parse_lines(attachments),
                }
            for key, value in (("reason", reason), ("rating", rating), ("text", text)):
                if value:
                    args[key] = value
            await runner(
                engine.fire,
                task_id,
                trigger,
                actor=who.agency,
                expected_version=version or None,
                **args,
            )
        except Plan161Error as exc:
            return await _task(
                request,
                who,
                task_id,
                422,
                error=str(exc),
                form=locals_of(summary, indicators, attachments, reason, text),
            )
        return go(request, f"/tasks/{quote(task_id)}?done={quote(trigger)}")

    @router.get("/cycles/{year}", response_model=None)
    async def dashboard(request: Request, year: int, done: str = "", period: str = "") -> Response:
        who = await signed_in(request)
        if who is None:
            return to_login(request)
        return await _dashboard(request, who, year, period, done=done)

    def shown_period(year: int, asked: str) -> tuple[PeriodInstance, list[PeriodInstance]]:
        """The period a dashboard shows (the one asked for; else the latest whose data were
        cut off by today, or the first), and every period of the year."""
        periods = engine.periods(year)
        if asked:
            return engine.period_of(year, asked), periods
        ended = [p for p in periods if p.cutoff <= today()]
        return (ended[-1] if ended else periods[0]), periods

    async def _dashboard(
        request: Request, who: Caller, year: int, asked: str, status: int = 200, **ctx: Any
    ) -> HTMLResponse:
        lang = lang_of(request)
        try:
            period, periods = await runner(shown_period, year, asked)
            data = await runner(status_data, engine, year, today(), period.id)
            doc = await runner(build_report, engine, year, on=today(), period=period.id, lang=lang)
            reported = await runner(
                engine.tasks,
                year,
                engine.cycle_book(year).plan.workflow.reported_state,
                period=period.id,
            )
        except Plan161Error as exc:
            return await page(request, who, "error.html", 404, message=str(exc))
        try:
            _, unready = await runner(engine.consolidation_candidates, year, period.id)
        except Plan161Error:
            unready = []  # a closed cycle: nothing left to waive
        missing = sorted({t.agency for t in unready})
        # The consolidator is not its own subordinate: its own overdue tasks are not listed
        # among those it urges, but apart, as the report lists them (``own_late``, ``own_missing``).
        issuer = await runner(engine.holder, "consolidator", today(), year=year)
        others = [a for a in data["overdue"] if a["agency"] != issuer]
        return await page(
            request,
            who,
            "dashboard.html",
            status,
            year=year,
            period=period,
            periods=periods if len(periods) > 1 else [],
            data=data,
            overdue=others,
            own_heading=doc.own_heading,
            own=[(agency_label(s, doc.text), s) for s in (*doc.own_late, *doc.own_missing)],
            charts=Markup(figures(doc)),
            reported=reported,
            missing=missing,
            **ctx,
        )

    @router.post("/cycles/{year}/consolidate", response_model=None)
    async def consolidate(
        request: Request,
        year: int,
        csrf: str = Form(""),
        period: str = Form(""),
        waive: Annotated[list[str] | None, Form()] = None,
    ) -> Response:
        who = await signed_in(request)
        if who is None:
            return to_login(request)
        try:
            checked(who, csrf)
            await runner(
                engine.consolidate,
                year,
                period=period or None,
                actor=who.agency,
                waive=waive or [],
            )
        except Plan161Error as exc:
            return await _dashboard(request, who, year, period, 422, error=str(exc))
        return go(request, f"/cycles/{year}?done=consolidate&period={quote(period)}")

    @router.get("/cycles/{year}/report.{fmt}", response_model=None)
    async def download(
        request: Request, year: int, fmt: Literal["html", "md", "json"], period: str = ""
    ) -> Response:
        who = await signed_in(request)
        if who is None:
            return to_login(request)
        try:
            _, body = await runner(
                make_report,
                engine,
                year,
                today(),
                fmt=fmt,
                lang=lang_of(request),
                period=period or None,
            )
        except Plan161Error as exc:
            return await page(request, who, "error.html", 404, message=str(exc))
        return Response(
            body,
            media_type=f"{MEDIA[fmt]}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="bao-cao-{year}.{fmt}"'},
        )

    return router


def locals_of(
    summary: str, indicators: str, attachments: str, reason: str, text: str
) -> dict[str, str]:
    """What the person typed, shown again with the error."""
    return {
        "summary": summary,
        "indicators": indicators,
        "attachments": attachments,
        "reason": reason,
        "text": text,
    }


def _root(request: Request) -> str:
    """Where the app is mounted in a host's application (empty when served alone)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def go(request: Request, path: str) -> RedirectResponse:
    """A redirect after a form (303) to a path of this app, wherever it is mounted."""
    return RedirectResponse(_root(request) + path, status_code=303)


def _local(target: str) -> str:
    """A redirect target on this site only (no ``//host`` or ``scheme:``)."""
    return target if target.startswith("/") and not target.startswith("//") else "/"
