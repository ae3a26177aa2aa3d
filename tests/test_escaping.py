"""Every output shows every text from agencies and rules as text (issue 13, point 4).

The cases of the issue, each against the output it broke, then a property test: random text put
into each place of each output keeps that output's structure (the Markdown's blocks, the .ics
parsed back by icalendar, the mermaid diagram's lines, the SVG's XML) and shows the text.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import attrs
import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from plan161_workflow.cli import main
from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.model.plan import Plan
from plan161_workflow.reporting.diagram import mermaid, svg
from plan161_workflow.reporting.document import Report
from plan161_workflow.reporting.escape import md_inline, one_line, shown
from plan161_workflow.reporting.ical import agency_calendar
from plan161_workflow.reporting.render_md import render_md
from plan161_workflow.reporting.report import build_report
from plan161_workflow.rules import load_rules

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "reporting" / "tiny-rules.yaml"
STAMP = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
MD = MarkdownIt("commonmark").enable("table").enable("strikethrough")

# Text that any printable Unicode, markup characters and every control character may make up.
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(list("\r\n\t\x1b\x07\x00\x85\u2028|\\[]()!<>&*_`#-+=.~$:;,\"'")),
    ),
    max_size=40,
).filter(lambda t: one_line(t).strip())  # a blank text leaves a blank line: no injection


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_rules(TINY)


@pytest.fixture(scope="module")
def report(plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Report:
    """A 2023 report of the tiny plan with a submitted task, a comment and a late agency."""
    db = tmp_path_factory.mktemp("esc") / "esc.db"
    with Engine(plan, db=db, clock=FakeClock(dt.date(2023, 11, 1))) as eng:
        eng.open_cycle(2023)
        task = eng.tasks(year=2023, agency="so-an-toan")[0]
        eng.fire(task.id, "submit", actor="so-an-toan", report={"summary": "tóm tắt"})
        eng.fire(task.id, "comment", actor="so-an-toan", text="ý kiến")
        return build_report(eng, 2023, on=dt.date(2023, 12, 20))


def _blocks(markdown: str) -> list[str]:
    """The block structure: every block token's type and nesting, no inline content."""
    return [f"{t.type}/{t.level}" for t in MD.parse(markdown) if t.type != "inline"]


def _inline_kinds(markdown: str) -> set[str]:
    """Inline token types other than text, breaks and the emphasis the renderer writes."""
    kinds = set()
    for token in MD.parse(markdown):
        for child in token.children or ():
            kinds.add(child.type)
    return kinds


def _with_text(report: Report, text: str) -> Report:
    """``report`` with ``text`` in every place a typed or rules text goes."""
    unit = report.units[0]
    task = attrs.evolve(unit.tasks[0], summary=text, agency_name=text, indicators={"chỉ số": text})
    units = (attrs.evolve(unit, title=text, tasks=(task, *unit.tasks[1:])), *report.units[1:])
    remarks = tuple(attrs.evolve(r, text=text, agency_name=text) for r in report.remarks)
    late = tuple(attrs.evolve(s, agency_name=text, unit_title=text) for s in report.late)
    missing = tuple(attrs.evolve(s, agency_name=text, unit_title=text) for s in report.missing)
    return attrs.evolve(
        report,
        units=units,
        remarks=remarks,
        late=late,
        missing=missing,
        own_late=late,  # the issuing body's own shortfalls, under a heading that names it
        own_missing=missing,
        own_heading=text,
        issuing_body=text,
        parent_body=text,
        subject=text,
        intro=text,
        number=text,
        signer=text,
        recipients=(text, text),
    )


# --- Markdown -------------------------------------------------------------------------------

CASES = [
    "\r# tiêu đề chèn vào",
    "![x](https://example.com/a.png)",
    "[x](javascript:alert(1))",
    "a\\|b",
    "<script>alert(1)</script>",
    "**đậm** _nghiêng_ `mã`",
    "1. danh sách",
    "- mục",
    "> trích",
    "===",
    "\x1b[2J\x07",
]


