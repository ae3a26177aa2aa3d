"""``plan161 calendar``: an agency's deadlines as iCalendar, parsed back with ``icalendar``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
import pytest
from reporting_data import HA_TINH_RULES, TINY_RULES

from plan161_workflow.cli import main
from plan161_workflow.errors import NotFound
from plan161_workflow.model.plan import Plan
from plan161_workflow.reporting.ical import agency_calendar
from plan161_workflow.rules import load_rules

STAMP = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def tiny() -> Plan:
    return load_rules(TINY_RULES)


def _events(data: bytes) -> list[icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    return list(cal.walk("VEVENT"))


def test_lead_and_coordinating_deadlines(tiny: Plan) -> None:
    result = agency_calendar(tiny, "so-am-nhac", [2023, 2024], stamp=STAMP)
    events = _events(result.calendar.to_ical())
    assert result.events == len(events) == 4  # leads A2, coordinates A1; two years
    by_uid = {str(e["UID"]): e for e in events}
    assert len(by_uid) == 4
    lead = next(e for e in events if "A2" in str(e["SUMMARY"]) and "2023" in str(e["SUMMARY"]))
    assert str(lead["SUMMARY"]) == "Hạn báo cáo A2 năm 2023: Nội dung thứ hai"
    assert lead.decoded("DTSTART") == dt.date(2023, 11, 30)  # all-day, the last day
    assert lead.decoded("DTEND") == dt.date(2023, 12, 1)
    assert "Nội dung thứ hai" in str(lead["DESCRIPTION"])
    assert "Nguồn / source: II.2" in str(lead["DESCRIPTION"])
    coordinating = [e for e in events if str(e["SUMMARY"]).startswith("Phối hợp")]
    assert len(coordinating) == 2  # once per year, although A1 has three leads


def test_reminders_become_alarms(tiny: Plan) -> None:
    (event, *_) = _events(
        agency_calendar(tiny, "so-an-toan", [2023], stamp=STAMP).calendar.to_ical()
    )
    alarms = event.walk("VALARM")
    triggers = sorted(a.decoded("TRIGGER") for a in alarms)
    # -7 and -1 days, at 08:00 that day; the +1 day escalation is not an alarm
    assert triggers == [dt.timedelta(days=-7, hours=8), dt.timedelta(days=-1, hours=8)]
    assert all(str(a["ACTION"]) == "DISPLAY" for a in alarms)


def test_duties_without_deadline_are_skipped(tiny: Plan) -> None:
    result = agency_calendar(tiny, "so-ld", [2023, 2024], stamp=STAMP)
    assert result.events == 0
    assert result.skipped == ((2023, "D1"), (2024, "D1"))


def test_uids_are_stable(tiny: Plan) -> None:
    one = agency_calendar(tiny, "so-dao-tao", [2023, 2024], stamp=STAMP).calendar.to_ical()
    later = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    two = agency_calendar(tiny, "so-dao-tao", [2023, 2024], stamp=later).calendar.to_ical()
    assert [str(e["UID"]) for e in _events(one)] == [str(e["UID"]) for e in _events(two)]
    assert one.replace(b"20250101T000000Z", b"") == two.replace(b"20260601T000000Z", b"")


def test_ha_tinh_year_range() -> None:
    plan = load_rules(HA_TINH_RULES)
    result = agency_calendar(plan, "so-ldtbxh", range(2023, 2026), stamp=STAMP)
    dues = sorted({e.decoded("DTSTART") for e in _events(result.calendar.to_ical())})
    assert dues == [dt.date(2023, 11, 30), dt.date(2024, 11, 30), dt.date(2025, 11, 30)]
    assert (2025, "V.1-final-evaluation") in result.skipped


def test_unknown_agency_suggests(tiny: Plan) -> None:
    with pytest.raises(NotFound) as caught:
        agency_calendar(tiny, "so-dao-ta", [2023], stamp=STAMP)
    assert "did you mean 'so-dao-tao'?" in str(caught.value)


def test_group_is_not_an_agency() -> None:
    plan = load_rules(HA_TINH_RULES)
    with pytest.raises(NotFound) as caught:
        agency_calendar(plan, "ubnd-cap-huyen", [2023], stamp=STAMP)
    assert "is a group" in str(caught.value)


def test_cli_calendar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "so-ldtbxh.ics"
    code = main(
        [
            "calendar",
            str(HA_TINH_RULES),
            "--agency",
            "so-ldtbxh",
            "--years",
            "2023-2025",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    assert len(_events(out.read_bytes())) == 9  # II.1, II.2, II.4 in each of three years
    err = capsys.readouterr().err
    assert "wrote 9 events" in err
    assert "skipped 5 without a deadline" in err
    assert (
        main(
            [
                "calendar",
                str(HA_TINH_RULES),
                "--agency",
                "so-ldtbxh",
                "--years",
                "2020-2021",
                "-o",
                str(out),
            ]
        )
        == 2
    )
    assert "reporting years are 2023-2025" in capsys.readouterr().err
    assert main(["calendar", str(HA_TINH_RULES), "--agency", "so-x", "-o", str(out)]) == 1
    assert "unknown agency 'so-x'" in capsys.readouterr().err
