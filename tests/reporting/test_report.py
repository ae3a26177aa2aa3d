"""The consolidated report: its official parts, languages, formats and the CLI that writes it."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from plan161_workflow.cli import main
from plan161_workflow.engine import Engine
from plan161_workflow.errors import NotFound
from plan161_workflow.reporting.labels import abbreviation, place_date
from plan161_workflow.reporting.render_html import render_html
from plan161_workflow.reporting.render_md import render_md
from plan161_workflow.reporting.report import Report, build_report, report_json

D = dt.date


@pytest.fixture
def report_2023(tiny_engine: Engine) -> Report:
    return build_report(tiny_engine, 2023, on=D(2024, 1, 5))


def test_place_and_date_in_vietnamese_form() -> None:
    assert place_date("Hà Tĩnh", D(2025, 1, 5), "vi") == "Hà Tĩnh, ngày 05 tháng 01 năm 2025"
    assert place_date("Hà Tĩnh", D(2025, 2, 28), "vi") == "Hà Tĩnh, ngày 28 tháng 02 năm 2025"
    assert place_date("Hà Tĩnh", D(2025, 3, 9), "vi") == "Hà Tĩnh, ngày 09 tháng 3 năm 2025"
    assert place_date("Hà Tĩnh", D(2025, 12, 15), "vi") == "Hà Tĩnh, ngày 15 tháng 12 năm 2025"
    assert place_date("Hà Tĩnh", D(2025, 1, 5), "en") == "Hà Tĩnh, 5 January 2025"


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("Sở Lao động - Thương binh và Xã hội", "SLĐTBXH"),
        ("Sở Giáo dục và Đào tạo", "SGDĐT"),
        ("Sở Văn hóa, Thể thao và Du lịch", "SVHTTDL"),
        ("Ủy ban nhân dân tỉnh Hà Tĩnh", "UBND"),
        ("Ủy ban nhân dân huyện Đức Thọ", "UBND"),
    ],
)
def test_abbreviation(name: str, initials: str) -> None:
    assert abbreviation(name) == initials


def test_official_parts(report_2023: Report) -> None:
    r = report_2023
    assert r.nation == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert r.motto == "Độc lập - Tự do - Hạnh phúc"
    assert r.parent_body == "ỦY BAN NHÂN DÂN TỈNH THỬ"
    assert r.issuing_body == "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"  # the consolidator
    assert r.number == "Số: 1/BC-SLĐTBXH"  # one consolidation of 2023
    assert r.place_date == "Hà Tĩnh, ngày 05 tháng 01 năm 2024"
    assert r.kind == "BÁO CÁO"
    assert "2023" in r.subject
    assert "Kế hoạch thử nghiệm báo cáo" in r.subject
    assert not r.draft
    assert r.recipients == (
        "Ủy ban nhân dân tỉnh Thử;",
        "Bộ Lao động - Thương binh và Xã hội;",
        "Lưu: VT, SLĐTBXH.",
    )


def test_results_by_area(report_2023: Report) -> None:
    units = {u.id: u for u in report_2023.units}
    assert list(units) == ["A1", "A2", "D1"]  # the plan's order
    a1 = units["A1"]
    assert (a1.rates.expected, a1.rates.received, a1.rates.on_time) == (3, 2, 1)
    # agencies in Vietnamese order: An, Du, Đào (code points would put Đào last too, but Du
    # before An)
    assert [t.agency for t in a1.tasks] == ["so-an-toan", "so-du-lich", "so-dao-tao"]
    an_toan = a1.tasks[0]
    assert (an_toan.rating, an_toan.summary) == (
        "Hoàn thành nhiệm vụ",
        "Đã tổ chức 3 lớp tập huấn.",
    )
    assert an_toan.state == "Đã đánh giá"
    assert an_toan.indicators == {"lớp tập huấn": 3}
    assert report_2023.totals.median_days_late == 7.5
    assert report_2023.no_deadline == ("2023/D1/so-ld",)


def test_late_and_missing_agencies(report_2023: Report) -> None:
    assert [(s.agency, s.unit, s.days_late) for s in report_2023.late] == [
        ("so-am-nhac", "A2", 10),  # Âm before Du: Vietnamese order
        ("so-du-lich", "A1", 5),
    ]
    (missing,) = report_2023.missing
    assert (missing.agency, missing.days_late, missing.waived) == ("so-dao-tao", 36, True)


def test_difficulties_and_generated_proposals(report_2023: Report) -> None:
    (remark,) = report_2023.remarks
    assert remark.agency == "mttq"
    assert remark.text == "Báo cáo còn chung chung, thiếu số liệu cụ thể."
    assert remark.on == D(2023, 12, 20)
    proposals = report_2023.proposals
    assert "Sở Đào tạo" in proposals[0]  # urge the missing agency
    assert "Ủy ban nhân dân tỉnh Thử" in proposals[0]  # through the evaluator
    assert "Sở Âm nhạc, Sở Du lịch" in proposals[1]  # the late ones
    assert "D1" in proposals[2]  # set a deadline
    assert len(proposals) == 4


def test_draft_before_consolidation(tiny_engine: Engine) -> None:
    report = build_report(tiny_engine, 2024, on=D(2025, 1, 2))
    assert report.draft
    assert report.number.startswith("Số:     /BC-")
    # 2024/A2/so-dao-tao was received, then sent back: received (not missing), although open
    assert [s.agency for s in report.missing] == ["so-am-nhac"]
    assert "DỰ THẢO" in render_html(report)


def test_options_number_symbol(tiny_engine: Engine) -> None:
    report = build_report(tiny_engine, 2023, on=D(2024, 1, 5), number=12, symbol="SLĐ")
    assert report.number == "Số: 12/BC-SLĐ"


def test_unknown_year(tiny_engine: Engine) -> None:
    with pytest.raises(NotFound) as caught:
        build_report(tiny_engine, 2025, on=D(2025, 1, 1))
    assert "2023, 2024" in str(caught.value)


def test_english_switches_every_label(tiny_engine: Engine) -> None:
    report = build_report(tiny_engine, 2023, on=D(2024, 1, 5), lang="en")
    assert report.nation == "SOCIALIST REPUBLIC OF VIETNAM"
    assert report.kind == "REPORT"
    assert report.place_date == "Hà Tĩnh, 5 January 2024"
    html = render_html(report)
    for vietnamese in ("BÁO CÁO", "Nơi nhận", "KẾT QUẢ", "Đề nghị", "Đúng hạn", "Đã giao"):
        assert vietnamese not in html
    assert 'lang="en"' in html
    assert "Department of Music" in html


def test_html_is_self_contained(report_2023: Report) -> None:
    html = render_html(report_2023)
    assert "http://" not in html
    assert "https://" not in html
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert not re.search(r"url\((?!#)", html)
    assert html.count("<svg") == 3  # states by area, on-time rate by agency, agency x year grid


def test_html_has_every_part(report_2023: Report) -> None:
    html = render_html(report_2023)
    for part in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
        "Số: 1/BC-SLĐTBXH",
        "Hà Tĩnh, ngày 05 tháng 01 năm 2024",
        "<h1>BÁO CÁO</h1>",
        "I. KẾT QUẢ THỰC HIỆN",
        "II. CƠ QUAN, ĐƠN VỊ BÁO CÁO CHẬM HOẶC CHƯA BÁO CÁO",
        "III. KHÓ KHĂN",
        "IV. ĐỀ XUẤT, KIẾN NGHỊ",
        "tạo tự động",
        "Nơi nhận",
        "Báo cáo còn chung chung",
        "lớp tập huấn: 3",
    ):
        assert part in html, part


def test_chart_agencies_in_vietnamese_order(report_2023: Report) -> None:
    names = [a.name for a in report_2023.charts.on_time]
    assert names == ["Sở An toàn", "Sở Âm nhạc", "Sở Du lịch", "Sở Đào tạo"]
    html = render_html(report_2023)
    svg = html[html.index("<svg", html.index("<svg") + 1) :]
    positions = [svg.index(f">{n}<") for n in names]
    assert positions == sorted(positions)
    grid = {code: cells for code, _, cells in report_2023.charts.grid}
    assert report_2023.charts.years == (2023,)
    assert grid["so-dao-tao"] == ("missing",)


def test_markdown_has_every_part(report_2023: Report) -> None:
    md = render_md(report_2023)
    for part in (
        "**CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**",
        "Số: 1/BC-SLĐTBXH",
        "# BÁO CÁO",
        "## IV. ĐỀ XUẤT, KIẾN NGHỊ",
        "***Nơi nhận:***",
        "- Lưu: VT, SLĐTBXH.",
        "| Sở Đào tạo | ✗ Chưa báo cáo (quá hạn) |",
    ):
        assert part in md, part


def test_json_is_plain_and_deterministic(report_2023: Report, tiny_engine: Engine) -> None:
    data = report_json(report_2023)
    again = report_json(build_report(tiny_engine, 2023, on=D(2024, 1, 5)))
    assert json.dumps(data, sort_keys=True) == json.dumps(again, sort_keys=True)
    assert data["totals"]["reporting_rate"] == 0.8
    assert data["missing"][0]["due"] == "2023-11-30"
    assert data["number"] == "Số: 1/BC-SLĐTBXH"


@pytest.mark.parametrize("fmt", ["html", "md", "json"])
def test_cli_report(
    tiny_db: Path, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"report.{fmt}"
    code = main(["report", "--db", str(tiny_db), "--year", "2023", "--format", fmt, "-o", str(out)])
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert "1/BC-SLĐTBXH" in text
    assert "ngày 05 tháng 01 năm 2024" in text  # the consolidation's day by default
    assert "wrote" in capsys.readouterr().err


def test_cli_report_english_and_errors(
    tiny_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    assert (
        main(
            [
                "report",
                "--db",
                str(tiny_db),
                "--year",
                "2023",
                "--lang",
                "en",
                "--date",
                "2024-02-01",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    assert "Hà Tĩnh, 1 February 2024" in out.read_text(encoding="utf-8")
    assert main(["report", "--db", str(tiny_db), "--year", "2031", "-o", str(out)]) == 1
    assert "unknown cycle 2031" in capsys.readouterr().err
    assert (
        main(["report", "--db", str(tmp_path / "none.db"), "--year", "2023", "-o", str(out)]) == 1
    )
    assert "does not exist" in capsys.readouterr().err
