"""--annotate: an annotated copy of each audited workbook — error cells red, warning cells yellow, a 批注 on each,
a first sheet 审核结果 linking to every finding's cell — with the original's formats, merges, widths and formulas,
and the input's bytes unchanged."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from fixtures.builders import clean_dataset, set_cell, write_central
from tests.conftest import JS03_MERGES, js03, run_cli, write_xlsx
from tests.formats import to_html

JS03_SHEET, JS07_SHEET = "支出决算表", "一般公共预算财政拨款“三公”经费支出决算表"
RED, YELLOW = "FFC7CE", "FFEB9C"


def _digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def failing(tmp_path) -> Path:
    """A standard workbook with JS03 201 基本支出 (F9) raised by 1.23 and a hidden third decimal in JS07 L8, a
    note sheet with a formula, and a 批注 of the department's own on JS03 F9."""
    ds = clean_dataset(2, state_capital=True)
    path = tmp_path / "部门决算.xlsx"
    write_central(ds, path)
    set_cell(path, JS03_SHEET, "F9", ds.amount("JS03", "201", "基本支出") + Decimal("1.23"))
    set_cell(path, JS07_SHEET, "L8", ds.amount("JS07", "决算数", "公务接待费") + Decimal("0.001"))
    wb = openpyxl.load_workbook(path)
    notes = wb.create_sheet("备注")
    notes["A1"], notes["B1"], notes["B2"] = "核对", 1, "=B1*2"
    wb[JS03_SHEET]["F9"].comment = openpyxl.comments.Comment("财务科：已核", "李四")
    wb.save(path)
    return path


def _findings(runner, path) -> list[dict]:
    return json.loads(run_cli(runner, "check", str(path), "--format", "json").stdout)["findings"]


def test_annotated_copy_marks_exactly_the_finding_cells(failing, tmp_path, runner):
    before = _digest(failing)
    out = tmp_path / "out" / "批注.xlsx"
    result = run_cli(runner, "check", str(failing), "--annotate", str(out))
    assert result.exit_code == 1 and f"批注副本：{out}" in result.stderr
    assert _digest(failing) == before
    findings = _findings(runner, failing)
    marked = {(f["sheet"], f["cell"]): f["severity"] for f in findings if f["severity"] in ("error", "warning")}
    assert (JS03_SHEET, "F9") in marked and marked[(JS07_SHEET, "L8")] == "warning"

    wb = openpyxl.load_workbook(out)
    original = openpyxl.load_workbook(failing)
    assert wb.sheetnames == ["审核结果"] + original.sheetnames
    commented = {(ws.title, c.coordinate) for ws in wb.worksheets[1:] for row in ws.iter_rows() for c in row if c.comment}
    assert commented == set(marked)
    for (sheet, a1), severity in marked.items():
        cell = wb[sheet][a1]
        assert cell.fill.fgColor.rgb.endswith(RED if severity == "error" else YELLOW)
        assert cell.comment.author == "qidong-audit"
    f9 = wb[JS03_SHEET]["F9"].comment.text
    assert f9.startswith("财务科：已核\n\n— qidong-audit —\n[错误] JS03.")  # the department's own note is kept
    assert "应为：" in f9 and "实为：" in f9 and "建议：" in f9
    at_f9 = [f for f in findings if (f["sheet"], f["cell"]) == (JS03_SHEET, "F9")]
    assert at_f9 and all(f"[错误] {f['rule']} " in f9 and f"编号：{f['id']}" in f9 for f in at_f9)
    assert wb[JS03_SHEET]["E20"].comment is None and wb[JS03_SHEET]["E20"].fill.fgColor.rgb in ("00000000", None)

    summary = wb["审核结果"]
    assert summary["A1"].value.startswith("部门决算.xlsx：")
    header = [c.value for c in summary[4]]
    assert header == ["#", "级别", "规则", "工作表", "单元格", "说明", "应为", "实为", "差额", "建议", "状态", "编号"]
    rows = [[c.value for c in row] for row in summary.iter_rows(min_row=5)]
    assert [(r[2], r[3], r[4], r[11]) for r in rows] == [(f["rule"], f["sheet"] or "", f["cell"] or "", f["id"]) for f in findings]
    for n, f in enumerate(findings, 5):
        link = summary.cell(row=n, column=5).hyperlink
        assert link is not None and link.location == f"'{f['sheet']}'!{f['cell']}"


