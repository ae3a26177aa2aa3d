"""What the command line accepts: a bad value is a usage error (exit status 2) that names the
option and says what to write, never an internal error; text is taken in NFC; output files are
checked before anything is done; and every option says what it is for."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import click
import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plan161_workflow.cli import cli, main
from plan161_workflow.cli.base import write_output
from plan161_workflow.cli.params import FIRST_YEAR, LAST_YEAR, parse_year_list
from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.model.plan import Plan

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "ha-tinh-161-sap-xep-2025.yaml"
HUGE = "99999999999999999999"


@pytest.fixture(scope="module")
def readonly_db(tmp_path_factory: pytest.TempPathFactory, plan: Plan) -> Path:
    """The Hà Tĩnh 2024 cycle, nothing reported (read only by these tests)."""
    path = tmp_path_factory.mktemp("cli") / "plan.db"
    with Engine(plan, db=path, clock=FakeClock(dt.date(2024, 1, 10))) as eng:
        eng.open_cycle(2024)
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main([str(a) for a in args])
    out = capsys.readouterr()
    return status, out.out, out.err


def _usage_error(err: str, option: str) -> None:
    assert "internal error" not in err
    assert "Traceback" not in err
    assert f"Invalid value for '{option}'" in err or f"Invalid value for {option}" in err, err


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["status", "--year", HUGE], "--year"),
        (["status", "--year", "2024", "--as-of", "0001-01-01"], "--as-of"),
        (["report", "--year", HUGE, "-o", "-"], "--year"),
        (["report", "--year", "2024", "-o", "-", "--date", "9999-12-31"], "--date"),
        (["changes", "--after", HUGE], "--after"),
        (["changes", "--limit", HUGE], "--limit"),
        (["notices", "--as-of", "0001-01-01"], "--as-of"),
        (["notices", "--as-of", "9999-12-31"], "--as-of"),
        (["amend", "--dry-run", "--rules", str(RULES), "--as-of", "9999-12-31"], "--as-of"),
    ],
    ids=lambda v: "-".join(v) if isinstance(v, list) else v,
)
def test_an_out_of_range_number_or_day_is_a_usage_error(
    readonly_db: Path, capsys: pytest.CaptureFixture[str], args: list[str], option: str
) -> None:
    status, _out, err = _run(capsys, *args, "--db", readonly_db)
    assert status == 2
    _usage_error(err, option)


@pytest.mark.parametrize(
    ("day", "says"),
    [
        ("2024-02-30", "that day does not exist; month 02 of 2024 has 29 days"),
        ("2023-02-29", "month 02 of 2023 has 28 days"),
        ("2024-04-31", "month 04 of 2024 has 30 days"),
        ("2024-13-01", "there is no month 13"),
        ("2024/12/05", "write a day as YYYY-MM-DD"),
        ("05-12-2024", "write a day as YYYY-MM-DD"),
        ("1899-12-31", f"between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31"),
    ],
)
def test_a_day_that_does_not_exist_is_named_as_such(
    readonly_db: Path, capsys: pytest.CaptureFixture[str], day: str, says: str
) -> None:
    status, _out, err = _run(capsys, "notices", "--db", readonly_db, "--as-of", day)
    assert status == 2
    _usage_error(err, "--as-of")
    assert says in err
    assert "does not match the format" not in err


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=st.text(max_size=12) | st.dates().map(dt.date.isoformat))
def test_any_as_of_is_a_notice_list_or_a_usage_error(
    readonly_db: Path, capsys: pytest.CaptureFixture[str], day: str
) -> None:
    status, out, err = _run(capsys, "notices", "--db", readonly_db, "--as-of", day)
    try:
        parsed = dt.date.fromisoformat(day) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) else None
    except ValueError:
        parsed = None
    if parsed is not None and FIRST_YEAR <= parsed.year <= LAST_YEAR:
        assert status == 0, err
        assert out.splitlines()[-1].endswith(f"notice(s) on {parsed}")
    else:
        assert status == 2
        _usage_error(err, "--as-of")


def test_notices_say_day_for_one_day(readonly_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, "notices", "--db", readonly_db, "--as-of", "2024-12-01")
    assert status == 0, err
    assert "1 day after," in out
    assert re.search(r"[+-]1 days", out) is None
    status, out, err = _run(capsys, "notices", "--db", readonly_db, "--as-of", "2024-12-15")
    assert status == 0, err
    assert "15 days after," in out


def _event_years(path: Path) -> set[int]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return {e.decoded("dtstart").year for e in calendar.walk("VEVENT")}


def test_calendar_years_take_a_comma_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "so-yt.ics"
    status, _, err = _run(
        capsys, "calendar", RULES, "--agency", "so-yt", "--years", "2023,2025", "-o", out
    )
    assert status == 0, err
    assert _event_years(out) == {2023, 2025}
    status, _, err = _run(
        capsys, "calendar", RULES, "--agency", "so-yt", "--years", "2023-2024,2025", "-o", out
    )
    assert status == 0, err
    assert _event_years(out) == {2023, 2024, 2025}


@pytest.mark.parametrize("years", ["2023-", "-2023", "2023,", ",2023", "2023,,2025", "2023 2025"])
def test_calendar_years_that_are_not_years_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], years: str
) -> None:
    out = tmp_path / "x.ics"
    status, _, err = _run(
        capsys, "calendar", RULES, "--agency", "so-yt", "--years", years, "-o", out
    )
    assert status == 2
    _usage_error(err, "--years")
    assert not out.exists()


@given(
    picks=st.lists(st.tuples(st.integers(2021, 2025), st.integers(0, 4)), min_size=1, max_size=5)
)
def test_a_year_list_is_the_union_of_its_items(picks: list[tuple[int, int]]) -> None:
    allowed = range(2021, 2026)
    items = [(a, min(a + n, 2025)) for a, n in picks]
    text = ",".join(f"{a}" if a == b else f"{a}-{b}" for a, b in items)
    assert parse_year_list(text, allowed) == sorted({y for a, b in items for y in range(a, b + 1)})


def test_calendar_of_an_agency_without_deadlines_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = _run(
        capsys, "calendar", RULES, "--agency", "ubnd-tinh", "-o", tmp_path / "x.ics"
    )
    assert status == 0
    assert "wrote 0 events" in err
    assert (
        "note: ubnd-tinh leads or coordinates no area or duty with a deadline in 2023-2025" in err
    )


@pytest.mark.parametrize(
    ("typed", "meant"), [("SO-YT", "so-yt"), ("So-Yt", "so-yt"), ("so-yte", "so-yt")]
)
def test_a_mistyped_agency_code_gets_a_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], typed: str, meant: str
) -> None:
    status, _, err = _run(capsys, "calendar", RULES, "--agency", typed, "-o", tmp_path / "x.ics")
    assert status == 1
    assert f"did you mean {meant!r}?" in err


def test_command_line_text_is_taken_in_nfc(
    readonly_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nfd = unicodedata.normalize("NFD", "SLĐTBXHỞ")
    assert nfd != "SLĐTBXHỞ"
    status, out, err = _run(
        capsys,
        "report",
        "--db",
        readonly_db,
        "--year",
        "2024",
        "--format",
        "md",
        "-o",
        "-",
        "--symbol",
        nfd,
    )
    assert status == 0, err
    assert "/BC-SLĐTBXHỞ" in out
    assert out == unicodedata.normalize("NFC", out)


@pytest.mark.parametrize(
    ("output", "says"),
    [
        ("", "an empty name: give a file name or '-' for standard output"),
        (".", "is a folder"),
        ("/dev/null/r.html", "/dev/null is not a folder"),
    ],
    ids=["empty", "folder", "under-a-non-folder"],
)
def test_a_bad_output_path_is_a_usage_error_before_any_work(
    readonly_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    output: str,
    says: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    for args in (
        ["report", "--db", readonly_db, "--year", "2024", "-o", output],
        ["calendar", RULES, "--agency", "so-yt", "-o", output],
        ["diagram", "-o", output],
    ):
        status, _out, err = _run(capsys, *args)
        assert status == 2
        _usage_error(err, "-o' / '--output")
        assert says in err
        assert "Errno" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_failed_write_says_why_without_an_errno() -> None:
    with pytest.raises(click.ClickException) as caught:
        write_output("/dev/full", "x" * 100_000)
    assert caught.value.message.startswith("cannot write /dev/full: no space left on device;")
    assert Path("/dev/full").is_char_device()  # written as it is, never replaced


def test_a_failed_write_leaves_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "bao-cao.html"
    target.write_text("the report of yesterday", encoding="utf-8")

    def disk_full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("plan161_workflow.cli.base.os.fsync", disk_full)
    with pytest.raises(click.ClickException, match="no space left on device"):
        write_output(str(target), "x" * 100_000)
    assert target.read_text(encoding="utf-8") == "the report of yesterday"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bao-cao.html"]


def test_a_database_is_never_written_over(
    tmp_path: Path, readonly_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim.db"
    victim.write_bytes(readonly_db.read_bytes())
    for args in (
        ("report", "--db", readonly_db, "--year", "2024", "-o", victim),
        ("simulate", RULES, "--db", tmp_path / "new.db", "--years", "2024", "--report", victim,
         "--replace"),
    ):  # fmt: skip
        status, _out, err = _run(capsys, *args)
        assert status == 1, err
        assert f"{victim} is a SQLite database; it was left as it is" in err
        assert victim.read_bytes() == readonly_db.read_bytes()
    assert not (tmp_path / "new.db").exists()  # refused before simulating


def test_simulate_keeps_an_existing_report_without_replace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "r.html"
    report.write_text("kept", encoding="utf-8")
    new = tmp_path / "new.db"
    status, _out, err = _run(
        capsys, "simulate", RULES, "--db", new, "--years", "2024", "--report", report
    )
    assert status == 1
    assert "r.html exists" in err
    assert report.read_text(encoding="utf-8") == "kept"
    assert not new.exists()
    status, _out, err = _run(capsys, "simulate", RULES, "--db", new, "--report", new)
    assert status == 2
    assert "is the database itself" in err


def _commands() -> list[tuple[str, click.Command]]:
    return sorted(cli.commands.items())


@pytest.mark.parametrize(("name", "command"), _commands(), ids=[n for n, _ in _commands()])
def test_every_option_says_what_it_is_for(name: str, command: click.Command) -> None:
    for param in command.params:
        if isinstance(param, click.Option):
            assert (param.help or "").strip(), f"{name} {param.opts} has no help"


@pytest.mark.parametrize(("name", "command"), _commands(), ids=[n for n, _ in _commands()])
def test_a_name_in_capitals_in_a_command_help_is_one_of_its_arguments(
    name: str, command: click.Command
) -> None:
    arguments = {p.human_readable_name for p in command.params if isinstance(p, click.Argument)}
    words = set(re.findall(r"\b[A-Z][A-Z_]{2,}\b", command.help or ""))
    acronyms = {"API", "HTML", "HTTP", "JSON", "SVG", "WAL"}
    assert words - acronyms <= arguments, f"{name}: {sorted(words - acronyms - arguments)}"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("report", "--year", "2024", "--symbol", "", "-o", "-"), "an empty text"),
        (("report", "--year", "2024", "--symbol", "A\nB", "-o", "-"), "line break"),
    ],
)
def test_text_options_are_one_line_of_text(
    readonly_db: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], says: str
) -> None:
    status, _out, err = _run(capsys, *args, "--db", readonly_db)
    assert status == 2
    assert says in err


def test_an_empty_year_list_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = _run(capsys, "simulate", RULES, "--db", tmp_path / "x.db", "--years", "")
    assert status == 2
    assert "--years" in err
    assert not (tmp_path / "x.db").exists()


def test_calendar_refuses_an_empty_year_list(capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = _run(
        capsys, "calendar", RULES, "--agency", "so-yt", "--years", "", "-o", "-"
    )
    assert status == 2
    assert "--years" in err