@pytest.mark.parametrize("text", CASES)
def test_markdown_keeps_its_blocks_whatever_the_text(report: Report, text: str) -> None:
    md = render_md(_with_text(report, text))
    assert _blocks(md) == _blocks(render_md(_with_text(report, "chữ")))
    kinds = _inline_kinds(md)
    assert not kinds & {"image", "link_open", "html_inline", "code_inline", "s_open"}
    assert "<script" not in md
    assert "\x1b" not in md
    assert "\r" not in md


def test_markdown_emphasis_in_text_is_not_markup(report: Report) -> None:
    plain = _inline_kinds(render_md(_with_text(report, "chữ")))
    assert _inline_kinds(render_md(_with_text(report, "**đậm** _nghiêng_"))) == plain


def test_markdown_shows_the_text(report: Report) -> None:
    """The escaped text renders back to the text (as one line)."""
    text = "a\\|b [x](javascript:y) ![i](https://h/) <b>&amp; *e* _f_ `g` ~h~ $i$ #j"
    html = MD.render(md_inline(text))
    from html import unescape

    assert unescape(re.sub(r"<[^>]+>", "", html)).strip() == text


def test_markdown_names_and_titles_from_the_rules_are_escaped(tmp_path: Path) -> None:
    """An agency name and an area title from a rules file go into the Markdown as text."""
    source = TINY.read_text(encoding="utf-8")
    source = source.replace("name: Sở An toàn", 'name: "<script>alert(1)</script> *Sở* [An](x)"')
    source = source.replace("title: Nội dung thứ nhất", "title: 'Nội | dung ![i](https://h/)'")
    rules = tmp_path / "r.yaml"
    rules.write_text(source, encoding="utf-8")
    plan = load_rules(rules)
    with Engine(plan, clock=FakeClock(dt.date(2023, 11, 1))) as eng:
        eng.open_cycle(2023)
        md = render_md(build_report(eng, 2023, on=dt.date(2023, 12, 20)))
    assert "<script>" not in md
    assert "&lt;script&gt;" in md
    kinds = _inline_kinds(md)
    assert not kinds & {"image", "link_open", "html_inline"}
    assert "Nội \\| dung" in md


