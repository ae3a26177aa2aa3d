"""Render the HTML report in a real headless browser (Chromium) and take screenshots.

Skipped when ``chromium`` is not installed (Debian: ``apt-get install chromium``). Set
``PLAN161_SCREENSHOT_DIR`` to keep the PNG files and look at them; a person looks at them before
a change to the report's layout is called done.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from plan161_workflow.engine import Engine
from plan161_workflow.reporting.render_html import render_html
from plan161_workflow.reporting.report import build_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _screenshot(html: Path, png: Path, profile: Path) -> None:
    assert CHROMIUM is not None
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--screenshot={png}",
            "--window-size=1280,2400",
            html.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def _png_size(png: Path) -> tuple[int, int]:
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_report_renders_in_headless_chromium(ha_tinh_db: Path, tmp_path: Path, lang: str) -> None:
    with Engine.open(ha_tinh_db) as engine:
        report = build_report(engine, 2024, on=dt.date(2025, 1, 5), lang=lang)
    html = tmp_path / f"report-2024-{lang}.html"
    html.write_text(render_html(report), encoding="utf-8")
    png = tmp_path / f"report-2024-{lang}.png"
    _screenshot(html, png, tmp_path / "profile")
    assert _png_size(png) == (1280, 2400)
    # A blank page compresses to a few kilobytes; text and three charts do not.
    assert png.stat().st_size > 100_000
    keep = os.environ.get("PLAN161_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(keep) / png.name)
        shutil.copy(html, Path(keep) / html.name)
