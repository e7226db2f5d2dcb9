"""Every file format a department sends: the same clean workbook, re-written, recognises every table
and audits silently; a planted error is still found at its cell; broken files name themselves."""

from __future__ import annotations

import pytest

from fixtures.builders import clean_dataset, write_central
from qidong_audit.audit import audit_paths
from tests import formats
from tests.conftest import run_cli

ALL = [f"JS0{i}" for i in range(1, 10)]


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    path = tmp_path_factory.mktemp("clean") / "clean.xlsx"
    write_central(clean_dataset(4, state_capital=True), path)
    return path


def _audit(path):
    report = audit_paths([str(path)])
    fr = report.files[0]
    errors = [(f.rule, f.sheet, f.cell, f.message) for f in report.findings if f.severity.value != "info"]
    return fr, errors, report


@pytest.mark.parametrize(
    "convert, name, fmt",
    [
        (formats.to_xls, "real.xls", "xls"),
        (formats.to_ods, "book.ods", "ods"),
        (formats.to_html, "html-really.xls", "html"),
        (lambda p, o: formats.to_html(p, o, "gbk"), "gbk-html.xls", "html"),
        (formats.to_spreadsheetml, "xml2003.xls", "spreadsheetml"),
    ],
)
def test_other_formats_audit_silently(clean, tmp_path, convert, name, fmt):
    out = convert(clean, tmp_path / name)
    fr, errors, report = _audit(out)
    assert fr.error is None
    assert sorted(t.table_id for t in fr.tables) == ALL
    assert errors == []
    from qidong_audit.io import read_workbook

    assert read_workbook(out).format == fmt


def test_renamed_xlsx(clean, tmp_path):
    out = tmp_path / "renamed.xls"
    out.write_bytes(clean.read_bytes())
    fr, errors, _ = _audit(out)
    assert sorted(t.table_id for t in fr.tables) == ALL and errors == []


@pytest.mark.parametrize("encoding, delimiter", [("gbk", ","), ("gb18030", "\t"), ("utf-8-sig", ",")])
def test_single_table_csv(clean, tmp_path, encoding, delimiter):
    out = formats.to_csv(clean, "支出决算表", tmp_path / "js03.csv", encoding, delimiter)
    fr, errors, _ = _audit(out)
    assert [t.table_id for t in fr.tables] == ["JS03"] and errors == []


def test_planted_error_found_in_html(clean, tmp_path):
    import openpyxl

    wb = openpyxl.load_workbook(clean)
    ws = wb["支出决算表"]
    ws["F9"] = 123456.78
    planted = tmp_path / "planted.xlsx"
    wb.save(planted)
    out = formats.to_html(planted, tmp_path / "planted.xls", "gbk")
    _, _, report = _audit(out)
    # the HTML holds every table in one grid: the planted value is found at its place in that grid
    hits = [c for f in report.findings if f.severity.value == "error" for c in f.cells if c.value == "123456.78"]
    assert hits and {c.sheet for c in hits} == {"网页表格"}


def test_formula_without_cached_value_is_unknown_not_zero(tmp_path, runner):
    import openpyxl

    from tests.conftest import JS03_MERGES, js03

    wb = openpyxl.Workbook()
    ws = wb.active
    rows = js03([
        [None, None, None, "合计", 100, "=F9+G9", None],
        ["201", None, None, "一般公共服务支出", 100, 100, None],
    ])
    for row in rows:
        ws.append(row)
    for m in JS03_MERGES:
        ws.merge_cells(m)
    ws["E9"] = "=F9+G9"  # also no cached value
    ws["H9"] = "#DIV/0!"
    path = tmp_path / "f.xlsx"
    wb.save(path)
    result = run_cli(runner, "check", str(path), "--format", "json")
    import json

    doc = json.loads(result.stdout)
    unknown = [(f["rule"], f["cell"], f["severity"]) for f in doc["findings"] if f["rule"] == "QA.unknown-value"]
    assert unknown == [("QA.unknown-value", "H9", "error"), ("QA.unknown-value", "F8", "warning"), ("QA.unknown-value", "E9", "warning")]
    # the checks that use them are not assessable, never computed with a zero
    na = [f["message"] for f in doc["findings"] if f["verdict"] == "not-assessable" and f["rule"].startswith("JS03")]
    assert any("F8" in m for m in na) and any("E9" in m for m in na)
    assert not any(f["rule"] == "JS03.row" and f["verdict"] == "inconsistent" for f in doc["findings"])


def test_number_format_hidden_precision(tmp_path, runner):
    import json

    import openpyxl

    from tests.conftest import JS03_MERGES, js03

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in js03([[None, None, None, "合计", 1234.5678, 1234.5678, None], ["201", None, None, "一般公共服务支出", 1234.5678, 1234.5678, None]]):
        ws.append(row)
    for m in JS03_MERGES:
        ws.merge_cells(m)
    for ref in ("E8", "F8", "E9", "F9"):
        ws[ref].number_format = "#,##0.00"
    path = tmp_path / "h.xlsx"
    wb.save(path)
    doc = json.loads(run_cli(runner, "check", str(path), "-f", "json").stdout)
    hp = [(f["cell"], f["severity"]) for f in doc["findings"] if f["rule"] == "QA.hidden-precision"]
    assert hp == [("E8", "warning"), ("F8", "warning"), ("E9", "warning"), ("F9", "warning")]
    assert "只显示 2 位" in next(f["message"] for f in doc["findings"] if f["rule"] == "QA.hidden-precision")


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "0字节"),
        (b"PK\x03\x04garbage", "损坏"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "无法打开"),
        (b"\x00\x01\x02\x03binary", "无法识别"),
    ],
    ids=["empty", "bad-zip", "bad-ole2", "binary"],
)
def test_unreadable_files_exit_2_with_their_name(tmp_path, runner, content, words):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(content)
    result = run_cli(runner, "check", str(bad))
    assert result.exit_code == 2
    err = "".join(result.stderr.split())
    assert "坏文件.xlsx" in err and words in err
    assert bad.read_bytes() == content