def test_report_md_to_stdout_shows_escape_sequences(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """``report --format md -o -`` never passes a terminal escape sequence through."""
    db = tmp_path / "x.db"
    plan = load_rules(TINY)
    with Engine(plan, db=db, clock=FakeClock(dt.date(2023, 11, 1))) as eng:
        eng.open_cycle(2023)
        task = eng.tasks(year=2023, agency="so-an-toan")[0]
        summary = "xong\x1b]0;pwned\x07\x1b[2J\x9b31m\rghi đè"
        eng.fire(task.id, "submit", actor="so-an-toan", report={"summary": summary})
    for fmt in ("md", "json", "html"):
        code = main(["report", "--db", str(db), "--year", "2023", "--format", fmt, "-o", "-"])
        out = capsysbinary.readouterr().out
        assert code == 0
        assert b"\x1b" not in out
        assert b"\x07" not in out
        assert b"\xc2\x9b" not in out
        assert re.search(rb"\r(?!\n)", out) is None


def test_cli_errors_and_prints_show_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A message quoting a stored or given text shows its control characters."""
    code = main(["validate", str(tmp_path / "no\x07\x9b2Jfile.yaml")])
    captured = capsys.readouterr()
    assert code == 1
    assert "\x07" not in captured.out + captured.err
    assert "\\u0007\\u009b2J" in captured.out + captured.err


def test_shown_writes_out_every_control_character() -> None:
    for code in [*range(0x20), *range(0x7F, 0xA0), 0x202E, 0x2066]:
        if chr(code) in "\n\t":
            continue
        assert chr(code) not in shown(f"a{chr(code)}b")
    assert shown("dòng\tmột\nhai") == "dòng\tmột\nhai"


# --- iCalendar ------------------------------------------------------------------------------


def _calendar(plan: Plan, name: str, title: str, plan_title: str = "Kế hoạch") -> bytes:
    agencies = tuple(
        attrs.evolve(a, name=name) if a.code == "so-an-toan" else a for a in plan.agencies
    )
    areas = tuple(attrs.evolve(a, title=title) if a.id == "A1" else a for a in plan.areas)
    info = attrs.evolve(plan.info, title=plan_title)
    changed = attrs.evolve(plan, agencies=agencies, areas=areas, info=info)
    return agency_calendar(changed, "so-an-toan", [2023], stamp=STAMP).calendar.to_ical()


def test_calendar_with_a_newline_in_an_agency_name(plan: Plan) -> None:
    """The issue: ``AssertionError: Content line can not contain unescaped new line``."""
    raw = _calendar(plan, "Sở\nAn toàn", "Nội dung\r\nmột")
    parsed = icalendar.Calendar.from_ical(raw)
    assert str(parsed["x-wr-calname"]).startswith("Sở An toàn")


def test_calendar_never_writes_a_bare_cr(plan: Plan) -> None:
    raw = _calendar(plan, "Sở\rAn", "a\rb\x1bc\x00d", "tiêu\rđề")
    assert re.search(rb"\r(?!\n)", raw) is None
    assert re.search(rb"(?<!\r)\n", raw) is None
    assert re.search(rb"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]", raw) is None


# --- mermaid and SVG ------------------------------------------------------------------------


def test_mermaid_title_with_newlines_adds_no_line(plan: Plan) -> None:
    """The issue: a plan title with newlines injected lines into the mermaid diagram."""
    plain = mermaid(plan.workflow, title="Kế hoạch")
    attack = mermaid(plan.workflow, title='Kế hoạch"\n  state_x --> [*]\r\n%%{init: {}}%%')
    assert attack.count("\n") == plain.count("\n")
    assert "state_x --> [*]\n" not in attack


# --- the property test ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_md(report: Report) -> list[str]:
    return _blocks(render_md(_with_text(report, "chữ")))


@pytest.mark.slow  # 150 hypothesis examples, each rendering four outputs: ~2.2 s; CI runs it
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXT)
def test_every_output_keeps_its_structure(
    text: str, report: Report, plan: Plan, base_md: list[str]
) -> None:
    # Markdown: the same blocks; no link, image, HTML, code or strike made from the text.
    md = render_md(_with_text(report, text))
    assert _blocks(md) == base_md
    assert not _inline_kinds(md) & {"image", "link_open", "html_inline", "code_inline", "s_open"}
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", md)
    # iCalendar: parses, and gives back the text (on one line) in the summary and description.
    raw = _calendar(plan, text, text, text)
    assert re.search(rb"\r(?!\n)|(?<!\r)\n", raw) is None
    parsed = icalendar.Calendar.from_ical(raw)
    events = list(_events(parsed))
    assert events
    summaries = [str(e["summary"]) for e in events]
    assert any(s.endswith(": " + one_line(text)) for s in summaries)
    assert str(parsed["x-wr-caldesc"]) == one_line(text)
    # mermaid: one line per state and edge, whatever the title.
    plain = mermaid(plan.workflow, title="x")
    drawn = mermaid(plan.workflow, title=text)
    assert drawn.count("\n") == plain.count("\n")
    # SVG: well-formed XML, the title shown as text.
    root = ET.fromstring(svg(plan.workflow, title=text))
    ns = "{http://www.w3.org/2000/svg}"
    assert (root.findtext(f"{ns}title") or "") == one_line(text)
    assert not root.findall(f".//{ns}script")


def _events(cal: icalendar.Calendar) -> Iterator[icalendar.Event]:
    yield from cal.walk("VEVENT")
