"""Words of the reports in Vietnamese and English, and the forms official documents use (pure).

Vietnamese is the default; ``lang="en"`` switches every label. The plan's own words (titles,
agency names) come from the rules file in the language asked for.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Literal

from plan161_workflow.errors import PayloadError
from plan161_workflow.model.period import PeriodInstance
from plan161_workflow.model.plan import DayUnit, Plan, Workflow

Lang = Literal["vi", "en"]
LANGS: tuple[str, ...] = ("vi", "en")

TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "nation": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "motto": "Độc lập - Tự do - Hạnh phúc",
        "kind": "BÁO CÁO",
        "number": "Số",
        "draft": "DỰ THẢO",
        "subject": "Kết quả thực hiện {period} {title}",
        "intro": (
            "Thực hiện {title}, {issuer} tổng hợp, báo cáo kết quả thực hiện {period} như sau:"
        ),
        "results": "I. KẾT QUẢ THỰC HIỆN",
        "overview": "1. Tình hình gửi báo cáo",
        "by_area": "2. Kết quả theo từng nội dung",
        "shortfalls": "II. CƠ QUAN, ĐƠN VỊ BÁO CÁO CHẬM HOẶC CHƯA BÁO CÁO",
        "late": "1. Báo cáo chậm",
        "missing": "2. Chưa gửi báo cáo",
        "own": "3. Nhiệm vụ do {issuer} chủ trì thực hiện (báo cáo {superior})",
        "difficulties": "III. KHÓ KHĂN, VƯỚNG MẮC, Ý KIẾN CỦA CÁC CƠ QUAN",
        "proposals": "IV. ĐỀ XUẤT, KIẾN NGHỊ",
        "generated": (
            "Các đề xuất dưới đây được tạo tự động từ số liệu theo dõi; cơ quan tổng hợp xem xét,"
            " chỉnh sửa trước khi ban hành."
        ),
        "recipients": "Nơi nhận",
        "archive": "Lưu: VT, {abbr}.",
        "signer": "THỦ TRƯỞNG CƠ QUAN",
        "signature": "(Ký, ghi rõ họ tên, đóng dấu)",
        "charts": "PHỤ LỤC: BIỂU ĐỒ",
        "chart_states": "Tình trạng nhiệm vụ theo nội dung",
        "chart_on_time": "Tỷ lệ báo cáo đúng hạn theo cơ quan",
        "chart_grid": "Tình hình báo cáo của các cơ quan qua các năm",
        "agency": "Cơ quan, đơn vị",
        "unit": "Nội dung",
        "due": "Hạn",
        "reported": "Ngày gửi",
        "days_late": "Số ngày chậm",
        "days_overdue": "Số ngày quá hạn",
        "state": "Tình trạng",
        "summary": "Tóm tắt kết quả",
        "rating": "Đánh giá",
        "tasks": "Nhiệm vụ",
        "expected": "Phải báo cáo",
        "received": "Đã nhận",
        "on_time": "Đúng hạn",
        "late_n": "Chậm",
        "missing_n": "Chưa báo cáo",
        "reporting_rate": "Tỷ lệ báo cáo",
        "on_time_rate": "Tỷ lệ đúng hạn",
        "median_days_late": "Trung vị số ngày chậm",
        "no_deadline": "Chưa có thời hạn",
        "year": "Năm",
        "waived": "được miễn khi tổng hợp",
        "note": "Ghi chú",
        "in_place_of": "thay {name}",
        "none": "Không có.",
        "no_report": "(chưa có báo cáo)",
        "days": "ngày",
        "overview_text": (
            "Tổng số nhiệm vụ có thời hạn: {expected}; đã nhận báo cáo: {received} ({rate});"
            " đúng hạn: {on_time} ({on_time_rate}); chậm: {late}; chưa báo cáo: {missing}."
        ),
        "median_text": "Trung vị số ngày chậm của các báo cáo chậm: {median} ngày.",
        "no_deadline_text": (
            "Nhiệm vụ chưa có thời hạn (không tính vào các tỷ lệ): {count} ({ids})."
        ),
        "remark_on": "về {unit}",
        "p_missing": (
            "Đề nghị {evaluator} chỉ đạo, đôn đốc các cơ quan, đơn vị chưa gửi báo cáo ({names})"
            " khẩn trương gửi báo cáo {period}."
        ),
        "p_late": (
            "Đề nghị các cơ quan, đơn vị báo cáo chậm ({names}) gửi báo cáo đúng thời hạn trong"
            " các kỳ tiếp theo."
        ),
        "p_late_last": (
            "Đề nghị các cơ quan, đơn vị báo cáo chậm ({names}) rút kinh nghiệm về việc chấp hành"
            " thời hạn báo cáo."
        ),
        "p_no_deadline": "Đề nghị xác định thời hạn báo cáo cho các nhiệm vụ: {ids}.",
        "p_remarks": (
            "Đề nghị các cơ quan liên quan tiếp thu, giải trình các ý kiến nêu tại mục III."
        ),
        "p_none": "Không có kiến nghị phát sinh từ số liệu theo dõi.",
        "legend": "Chú giải",
        "received_late_incl": "Đã nhận (kể cả chậm)",
    },
    "en": {
        "nation": "SOCIALIST REPUBLIC OF VIETNAM",
        "motto": "Independence - Freedom - Happiness",
        "kind": "REPORT",
        "number": "No.",
        "draft": "DRAFT",
        "subject": "Results in {period} of the {title}",
        "intro": "Under the {title}, the {issuer} has consolidated and reports the results of"
        " {period} as follows:",
        "results": "I. RESULTS",
        "overview": "1. Reports received",
        "by_area": "2. Results by content area",
        "shortfalls": "II. AGENCIES LATE OR MISSING",
        "late": "1. Late reports",
        "missing": "2. Reports not received",
        "own": "3. Tasks {issuer} leads itself (reported to {superior})",
        "difficulties": "III. DIFFICULTIES AND REMARKS RAISED",
        "proposals": "IV. PROPOSALS",
        "generated": (
            "The proposals below were generated from the monitoring figures; the consolidating"
            " agency reviews and edits them before issuing."
        ),
        "recipients": "Recipients",
        "archive": "Filed: Records, {abbr}.",
        "signer": "HEAD OF AGENCY",
        "signature": "(Signature, full name, seal)",
        "charts": "ANNEX: CHARTS",
        "chart_states": "Task states by content area",
        "chart_on_time": "On-time reporting rate by agency",
        "chart_grid": "Agencies' reporting across years",
        "agency": "Agency",
        "unit": "Content area",
        "due": "Due",
        "reported": "Received",
        "days_late": "Days late",
        "days_overdue": "Days overdue",
        "state": "State",
        "summary": "Summary of results",
        "rating": "Rating",
        "tasks": "Tasks",
        "expected": "Expected",
        "received": "Received",
        "on_time": "On time",
        "late_n": "Late",
        "missing_n": "Missing",
        "reporting_rate": "Reporting rate",
        "on_time_rate": "On-time rate",
        "median_days_late": "Median days late",
        "no_deadline": "No deadline set",
        "year": "Year",
        "waived": "waived at consolidation",
        "note": "Note",
        "in_place_of": "in place of {name}",
        "none": "None.",
        "no_report": "(no report yet)",
        "days": "days",
        "overview_text": (
            "Tasks with a deadline: {expected}; reports received: {received} ({rate});"
            " on time: {on_time} ({on_time_rate}); late: {late}; not received: {missing}."
        ),
        "median_text": "Median delay of late reports: {median} days.",
        "no_deadline_text": "Tasks without a deadline (outside the rates): {count} ({ids}).",
        "remark_on": "on {unit}",
        "p_missing": (
            "We propose that the {evaluator} urge the agencies that have not reported ({names})"
            " to send their {period} reports without delay."
        ),
        "p_late": (
            "We propose that the agencies that reported late ({names}) report on time in the"
            " coming cycles."
        ),
        "p_late_last": (
            "We propose that the agencies that reported late ({names}) draw lessons on keeping"
            " to reporting deadlines."
        ),
        "p_no_deadline": "We propose that reporting deadlines be set for: {ids}.",
        "p_remarks": (
            "We propose that the agencies concerned take up and answer the remarks in section III."
        ),
        "p_none": "The monitoring figures raise no proposal.",
        "legend": "Legend",
        "received_late_incl": "Received (late included)",
    },
}

STATE_NAMES: dict[str, dict[str, str]] = {
    "vi": {
        "assigned": "Đã giao",
        "in_progress": "Đang thực hiện",
        "reported": "Đã báo cáo",
        "consolidated": "Đã tổng hợp",
        "evaluated": "Đã đánh giá",
    },
    "en": {
        "assigned": "Assigned",
        "in_progress": "In progress",
        "reported": "Reported",
        "consolidated": "Consolidated",
        "evaluated": "Evaluated",
    },
}

GRID_NAMES: dict[str, dict[str, str]] = {
    "vi": {
        "on_time": "Đúng hạn",
        "late": "Chậm",
        "missing": "Chưa báo cáo (quá hạn)",
        "not_due": "Chưa đến hạn",
        "no_deadline": "Chưa có thời hạn",
        "none": "Không có nhiệm vụ",
    },
    "en": {
        "on_time": "On time",
        "late": "Late",
        "missing": "Missing (overdue)",
        "not_due": "Not yet due",
        "no_deadline": "No deadline set",
        "none": "No task",
    },
}

_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def period_phrase(instance: PeriodInstance, lang: Lang) -> str:
    """How a report names its period: its Vietnamese label (``năm 2026``, ``6 tháng đầu năm
    2026``); in English the year (``2026``), ``H1 2026``, ``Q2 2026``, ``06/2026``, or the
    plan's own Vietnamese name of a one-off period or a review."""
    if lang == "vi":
        return instance.label
    part = instance.id[4:]
    if instance.kind == "year":
        return str(instance.year)
    if instance.kind == "half_year":
        return f"H{part[-1]} {instance.year}"
    if instance.kind == "quarter":
        return f"Q{part[-1]} {instance.year}"
    if instance.kind == "month":
        return f"{part}/{instance.year}"
    return instance.label


