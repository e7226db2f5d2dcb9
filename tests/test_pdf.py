"""Published PDFs: the tables found in the text layer give the same findings as the workbook they were
printed from, located by page; the written part is checked against them in the same run."""

from __future__ import annotations

import json

import pytest

from qidong_audit.audit import audit_paths, sample_path
from tests.conftest import run_cli
from tests.pdfs import to_pdf

SEED_TEXT = [
    "二、基本支出情况",
    "2021年度支出总计947.59万元，其中：基本支出940.12万元、项目支出7.46万元。",
    "1、基本支出940.12万元，占财政拨款支出总额的100%。",
    "2021年度“三公”经费支出决算为0.87万元。",
]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    return to_pdf(sample_path(), tmp_path_factory.mktemp("pdf") / "祁东县2021决算公开.pdf", SEED_TEXT)


def _key(f):
    return (f.rule, str(f.expected), str(f.actual), str(f.difference))


def test_pdf_tables_give_the_workbooks_findings(published):
    from_pdf = audit_paths([str(published)])
    from_xlsx = audit_paths([str(sample_path())])
    fr = from_pdf.files[0]
    assert fr.error is None
    assert [t.table_id for t in fr.tables] == [f"JS0{i}" for i in range(1, 10)]
    assert all(t.sheet.startswith("第") and t.sheet.endswith("页") for t in fr.tables)
    table_errors = sorted(_key(f) for f in from_pdf.findings if f.severity.value == "error" and f.sheet)
    assert table_errors == sorted(_key(f) for f in from_xlsx.findings if f.severity.value == "error")
    # a table continued on the next page is still one table, and its cells name their page
    js01 = next(f for f in from_pdf.findings if f.rule == "JS01.expense-total")
    assert js01.sheet == "第3页" and {c.sheet for c in js01.cells} == {"第2页", "第3页"}


def test_written_part_checked_against_the_same_documents_tables(published, runner):
    result = run_cli(runner, "check", str(published), "--format", "json")
    doc = json.loads(result.stdout)
    text = [f for f in doc["findings"] if f["line"] is not None]
    share = [f for f in text if f["rule"] == "TXT.share"]
    assert len(share) == 1 and share[0]["severity"] == "error" and "100%" in share[0]["excerpt"]
    assert share[0]["message"].endswith("（第1页）")
    assert result.exit_code == 1


def test_inspect_pdf_shows_pages(published, runner):
    doc = json.loads(run_cli(runner, "inspect", str(published), "--format", "json").stdout)
    sheets = {t["table_id"]: t["sheet"] for t in doc["files"][0]["tables"]}
    assert sheets["JS01"] == "第2页" and sheets["JS09"].startswith("第")


def test_pdf_without_text_layer_is_exit_2(tmp_path, runner):
    from reportlab.pdfgen import canvas

    scan = tmp_path / "扫描件.pdf"
    c = canvas.Canvas(str(scan))
    c.rect(50, 50, 400, 600, fill=1)  # a scan is pictures, no characters
    c.save()
    result = run_cli(runner, "check", str(scan))
    assert result.exit_code == 2
    err = "".join(result.stderr.split())
    assert "扫描件.pdf" in err and "没有文字层" in err


def test_damaged_pdf_is_exit_2(published, tmp_path, runner):
    bad = tmp_path / "坏.pdf"
    bad.write_bytes(published.read_bytes()[:300])
    result = run_cli(runner, "check", str(bad))
    assert result.exit_code == 2 and "坏.pdf" in "".join(result.stderr.split())