def test_shifted_by_blank_rows_and_columns(clean, tmp_path):
    out = formats.rewrite(clean, tmp_path / "shifted.xlsx", offset=(2, 1))
    fr, errors, _ = _audit(out)
    assert sorted(t.table_id for t in fr.tables) == ALL and errors == []


def test_blank_rows_inside_data(clean, tmp_path):
    out = formats.rewrite(clean, tmp_path / "gaps.xlsx", blank_rows_at=2)
    fr, errors, _ = _audit(out)
    assert sorted(t.table_id for t in fr.tables) == ALL and errors == []


def test_tables_in_yuan_beside_tables_in_wanyuan(clean, tmp_path):
    out = formats.rewrite(clean, tmp_path / "yuan.xlsx", yuan=("支出决算表", "收入决算表", "一般公共预算财政拨款“三公”经费支出决算表"))
    fr, errors, report = _audit(out)
    units = {t.table_id: t.unit for t in fr.tables}
    assert (units["JS02"], units["JS03"], units["JS07"], units["JS01"]) == ("元", "元", "元", "万元")
    assert errors == []


def test_cross_table_error_reported_in_each_tables_own_unit(clean, tmp_path):
    import openpyxl

    out = formats.rewrite(clean, tmp_path / "yuan.xlsx", yuan=("支出决算表",))
    wb = openpyxl.load_workbook(out)
    ws = wb["支出决算表"]
    ws["E8"] = ws["E8"].value + 5000  # 合计 本年支出合计 up by 5,000 元 = 0.5 万元
    wb.save(out)
    _, _, report = _audit(out)
    x04 = next(f for f in report.findings if f.rule == "X04")
    # primary table is JS01 (万元): the difference is 0.50 万元
    assert (str(x04.difference), x04.table_id) == ("-0.50", "JS01")
    row = next(f for f in report.findings if f.rule == "JS03.row")
    assert str(row.difference) == "5000"  # 元 table with whole amounts and no number format: whole 元


def test_table_continued_on_a_second_page(clean, tmp_path):
    out = formats.rewrite(clean, tmp_path / "cont.xlsx", continue_sheet="支出决算表")
    fr, errors, _ = _audit(out)
    js03 = [t for t in fr.tables if t.table_id == "JS03"]
    assert len(js03) == 1 and errors == []


def test_password_protected_workbook_is_named_and_skipped(clean, tmp_path, runner):
    import io

    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with open(clean, "rb") as src:
        OOXMLFile(src).encrypt("secret", out)
    locked = tmp_path / "加密.xlsx"
    locked.write_bytes(out.getvalue())
    result = run_cli(runner, "check", str(locked), str(clean))
    assert result.exit_code == 2
    err = "".join(result.stderr.split())
    assert "加密.xlsx" in err and "已加密" in err
    assert "clean.xlsx" in result.stdout  # the other file was still audited


def test_three_public_with_meeting_and_training_columns(tmp_path, runner):
    import json

    from tests.conftest import write_xlsx

    rows = [
        ["“三公”经费及会议费、培训费支出决算表"],
        ["单位：万元"],
        ["预算数", None, None, None, None, None, None, None, "决算数"],
        ["合计", "因公出国（境）费", "公务用车购置及运行维护费", None, None, "公务接待费", "会议费", "培训费",
         "合计", "因公出国（境）费", "公务用车购置及运行维护费", None, None, "公务接待费", "会议费", "培训费"],
        [None, None, "小计", "公务用车购置费", "公务用车运行维护费", None, None, None, None, None, "小计", "公务用车购置费", "公务用车运行维护费"],
        ["3.00", None, "2.00", None, "2.00", "1.00", "4.00", "5.00", "2.50", None, "1.60", None, "1.60", "0.90", "3.10", "4.20"],
    ]
    merges = ["A3:H3", "I3:P3", "C4:E4", "K4:M4"] + [f"{c}4:{c}5" for c in "ABFGHIJNOP"]
    path = write_xlsx(tmp_path / "sg.xlsx", {"S": rows}, {"S": merges})
    doc = json.loads(run_cli(runner, "inspect", str(path), "-f", "json").stdout)
    keys = [c["key"] for c in doc["files"][0]["tables"][0]["columns"]]
    assert keys == [f"{s}/{k}" for s in ("预算数", "决算数") for k in (
        "合计", "因公出国(境)费", "公务用车购置及运行维护费", "公务用车购置费", "公务用车运行维护费", "公务接待费", "会议费", "培训费")]
    result = run_cli(runner, "check", str(path))
    assert result.exit_code == 0


def test_hidden_sheet_and_hidden_row_are_flagged(clean, tmp_path):
    import openpyxl

    wb = openpyxl.load_workbook(clean)
    wb["支出决算表"].row_dimensions[9].hidden = True
    wb["收入决算表"].sheet_state = "hidden"
    out = tmp_path / "hidden.xlsx"
    wb.save(out)
    _, _, report = _audit(out)
    found = {(f.rule, f.sheet, f.cell) for f in report.findings}
    assert ("QA.hidden-row", "支出决算表", "E9") in found
    assert ("QA.hidden-sheet", "收入决算表", "A1") in found
    assert not [f for f in report.findings if f.severity.value == "error"]
