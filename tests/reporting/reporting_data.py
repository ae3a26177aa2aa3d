"""Databases for the reporting tests, built through the public engine API on a fake clock.

``tiny_db``: the tiny plan (tests/reporting/tiny-rules.yaml), two years, hand-counted:

======  ==========================  =================================  ==========
year    task                        what happens                       days late
======  ==========================  =================================  ==========
2023    A1/so-an-toan               submit 20/11/2023                  0
2023    A1/so-du-lich               submit 05/12/2023                  5
2023    A1/so-dao-tao               start only (overdue)               -
2023    A2/so-am-nhac               submit 10/12/2023                  10
2023    A2/so-dao-tao               submit 30/11/2023 (the due date)   0
2023    D1/so-ld                    no deadline, nothing               -
2024    A1/so-an-toan               submit 01/12/2024                  1
2024    A1/so-du-lich               submit 02/12/2024                  2
2024    A1/so-dao-tao               submit 30/12/2024                  30
2024    A2/so-am-nhac               nothing (overdue)                  -
2024    A2/so-dao-tao               submit 01/11/2024, sent back       0
2024    D1/so-ld                    submit 05/12/2024 (no deadline)    -
======  ==========================  =================================  ==========

Due dates: 30/11 each year. 2023 is consolidated on 05/01/2024 (so-dao-tao and so-ld waived) and
2023/A1/so-an-toan evaluated; the Fatherland Front comments on 2023/A1/so-du-lich.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.rules import load_rules

HERE = Path(__file__).resolve().parent
TINY_RULES = HERE / "tiny-rules.yaml"
HA_TINH_RULES = HERE.parents[1] / "rules" / "ha-tinh-161.yaml"


def _submit(
    eng: Engine,
    clock: FakeClock,
    task_id: str,
    day: dt.date,
    summary: str,
    indicators: dict[str, int] | None = None,
) -> None:
    clock.set(day)
    agency = eng.task(task_id).agency
    report: dict[str, object] = {"summary": summary}
    if indicators:
        report["indicators"] = indicators
    eng.fire(task_id, "submit", actor=agency, report=report)


def build_tiny(path: Path) -> Path:
    """Write the hand-counted tiny database to ``path`` and return it."""
    clock = FakeClock(dt.date(2023, 3, 1))
    eng = Engine(load_rules(TINY_RULES), db=path, clock=clock)
    try:
        eng.open_cycle(2023)
        clock.set(dt.date(2023, 6, 1))
        eng.fire("2023/A1/so-dao-tao", "start", actor="so-dao-tao")
        _submit(
            eng,
            clock,
            "2023/A1/so-an-toan",
            dt.date(2023, 11, 20),
            "Đã tổ chức 3 lớp tập huấn.",
            {"lớp tập huấn": 3},
        )
        _submit(eng, clock, "2023/A2/so-dao-tao", dt.date(2023, 11, 30), "Hoàn thành kế hoạch năm.")
        _submit(
            eng, clock, "2023/A1/so-du-lich", dt.date(2023, 12, 5), "Báo cáo muộn: đã triển khai."
        )
        _submit(eng, clock, "2023/A2/so-am-nhac", dt.date(2023, 12, 10), "Đã tổ chức hội diễn.")
        clock.set(dt.date(2023, 12, 20))
        eng.fire(
            "2023/A1/so-du-lich",
            "comment",
            actor="mttq",
            text="Báo cáo còn chung chung, thiếu số liệu cụ thể.",
        )
        clock.set(dt.date(2024, 1, 5))
        eng.consolidate(2023, actor="so-ld", waive=["so-dao-tao", "so-ld"])
        clock.set(dt.date(2024, 1, 20))
        eng.fire("2023/A1/so-an-toan", "evaluate", actor="ubnd-tinh", rating="hoan-thanh")

        clock.set(dt.date(2024, 2, 1))
        eng.open_cycle(2024)
        _submit(eng, clock, "2024/A2/so-dao-tao", dt.date(2024, 11, 1), "Báo cáo sơ bộ.")
        clock.set(dt.date(2024, 11, 5))
        eng.fire("2024/A2/so-dao-tao", "send_back", actor="so-ld", reason="Thiếu số liệu.")
        _submit(eng, clock, "2024/A1/so-an-toan", dt.date(2024, 12, 1), "Đã triển khai.")
        _submit(eng, clock, "2024/A1/so-du-lich", dt.date(2024, 12, 2), "Đã triển khai.")
        _submit(eng, clock, "2024/D1/so-ld", dt.date(2024, 12, 5), "Đã tham mưu kinh phí.")
        _submit(eng, clock, "2024/A1/so-dao-tao", dt.date(2024, 12, 30), "Báo cáo rất muộn.")
    finally:
        eng.close()
    return path


AREA_SUMMARIES = {
    "II.1": "Tổ chức tuyên truyền về Cộng đồng Văn hóa - Xã hội ASEAN cho cán bộ, công chức.",
    "II.2": "Giải quyết việc làm cho lao động; hỗ trợ hộ nghèo theo Chương trình mục tiêu quốc gia",
    "II.3": "Trồng rừng, bảo vệ đa dạng sinh học, phong trào Xanh - Sạch - Đẹp.",
    "II.4": "Diễn tập phòng chống thiên tai; tuyên truyền phòng chống ma túy.",
    "II.5": "Ứng dụng công nghệ thông tin; hợp tác giáo dục với các nước ASEAN.",
}


def build_ha_tinh(path: Path) -> Path:
    """Three Hà Tĩnh cycles with a spread of on-time, late and missing reports."""
    clock = FakeClock(dt.date(2023, 3, 1))
    eng = Engine(load_rules(HA_TINH_RULES), db=path, clock=clock)
    try:
        for year in (2023, 2024, 2025):
            clock.set(dt.date(year, 3, 1))
            tasks = eng.open_cycle(year)
            for i, task in enumerate(tasks):
                if task.due is None:
                    continue
                pattern = (i * 7 + year) % 10  # deterministic spread
                if pattern == 0 and year != 2023:
                    continue  # missing
                clock.set(dt.date(year, 6, 1))
                eng.fire(task.id, "start", actor=task.agency)
                if pattern == 1:
                    continue  # started, not reported
                late = {2: 3, 3: 12, 4: 40}.get(pattern, 0)
                day = task.due + dt.timedelta(days=late) if late else task.due - dt.timedelta(5)
                clock.set(day)
                summary = AREA_SUMMARIES.get(task.unit, "Đã triển khai nhiệm vụ.")
                eng.fire(task.id, "submit", actor=task.agency, report={"summary": summary})
            if year == 2024:
                clock.set(dt.date(2024, 12, 15))
                eng.fire(
                    "2024/II.3/so-tnmt",
                    "comment",
                    actor="ubmttq-tinh",
                    text="Đề nghị bổ sung số liệu về diện tích rừng trồng mới.",
                )
            if year < 2025:
                clock.set(dt.date(year + 1, 1, 5))
                missing = {t.agency for t in eng.tasks(year=year) if t.reported_at is None}
                eng.consolidate(year, actor="so-ldtbxh", waive=sorted(missing))
    finally:
        eng.close()
    return path