def check_lang(lang: str) -> Lang:
    """``lang`` if supported.

    Raises:
        PayloadError: not ``vi`` or ``en``.
    """
    if lang not in LANGS:
        raise PayloadError(f"language {lang!r}: expected one of {', '.join(LANGS)}")
    return "vi" if lang == "vi" else "en"


def day_count(count: int, unit: DayUnit, lang: Lang) -> str:
    """``5 ngày làm việc`` / ``5 working days``, ``1 day``: a count of days (its sign dropped)
    that says working days when it counts working days, as a reminder must."""
    n = abs(count)
    if lang == "vi":
        return f"{n} ngày làm việc" if unit == "working_days" else f"{n} ngày"
    word = "day" if n == 1 else "days"
    return f"{n} working {word}" if unit == "working_days" else f"{n} {word}"


def in_place_of(name: str, text: dict[str, str]) -> str:
    """``(thay Ủy ban nhân dân huyện Can Lộc)``: whom an agency answers for, in ``text``'s
    language; reports and calendars word it alike."""
    return f"({text['in_place_of'].format(name=name)})"


def state_name(state: str, lang: Lang, workflow: Workflow | None = None) -> str:
    """A workflow state as readers see it: the name the rules' ``labels`` give it, else the
    library's name for a default state, else its own name with ``_`` as spaces."""
    label = workflow.label(state) if workflow else None
    if label is not None:
        return label.name if lang == "vi" else label.name_en
    return STATE_NAMES[lang].get(state, state.replace("_", " "))


