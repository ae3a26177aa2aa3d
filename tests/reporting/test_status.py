"""``plan161 status``: the cycle at a glance, deterministic JSON and aligned text."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from reporting_data import build_tiny

from plan161_workflow.cli import main
from plan161_workflow.engine import Engine
from plan161_workflow.errors import NotFound
from plan161_workflow.reporting.status import status_data, table


def _status(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["status", "--db", str(db), *args]) == 0
    return capsys.readouterr().out


def test_status_data(tiny_engine: Engine) -> None:
    data = status_data(tiny_engine, 2024, dt.date(2024, 12, 31))
    assert data["states"] == {
        "assigned": 1,
        "in_progress": 1,
        "reported": 4,
        "consolidated": 0,
        "evaluated": 0,
    }
    assert "evaluated" not in data["open"]
    assert data["totals"]["reporting_rate"] == 0.8
    assert data["totals"]["on_time_rate"] == 0.2
    assert data["totals"]["median_days_late"] == 2.0
    assert [a["agency"] for a in data["agencies"]] == [
        "so-an-toan",
        "so-am-nhac",
        "so-du-lich",
        "so-dao-tao",
        "so-ld",  # Vietnamese order
    ]
    assert [(a["agency"], a["max_days_late"]) for a in data["overdue"]] == [
        ("so-am-nhac", 31),
        ("so-dao-tao", 31),
    ]
    assert data["overdue"][1]["items"][0]["task"] == "2024/A2/so-dao-tao"
    assert data["no_deadline"] == ["2024/D1/so-ld"]
    assert data["cycle"]["consolidations"] == 0


def test_status_of_an_unopened_year(tiny_engine: Engine) -> None:
    with pytest.raises(NotFound) as caught:
        status_data(tiny_engine, 2022, dt.date(2024, 1, 1))
    assert "cycles in this database: 2023, 2024" in str(caught.value)


def test_status_json_is_deterministic(
    tiny_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("--year", "2023", "--as-of", "2024-01-05", "--json")
    first = _status(tiny_db, capsys, *args)
    second = _status(tiny_db, capsys, *args)
    rebuilt = _status(build_tiny(tmp_path / "again.db"), capsys, *args)
    assert first == second == rebuilt
    data = json.loads(first)
    assert list(data) == sorted(data)  # sorted keys
    assert data["as_of"] == "2024-01-05"
    assert data["cycle"]["opened_at"].startswith("2023-03-01T08:00")  # from the database
    assert data["totals"]["expected"] == 5


def test_status_text_tables(tiny_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _status(tiny_db, capsys, "--year", "2024", "--as-of", "2024-12-31")
    assert "reporting rate: 80.0% (4/5)" in out
    assert "Sở Âm nhạc" in out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("agency  "))
    rule = lines[header + 1]
    assert set(rule) <= {"-", " "}
    columns = [i for i, c in enumerate(rule) if c == "-" and (i == 0 or rule[i - 1] == " ")]
    for row in lines[header + 2 : header + 7]:  # numbers end where their rule ends
        assert row[columns[1] : columns[2]].strip().isdigit()


def test_status_errors(tiny_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--db", str(tiny_db), "--year", "2027"]) == 1
    assert "unknown cycle 2027" in capsys.readouterr().err
    assert main(["status", "--db", str(tmp_path / "x.db"), "--year", "2023"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_table_alignment() -> None:
    text = table(["name", "n"], [["Đào", 3], ["Anh", 12]], right=[1])
    assert text.splitlines() == ["name   n", "----  --", "Đào    3", "Anh   12"]