def test_formats_merges_widths_and_formulas_come_through(failing, tmp_path, runner):
    out = tmp_path / "copy.xlsx"
    assert run_cli(runner, "check", str(failing), "--annotate", str(out), "-q").exit_code == 1
    original, copy = openpyxl.load_workbook(failing), openpyxl.load_workbook(out)
    for ws in original.worksheets:
        twin = copy[ws.title]
        assert sorted(map(str, twin.merged_cells.ranges)) == sorted(map(str, ws.merged_cells.ranges))
        assert {k: d.width for k, d in twin.column_dimensions.items()} == {k: d.width for k, d in ws.column_dimensions.items()}
        for row in ws.iter_rows():
            for cell in row:
                other = twin[cell.coordinate]
                assert (other.value, other.number_format, other.font.b, other.border.left.style) == \
                       (cell.value, cell.number_format, cell.font.b, cell.border.left.style), cell.coordinate
    assert copy["备注"]["B2"].value == "=B1*2"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["copy.xlsx", "部门决算.xlsx"])  # no temp files left


def test_refuses_to_write_over_an_input(failing, runner):
    before = _digest(failing)
    result = run_cli(runner, "check", str(failing), "--annotate", str(failing))
    assert result.exit_code == 2 and "拒绝覆盖" in result.stderr
    assert _digest(failing) == before


def test_several_workbooks_go_into_a_folder(tmp_path, runner):
    rows = [[None, None, None, "合计", "100.00", "60.00", "40.00"], ["201", None, None, "一般公共服务支出", "90.00", "60.00", "40.00"]]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = write_xlsx(tmp_path / "a" / "w.xlsx", {"S": js03(rows)}, {"S": JS03_MERGES})
    two = write_xlsx(tmp_path / "b" / "w.xlsx", {"S": js03(rows)}, {"S": JS03_MERGES})
    assert run_cli(runner, "check", str(one), str(two), "--annotate", str(tmp_path / "x.xlsx")).exit_code == 2
    out = tmp_path / "批注"
    result = run_cli(runner, "check", str(one), str(two), "--annotate", str(out), "-q")
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["w.审核-2.xlsx", "w.审核.xlsx"]
    for name in ("w.审核.xlsx", "w.审核-2.xlsx"):
        wb = openpyxl.load_workbook(out / name)
        assert wb.sheetnames == ["审核结果", "S"] and wb["S"]["E9"].comment is not None


def test_only_xlsx_can_be_annotated(failing, tmp_path, runner):
    html = to_html(failing, tmp_path / "网页.xls")
    result = run_cli(runner, "check", str(html), "--annotate", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "只能为 .xlsx/.xlsm 工作簿写批注副本" in result.stderr and "没有写出任何批注副本" in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    result = run_cli(runner, "check", str(html), str(failing), "--annotate", str(tmp_path / "out"))
    assert result.exit_code == 1  # one copy written: the exit code is the audit's
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["部门决算.审核.xlsx"]


def test_waived_cells_are_commented_not_filled_and_english(failing, tmp_path, runner):
    target = next(f for f in _findings(runner, failing) if f["rule"] == "QA.hidden-precision")
    waivers = tmp_path / "w.toml"
    waivers.write_text(f'[[waiver]]\nid = "{target["id"]}"\nreason = "四舍五入前数据"\nby = "王五"\ndate = 2024-05-01\n', encoding="utf-8")
    out = tmp_path / "en.xlsx"
    run_cli(runner, "check", str(failing), "--waivers", str(waivers), "--annotate", str(out), "--lang", "en")
    cell = openpyxl.load_workbook(out)[JS07_SHEET]["L8"]
    assert cell.fill.fgColor.rgb not in ("00" + YELLOW, "FF" + YELLOW)
    assert cell.comment.text.startswith("[waived] QA.hidden-precision Hidden precision")
    assert "waived: 四舍五入前数据 (王五, 2024-05-01)" in cell.comment.text
