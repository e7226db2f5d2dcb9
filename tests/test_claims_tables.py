"""A report's figures against its workbook's recognised tables (`report --tables`), on the bundled sample."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from fixtures.builders import set_cell
from qidong_audit.audit import sample_path
from qidong_audit.claims import audit_report

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "reports" / "祁东县行政审批服务局2021年度部门整体支出绩效评价报告.txt"


def report(tmp_path: Path, text: str, workbook: Path | None = None):
    path = tmp_path / "说明.txt"
    path.write_text(text, encoding="utf-8")
    return audit_report(str(path), str(workbook or sample_path()))


def table_findings(result) -> list[tuple]:
    return [(f.rule, f.severity.value, f.verdict.value, f.line, [(c.sheet, c.cell, c.value, c.role) for c in f.cells])
            for f in result.findings if f.rule in ("TXT.table", "TXT.unit")]


def test_the_seed_report_agrees_with_the_sample_tables():
    result = audit_report(str(SEED), str(sample_path()))
    assert [fr.error for fr in result.files] == [None, None]
    assert len(result.files[1].tables) == 9
    assert table_findings(result) == []
    # and the text's own inconsistencies are still there
    assert [(f.rule, f.line) for f in result.findings if f.severity.value == "error"] == [("TXT.sum", 46), ("TXT.share", 48)]


def test_every_item_kind_is_compared_with_its_cell(tmp_path):
    text = "\n".join([
        "2021年度收入总计947.59万元，其中：财政拨款收入947.59万元。",          # JS01 C37, JS04 C34
        "2021年度基本支出941.12万元，项目支出7.46万元。",                     # JS03 F8 / JS05 F21
        "一般公共服务（类）支出805.75万元。",                                 # the 类 by name: JS04 F7 …
        "城乡社区支出(类)国有土地使用权出让收入安排的支出(款)其他国有土地使用权出让收入安排的支出(项)7.64万元。",
        "工资福利支出519.44万元，商品和服务支出420.86万元。",                 # JS06 by economic code
        "“三公”经费支出决算为0.78万元，公务接待费支出0.87万元。",            # JS07 决算数
    ])
    result = report(tmp_path, text)
    got = [(f.line, f.cells[0].value, (f.cells[1].sheet, f.cells[1].cell, f.cells[1].value)) for f in result.findings]
    assert got == [
        (2, "941.12", ("支出决算表", "F8", "940.12")),
        (3, "805.75", ("收入支出决算总表", "F7", "805.57")),
        (4, "7.64", ("支出决算表", "E17", "7.46")),
        (5, "420.86", ("一般公共预算财政拨款基本支出决算表", "F6", "420.68")),
        (6, "0.78", ("一般公共预算财政拨款“三公”经费支出决算表", "G8", "0.87")),
    ]
    first = result.findings[0]
    assert (first.rule, first.severity.value, first.expected, first.actual, first.difference) == (
        "TXT.table", "error", Decimal("940.12"), Decimal("941.12"), Decimal("1.00"))
    assert first.sheet is None and first.cell is None and first.excerpt == "2021年度基本支出941.12万元，项目支出7.46万元。"
    assert "支出决算表!F8 为 940.12万元" in first.message


def test_a_figure_within_rounding_of_its_cell_is_info(tmp_path):
    # a report that writes 0.01 万元 elsewhere means 7.50 by "7.5": that is not 7.46
    (f,) = report(tmp_path, "2021年度基本支出940.12万元，项目支出7.5万元。").findings
    assert (f.rule, f.severity.value, f.verdict.value) == ("TXT.table", "error", "inconsistent")
    # a report that writes 0.1 万元 throughout means 7.45…7.55 by it, which holds 7.46
    (f,) = report(tmp_path, "2021年度项目支出7.5万元。").findings
    assert (f.rule, f.severity.value, f.verdict.value) == ("TXT.table", "info", "rounding")
    (f,) = report(tmp_path, "2021年度项目支出7.455万元。").findings
    assert (f.rule, f.severity.value, f.verdict.value) == ("TXT.table", "info", "rounding")


def test_fiscal_sentences_prefer_the_fiscal_tables(tmp_path):
    (f,) = report(tmp_path, "2021年度财政拨款支出中，基本支出941.12万元。").findings
    assert f.cells[1].sheet == "一般公共预算财政拨款支出决算表" and f.cells[1].cell == "F21"


def test_unit_slip_against_the_table(tmp_path):
    (f,) = report(tmp_path, "2021年度公务接待费支出0.87元。").findings
    assert (f.rule, f.severity.value) == ("TXT.unit", "error")
    assert [(c.sheet, c.cell, c.value) for c in f.cells][1] == ("一般公共预算财政拨款“三公”经费支出决算表", "L8", "0.87")


def test_a_share_whose_base_only_the_tables_give(tmp_path):
    assert report(tmp_path, "项目支出7.46万元，占财政拨款支出总额的0.79%。").findings == ()
    (f,) = report(tmp_path, "项目支出7.46万元，占财政拨款支出总额的1.79%。").findings
    assert (f.rule, f.expected) == ("TXT.share", Decimal("0.79"))
    assert ("财政拨款收入支出决算总表", "F34", "947.59", "base") in [(c.sheet, c.cell, c.value, c.role) for c in f.cells]


def test_completion_of_sangong_against_the_tables_budget(tmp_path):
    workbook = tmp_path / "wb.xlsx"
    shutil.copy(sample_path(), workbook)
    set_cell(workbook, "一般公共预算财政拨款“三公”经费支出决算表", "A8", Decimal("1.00"))
    set_cell(workbook, "一般公共预算财政拨款“三公”经费支出决算表", "F8", Decimal("1.00"))
    (f,) = report(tmp_path, "2021年度“三公”经费完成预算的100%。", workbook).findings
    assert (f.rule, f.severity.value, f.expected) == ("TXT.completion", "warning", Decimal("87.00"))
    assert report(tmp_path, "2021年度“三公”经费完成预算的87%。", workbook).findings == ()


@pytest.mark.parametrize("name, data", [("坏.xlsx", b"not a workbook"), ("空.xlsx", None)])
def test_an_unreadable_workbook_is_a_file_error_and_the_text_is_still_checked(tmp_path, name, data):
    wb = tmp_path / name
    if data is not None:
        wb.write_bytes(data)
    result = report(tmp_path, "支出总计10.00万元，其中基本支出5.00万元，项目支出4.00万元。", wb)
    assert result.files[0].error is None and result.files[1].error
    assert [f.rule for f in result.findings] == ["TXT.sum"]
