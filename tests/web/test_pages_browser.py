"""The pages in a real browser (Debian's chromium through Playwright): an agency reports, the
consolidating agency sends back, the agency resubmits, the consolidator consolidates and downloads.

Skipped with a message when chromium is missing (``apt-get install chromium``); in CI (``CI=true``)
that is a failure instead. Screenshots of every page, desktop and 375 px wide, go to the folder
named by ``PLAN161_SCREENSHOTS`` (default: the test's temporary folder).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from web_kit import AGENCY, serving

from plan161_workflow import Engine
from plan161_workflow.web import create_app

pytestmark = pytest.mark.slow  # a live server (and a browser): left out of the quick loop

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def need_chromium() -> str:
    if CHROMIUM is None:
        message = "chromium is not installed (Debian: apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI must run the browser test")
        pytest.skip(message)
    return CHROMIUM


def test_report_send_back_resubmit_consolidate_download(
    served: tuple[Engine, dict[str, str]], tmp_path: Path
) -> None:
    chromium = need_chromium()
    from playwright.sync_api import Page, expect, sync_playwright

    engine, tokens = served
    shots = Path(os.environ.get("PLAN161_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    task_id = engine.tasks(year=2024, agency=AGENCY)[0].id

    def snap(page: Page, name: str) -> None:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=shots / f"{name}-desktop.png", full_page=True)
        page.set_viewport_size({"width": 375, "height": 800})
        page.screenshot(path=shots / f"{name}-375.png", full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 380, f"{name} scrolls sideways at 375 px ({width} px wide)"
        page.set_viewport_size({"width": 1280, "height": 900})

    def sign_in(page: Page, url: str, token: str) -> None:
        page.goto(url + "/")
        expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
        page.get_by_label("Mã truy cập (token) của cơ quan").fill(token)
        page.get_by_role("button", name="Đăng nhập").click()

    with serving(create_app(engine)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        agency = browser.new_context(accept_downloads=True).new_page()
        agency.goto(url + "/login")
        snap(agency, "login")
        agency.get_by_label("Mã truy cập (token) của cơ quan").fill("p161_wrong_token")
        agency.get_by_role("button", name="Đăng nhập").click()
        expect(agency.get_by_role("alert")).to_contain_text("không đúng")
        sign_in(agency, url, tokens["agency"])
        expect(agency.get_by_role("heading", name="Nhiệm vụ của đơn vị")).to_be_visible()
        snap(agency, "home-agency")
        agency.get_by_role("link", name=task_id).click()
        agency.get_by_label("Tóm tắt kết quả").fill("Đã tổ chức 3 lớp tập huấn")
        agency.get_by_label("Chỉ tiêu (mỗi dòng: tên = giá trị)").fill("so_lop = 3")
        agency.get_by_label("Tài liệu đính kèm").fill("CV 12/STTTT")
        snap(agency, "task-form")
        agency.get_by_role("button", name="Gửi báo cáo").click()
        expect(agency.get_by_role("status").first).to_contain_text("Gửi báo cáo")
        assert engine.task(task_id).state == "reported"
        assert engine.history(task_id)[-1].actor == AGENCY

        boss = browser.new_context(accept_downloads=True).new_page()
        sign_in(boss, url, tokens["consolidator"])
        boss.get_by_role("link", name="Bảng tổng hợp năm 2024").click()
        expect(boss.get_by_role("link", name=task_id)).to_be_visible()
        snap(boss, "dashboard")
        boss.get_by_role("link", name=task_id).click()
        boss.get_by_label("Lý do trả lại").fill("Thiếu số liệu người được hỗ trợ")
        boss.get_by_role("button", name="Trả lại").click()
        assert engine.task(task_id).state != "reported"

        agency.goto(f"{url}/tasks/{task_id}")
        expect(agency.get_by_role("note")).to_contain_text("Thiếu số liệu người được hỗ trợ")
        snap(agency, "task-sent-back")
        agency.get_by_label("Tóm tắt kết quả").fill("Đã bổ sung: 120 người được hỗ trợ")
        agency.get_by_role("button", name="Gửi báo cáo").click()
        assert engine.task(task_id).state == "reported"

        boss.goto(f"{url}/cycles/2024")
        for box in boss.get_by_role("checkbox").all():
            box.check()
        boss.get_by_role("button", name="Tổng hợp 2024").click()
        expect(boss.get_by_role("status").first).to_contain_text("Tổng hợp")
        assert engine.task(task_id).state == "consolidated"
        assert len(engine.consolidations(2024)) == 1
        snap(boss, "dashboard-consolidated")
        with boss.expect_download() as info:
            boss.get_by_role("link", name="HTML").click()
        report = Path(info.value.path()).read_text(encoding="utf-8")
        assert "Đã bổ sung: 120 người được hỗ trợ" in report
        boss.goto(f"{url}/tasks/{task_id}")
        expect(boss.locator(".verdict")).to_contain_text("Toàn vẹn")
        snap(boss, "task-history")
        boss.goto(f"{url}/lang/en?next=/cycles/2024")
        expect(boss.get_by_role("heading", name="Cycle dashboard 2024")).to_be_visible()
        snap(boss, "dashboard-en")
        browser.close()
    assert engine.verify().ok
