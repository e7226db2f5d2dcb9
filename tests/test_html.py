"""--format html: one self-contained page (no network) with the summary, the charts of the recognised figures and
the findings — checked as text, and opened in headless Chromium: the rendered DOM and a screenshot."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from fixtures.builders import clean_dataset, set_cell, write_central
from tests.conftest import run_cli

JS03_SHEET = "支出决算表"
BAR, ERROR = (0x3B, 0x7D, 0xD8), (0xD9, 0x30, 0x25)  # qidong_audit.render.html.BAR and the error badge colour
WINDOW = (1280, 2400)


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> tuple[Path, dict]:
    """The HTML report of a standard workbook with JS03 201 基本支出 (F9) raised by 1.23, and its dataset."""
    from typer.testing import CliRunner

    folder = tmp_path_factory.mktemp("html")
    ds = clean_dataset(2, state_capital=True)
    path = folder / "部门.xlsx"
    write_central(ds, path)
    set_cell(path, JS03_SHEET, "F9", ds.amount("JS03", "201", "基本支出") + Decimal("1.23"))
    out = folder / "report.html"
    result = run_cli(CliRunner(), "check", str(path), "--format", "html", "--output", str(out))
    assert result.exit_code == 1
    return out, {"ds": ds, "workbook": str(path)}


def test_page_is_self_contained_with_charts_from_the_tables(page):
    out, data = page
    html = out.read_text("utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html), "the page must not load anything"
    assert "<link" not in html and "@import" not in html
    for chart in ("classes", "basic-project", "sangong", "locations"):
        assert f'data-chart="{chart}"' in html
    ds = data["ds"]
    classes = [(row.code, row.values["本年支出合计"]) for row in ds.js03.rows if len(row.code) == 3 and row.values["本年支出合计"]]
    for code, amount in classes:  # one bar per 类, labelled with the amount as printed
        assert re.search(rf"<title>{code} [^<：]*：{amount:,.2f}</title></rect>", html), code
    basic, project = ds.js03.total["基本支出"], ds.js03.total["项目支出"]
    assert f"<title>基本支出：{basic:,.2f}</title>" in html and f"<title>项目支出：{project:,.2f}</title>" in html
    assert f"<title>决算数：{ds.js07.actual['公务接待费']:,.2f}</title>" in html
    assert f"<title>预算数：{ds.js07.budget['公务接待费']:,.2f}</title>" in html
    assert '<rect class="dot error"' in html and "JS03 · 3" in html


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_chromium_renders_charts_and_findings(page, tmp_path):
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs Debian's chromium before the tests")
        pytest.skip("chromium is not installed (CI installs it; `apt-get install chromium` to run this here)")
    out, _ = page
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
             f"--window-size={WINDOW[0]},{WINDOW[1]}"]
    dom = subprocess.run(flags + ["--dump-dom", out.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = dom.stdout
    assert 'data-ready="1"' in rendered  # the page's script ran
    assert rendered.count('<figure class="chart"') == 4 and rendered.count("<svg") >= 4
    shown = re.search(r'<span class="shown-count">(\d+)</span>', rendered)
    rows = re.findall(r'<tr id="f-[0-9a-f]{16}"', rendered)
    assert shown and int(shown.group(1)) == len(rows) > 0
    assert '<table class="findings">' in rendered and "<code>支出决算表!F9</code>" in rendered

    shot = tmp_path / "shot.png"
    proc = subprocess.run(flags + [f"--screenshot={shot}", out.as_uri()], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and shot.exists(), proc.stderr[-2000:]
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    assert image.size == WINDOW
    colours = {c: n for n, c in image.getcolors(maxcolors=1 << 20)}
    assert colours.get(BAR, 0) > 2000, "the chart bars are not on the screenshot"
    assert colours.get(ERROR, 0) > 200, "the error badges of the findings table are not on the screenshot"
    top_half = Image.open(shot).convert("RGB").crop((0, 0, WINDOW[0], WINDOW[1] // 2))
    assert len(top_half.getcolors(maxcolors=1 << 20)) > 50  # a page, not a blank or an error screen