def place_date(place: str, day: dt.date, lang: Lang) -> str:
    """``Hà Tĩnh, ngày 05 tháng 01 năm 2025``: in Vietnamese a leading zero for days under 10 and
    for months 1 and 2 only (Decree 30/2020/NĐ-CP); ``Hà Tĩnh, 5 January 2025`` in English."""
    if lang == "en":
        text = f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    else:
        month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
        text = f"ngày {day.day:02d} tháng {month} năm {day.year}"
    return f"{place}, {text}" if place else text


_LOCALITY = re.compile(r"\s+(?:tỉnh|thành phố|huyện|thị xã|xã|phường|thị trấn)\s+(\w)")
_SKIP = {"và", "các", "của"}


def abbreviation(name: str) -> str:
    """The initials used in a document's symbol: ``Sở Lao động - Thương binh và Xã hội`` gives
    ``SLĐTBXH``, ``Ủy ban nhân dân tỉnh Hà Tĩnh`` gives ``UBND`` (the place name is dropped).

    Initials lose their tone and vowel marks except Đ, as Vietnamese symbols are written.
    """
    base = unicodedata.normalize("NFC", name)
    for match in _LOCALITY.finditer(base):
        if match[1].isupper():  # "tỉnh Hà Tĩnh" names a place; "Xã hội" does not
            base = base[: match.start()]
            break
    out = []
    for word in re.findall(r"\w+", base):
        if word.casefold() in _SKIP:
            continue
        first = word[0].upper()
        if first != "Đ":
            first = unicodedata.normalize("NFD", first)[0]
        out.append(first)
    return "".join(out)


def number(value: float, lang: Lang, digits: int = 1) -> str:
    """A decimal number with the reader's decimal separator (comma in Vietnamese)."""
    text = f"{value:.{digits}f}"
    if digits and text.endswith("0" * digits):
        text = text[: -digits - 1]
    return text.replace(".", ",") if lang == "vi" else text


def percent(rate: float | None, lang: Lang) -> str:
    """``80,0%`` / ``80.0%``; ``—`` when the rate is undefined."""
    if rate is None:
        return "—"
    text = f"{rate * 100:.1f}%"
    return text.replace(".", ",") if lang == "vi" else text


def agency_name(plan: Plan, code: str, lang: Lang) -> str:
    """The agency's name in ``lang`` (its code when the rules do not know it)."""
    if not plan.has_agency(code):
        return code
    agency = plan.agency(code)
    return agency.name if lang == "vi" else agency.name_en


def unit_title(plan: Plan, unit: str, lang: Lang) -> str:
    """The title of an area or duty in ``lang`` (its id when unknown)."""
    for u in plan.units():
        if u.id == unit:
            return u.title if lang == "vi" else u.title_en
    return unit
