"""The HTTP API on a real database: tokens, the contract routes, problems, concurrency headers."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from web_kit import AGENCY, CONSOLIDATOR, serving

from plan161_workflow import Engine
from plan161_workflow.web import create_app

pytestmark = pytest.mark.slow  # a live server (and a browser): left out of the quick loop

REPORT = {"summary": "Đã triển khai", "indicators": {"so_lop": 3}, "attachments": ["CV 12/STTTT"]}


@pytest.fixture
def client(served: tuple[Engine, dict[str, str]]) -> Iterator[httpx.Client]:
    engine, _ = served
    with serving(create_app(engine, max_wait=0.5)) as url, httpx.Client(base_url=url) as c:
        yield c


def auth(tokens: dict[str, str], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[who]}"}


def first_task(engine: Engine) -> str:
    return engine.tasks(year=2024, agency=AGENCY)[0].id


def test_every_api_route_needs_a_valid_token(client: httpx.Client, served) -> None:
    engine, _tokens = served
    task = quote(first_task(engine), safe="/")
    for method, path in [
        ("GET", "/api/tasks?year=2024"),
        ("GET", f"/api/tasks/{task}"),
        ("POST", f"/api/tasks/{task}/fire"),
        ("GET", "/api/verify"),
        ("GET", "/api/plan"),
    ]:
        for headers in ({}, {"Authorization": "Bearer p161_nope_x"}, {"Authorization": "Basic x"}):
            r = client.request(method, path, headers=headers, json={"trigger": "start"})
            assert r.status_code == 401, (method, path, headers)
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["status"] == 401
    assert [e.trigger for e in engine.history(first_task(engine))] == ["create"]


def test_tasks_of_a_year_are_a_page_with_id_state_agency(client: httpx.Client, served) -> None:
    engine, tokens = served
    r = client.get("/api/tasks?year=2024", headers=auth(tokens, "agency"))
    assert r.status_code == 200
    page = r.json()
    assert page["total"] == len(engine.tasks(year=2024))
    assert {t["id"] for t in page["items"]} <= {t.id for t in engine.tasks(year=2024)}
    assert all({"id", "state", "agency"} <= t.keys() for t in page["items"])
    second = client.get("/api/tasks?year=2024&limit=5&offset=5", headers=auth(tokens, "agency"))
    ids = [t.id for t in engine.tasks(year=2024)]
    assert [t["id"] for t in second.json()["items"]] == ids[5:10]
    mine = client.get(f"/api/tasks?year=2024&agency={AGENCY}", headers=auth(tokens, "agency"))
    assert {t["agency"] for t in mine.json()["items"]} == {AGENCY}


@pytest.mark.parametrize("encode", [False, True])
def test_fire_acts_as_the_token_agency_by_raw_or_encoded_id(
    client: httpx.Client, served, encode: bool
) -> None:
    engine, tokens = served
    task_id = first_task(engine)
    path = quote(task_id, safe="") if encode else task_id
    assert ("%2F" in path) is encode
    r = client.post(
        f"/api/tasks/{path}/fire",
        headers=auth(tokens, "agency"),
        json={"trigger": "submit", "report": REPORT, "actor": CONSOLIDATOR},
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "reported"
    assert r.headers["etag"] == f'"{r.json()["version"]}"'
    last = engine.history(task_id)[-1]
    assert (last.trigger, last.actor, last.outcome) == ("submit", AGENCY, "applied")
    got = client.get(f"/api/tasks/{path}", headers=auth(tokens, "agency"))
    assert got.json()["report"]["summary"] == "Đã triển khai"
    assert got.headers["etag"] == r.headers["etag"]


def test_a_trigger_the_agency_may_not_fire_is_403_and_recorded(
    client: httpx.Client, served
) -> None:
    engine, tokens = served
    task_id = first_task(engine)
    r = client.post(
        f"/api/tasks/{task_id}/fire",
        headers=auth(tokens, "agency"),
        json={"trigger": "consolidate"},
    )
    assert r.status_code == 403
    body = r.json()
    assert body["error"] == "PermissionDenied"
    assert body["status"] == 403
    assert {"type", "title", "detail"} <= body.keys()
    assert AGENCY in body["detail"]
    last = engine.history(task_id)[-1]
    assert (last.trigger, last.actor, last.outcome) == ("consolidate", AGENCY, "refused")
    assert engine.task(task_id).state == "assigned"


def test_read_only_token_reads_but_never_changes(client: httpx.Client, served) -> None:
    engine, tokens = served
    task_id = first_task(engine)
    assert client.get(f"/api/tasks/{task_id}", headers=auth(tokens, "reader")).status_code == 200
    r = client.post(
        f"/api/tasks/{task_id}/fire", headers=auth(tokens, "reader"), json={"trigger": "start"}
    )
    assert r.status_code == 403
    assert r.json()["error"] == "ReadOnlyToken"
    assert len(engine.history(task_id)) == 1


def test_if_match_and_idempotency_key(client: httpx.Client, served) -> None:
    engine, tokens = served
    task_id = first_task(engine)
    stale = client.post(
        f"/api/tasks/{task_id}/fire",
        headers={**auth(tokens, "agency"), "If-Match": '"7"'},
        json={"trigger": "start"},
    )
    assert stale.status_code == 412
    assert stale.json()["error"] == "ConflictError"
    good = client.post(
        f"/api/tasks/{task_id}/fire",
        headers={**auth(tokens, "agency"), "If-Match": '"1"', "Idempotency-Key": "k-1"},
        json={"trigger": "start"},
    )
    assert good.status_code == 200
    assert good.json()["version"] == 2
    again = client.post(
        f"/api/tasks/{task_id}/fire",
        headers={**auth(tokens, "agency"), "Idempotency-Key": "k-1"},
        json={"trigger": "start"},
    )
    assert again.status_code == 200
    assert again.json()["version"] == 2
    applied = [e for e in engine.history(task_id) if e.outcome == "applied"]
    assert [e.trigger for e in applied] == ["create", "start"]


@pytest.mark.parametrize(
    ("who", "body", "status", "error"),
    [
        ("agency", {"trigger": "submit"}, 422, "PayloadError"),
        ("consolidator", {"trigger": "consolidate"}, 409, "InvalidTransition"),
        ("agency", {"trigger": "fly"}, 404, "NotFound"),
        ("agency", {"trigger": "x" * 65}, 422, "RequestValidationError"),
        ("agency", {"report": {}}, 422, "RequestValidationError"),
    ],
)
def test_each_error_is_a_problem_with_its_status(
    client: httpx.Client, served, who: str, body: dict, status: int, error: str
) -> None:
    engine, tokens = served
    task_id = first_task(engine)
    r = client.post(f"/api/tasks/{task_id}/fire", headers=auth(tokens, who), json=body)
    assert (r.status_code, r.json()["error"]) == (status, error), r.text
    assert r.headers["content-type"] == "application/problem+json"


def test_a_closed_cycle_is_423_and_unknown_task_404(client: httpx.Client, served) -> None:
    engine, tokens = served
    task_id = first_task(engine)
    assert client.get("/api/tasks/2024/nope/x", headers=auth(tokens, "agency")).status_code == 404
    engine.close_cycle(2024, actor=CONSOLIDATOR)
    r = client.post(
        f"/api/tasks/{task_id}/fire", headers=auth(tokens, "agency"), json={"trigger": "start"}
    )
    assert (r.status_code, r.json()["error"]) == (423, "CycleClosedError")


def test_unexpected_errors_are_problem_json(client: httpx.Client, served, monkeypatch) -> None:
    engine, tokens = served

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(engine, "verify", broken)
    r = client.get("/api/verify", headers=auth(tokens, "agency"))
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["error"] == "InternalError"
    assert "disk on fire" in r.json()["detail"]


def test_bodies_over_the_limit_are_refused_unread(served) -> None:
    engine, tokens = served
    task_id = first_task(engine)
    big = {"trigger": "submit", "report": {"summary": "x" * 5000}}
    with serving(create_app(engine, max_body=1000)) as url:
        r = httpx.post(f"{url}/api/tasks/{task_id}/fire", headers=auth(tokens, "agency"), json=big)
    assert r.status_code == 413
    assert r.json()["error"] == "RequestTooLarge"
    assert len(engine.history(task_id)) == 1


def test_consolidation_reports_verify_calendar_and_feed(client: httpx.Client, served) -> None:
    engine, tokens = served
    agency, boss = auth(tokens, "agency"), auth(tokens, "consolidator")
    for task in engine.tasks(year=2024, agency=AGENCY):
        assert (
            client.post(
                f"/api/tasks/{task.id}/fire",
                headers=agency,
                json={"trigger": "submit", "report": REPORT},
            ).status_code
            == 200
        )
    refused = client.post("/api/cycles/2024/consolidate", headers=boss, json={})
    assert refused.status_code == 409
    assert refused.json()["missing"]
    waive = sorted({a for _, a in refused.json()["missing"]})
    assert (
        client.post(
            "/api/cycles/2024/consolidate", headers=agency, json={"waive": waive}
        ).status_code
        == 403
    )
    done = client.post("/api/cycles/2024/consolidate", headers=boss, json={"waive": waive})
    assert done.status_code == 200, done.text
    assert len(client.get("/api/cycles/2024/consolidations", headers=agency).json()) == 1
    status = client.get("/api/cycles/2024/status?as_of=2024-11-20", headers=agency).json()
    assert status["cycle"]["consolidations"] == 1
    for fmt, media in [
        ("html", "text/html"),
        ("md", "text/markdown"),
        ("json", "application/json"),
    ]:
        r = client.get(f"/api/cycles/2024/report?format={fmt}", headers=agency)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith(media)
    ics = client.get(f"/api/calendars/{AGENCY}.ics?year=2024", headers=agency)
    assert ics.status_code == 200
    assert b"BEGIN:VCALENDAR" in ics.content
    assert client.get("/api/calendars/khong-co.ics", headers=agency).status_code == 404
    verdict = client.get("/api/verify", headers=agency).json()
    assert verdict["ok"] is True
    assert verdict["head"] == engine.verify().head
    feed = client.get("/api/changes?after=0&limit=1000", headers=agency).json()
    assert [c["seq"] for c in feed["changes"]] == [c.seq for c in engine.changes(0, 1000)]
    empty = client.get(f"/api/changes?after={feed['cursor']}&wait=0.3", headers=agency).json()
    assert empty == {"changes": [], "cursor": feed["cursor"]}


def test_trusted_header_is_off_unless_enabled(served) -> None:
    engine, _ = served
    with serving(create_app(engine)) as url:
        assert httpx.get(f"{url}/api/me", headers={"X-Agency": AGENCY}).status_code == 401
    with serving(create_app(engine, trusted_header="X-Agency")) as url:
        me = httpx.get(f"{url}/api/me", headers={"X-Agency": AGENCY}).json()
        assert (me["agency"], me["via"]) == (AGENCY, "header")
        assert httpx.get(f"{url}/api/me", headers={"X-Agency": "khong-co"}).status_code == 401


def test_openapi_is_3_1_and_documents_problems(client: httpx.Client) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    fire = doc["paths"]["/api/tasks/{task_id}/fire"]["post"]
    assert "application/problem+json" in fire["responses"]["403"]["content"]
    assert client.get("/docs").status_code == 200
