"""Batches: folders, --glob, --jobs (same report whatever N), the per-department summary and its exports."""

from __future__ import annotations

import csv
import io
import json

import pytest

from fixtures.builders import clean_dataset, set_cell, write_central
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    root = tmp_path_factory.mktemp("county")
    (root / "sub").mkdir()
    for i in range(6):
        folder = root / "sub" if i % 2 else root
        w = write_central(clean_dataset(i, department=f"第{i}局"), folder / f"dept{i}.xlsx", title_year=True)
        if i in (1, 4):
            sheet, a1 = w.cells[("JS03", "合计", "基本支出")]
            set_cell(w.path, sheet, a1, 1)
    (root / "notes.csv").write_text("x,y\n1,2\n", encoding="utf-8")  # not a workbook: folders skip it
    (root / "broken.xlsx").write_bytes(b"PK\x03\x04 nope")
    return root


def test_same_report_whatever_the_number_of_jobs(county, runner):
    one = run_cli(runner, "check", str(county), "-f", "json", "--jobs", "1")
    two = run_cli(runner, "check", str(county), "-f", "json", "--jobs", "2")
    assert one.exit_code == two.exit_code == 2  # broken.xlsx could not be read; the others were audited
    assert one.stdout == two.stdout
    doc = json.loads(one.stdout)
    names = [p["path"].rsplit("/", 1)[-1] for p in doc["files"]]
    assert names == ["broken.xlsx", "dept0.xlsx", "dept2.xlsx", "dept4.xlsx", "dept1.xlsx", "dept3.xlsx", "dept5.xlsx"]
    errors = {f["file"].rsplit("/", 1)[-1] for f in doc["findings"] if f["severity"] == "error"}
    assert errors == {"dept1.xlsx", "dept4.xlsx"}


def test_glob_selects_files_in_folders(county, runner):
    result = run_cli(runner, "check", str(county), "-f", "json", "--glob", "dept[0-2].xlsx")
    doc = json.loads(result.stdout)
    assert sorted(p["path"].rsplit("/", 1)[-1] for p in doc["files"]) == ["dept0.xlsx", "dept1.xlsx", "dept2.xlsx"]
    assert result.exit_code == 1


def test_summary_table_and_exports(county, tmp_path, runner):
    out_csv, out_xlsx = tmp_path / "汇总.csv", tmp_path / "汇总.xlsx"
    result = run_cli(runner, "check", str(county), "--summary-csv", str(out_csv), "--summary-xlsx", str(out_xlsx))
    assert result.exit_code == 2
    assert "各文件汇总" in result.stdout and "合计 7 个文件" in result.stdout
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text("utf-8-sig"))))
    by_name = {r["文件"].rsplit("/", 1)[-1]: r for r in rows}
    assert (by_name["dept1.xlsx"]["部门"], by_name["dept1.xlsx"]["年度"], by_name["dept1.xlsx"]["表数"]) == ("第1局", "2021", "9")
    assert int(by_name["dept1.xlsx"]["错误"]) >= 1 and by_name["dept1.xlsx"]["最严重的问题"].startswith("JS03")
    assert by_name["dept0.xlsx"]["错误"] == "0" and by_name["dept0.xlsx"]["最严重的问题"] == ""
    assert by_name["broken.xlsx"]["最严重的问题"].startswith("无法审核")
    import openpyxl

    ws = openpyxl.load_workbook(out_xlsx)["汇总"]
    assert [c.value for c in ws[1]] == ["文件", "部门", "年度", "表数", "错误", "提示", "信息", "最严重的问题"]
    assert ws.max_row == 8


def test_summary_refuses_to_overwrite_an_input(county, runner):
    target = county / "dept0.xlsx"
    before = target.read_bytes()
    result = run_cli(runner, "check", str(target), "--summary-csv", str(target))
    assert result.exit_code == 2 and target.read_bytes() == before


def test_a_batch_keeps_each_tables_outline_and_html_the_whole_table(county):
    """What travels back from a worker: with keep_tables=False (every output but HTML and --cycle) each table's
    outline — all the report shows of it — and with keep_tables=True its rows and columns too, as one process has
    them."""
    from qidong_audit.audit import AuditOptions, audit_paths

    files = [str(county / "dept0.xlsx"), str(county / "dept2.xlsx")]
    bare = audit_paths(files, AuditOptions(keep_tables=False), jobs=2)
    whole = audit_paths(files, AuditOptions(keep_tables=True), jobs=2)
    alone = audit_paths(files[:1], AuditOptions(keep_tables=True), jobs=1)
    assert [len(f.tables) for f in bare.files] == [len(f.tables) for f in whole.files] == [9, 9]
    assert all(t.rows == t.columns == () for f in bare.files for t in f.tables)
    assert [(t.table_id, t.title, t.sheet, t.unit, t.range) for f in bare.files for t in f.tables] == \
        [(t.table_id, t.title, t.sheet, t.unit, t.range) for f in whole.files for t in f.tables]
    assert all(t.rows and t.columns for f in whole.files for t in f.tables if t.empty_note is None)
    assert whole.files[0].tables == alone.files[0].tables  # compare=False fields aside, as one process has them
    assert [r.cells for t in whole.files[0].tables for r in t.rows] == [r.cells for t in alone.files[0].tables for r in t.rows]
    assert bare.findings == whole.findings
