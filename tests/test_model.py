"""The model's values as the fast paths make and move them: new_cell/new_row give the same immutable values as
the constructors, and every value survives the pickling a batch uses to send results from its workers."""

from __future__ import annotations

import dataclasses
import pickle
from decimal import Decimal

import pytest

from qidong_audit.audit import AuditOptions, audit_paths, sample_path
from qidong_audit.model import Cell, Finding, Row, Severity, Verdict, new_cell, new_row


def test_new_cell_and_new_row_are_the_constructors_values():
    args = ("支出决算表", "E12", 11, 4, Decimal("2160.66"), "2,160.66", 2, 2, None)
    cell = new_cell(Cell, args)
    assert cell == Cell(*args) and hash(cell) == hash(Cell(*args))
    assert repr(cell) == repr(Cell(*args))
    row = new_row("支出", "行政运行", "行政运行", "2010101", "项", "data", 11, {"合计": cell})
    assert row == Row("支出", "行政运行", "行政运行", "2010101", "项", "data", 11, {"合计": cell})
    assert row.cells == {"合计": cell}
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.key = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        cell.value = Decimal(0)  # type: ignore[misc]


def test_a_whole_report_survives_pickling():
    report = audit_paths([str(sample_path())], AuditOptions(keep_tables=True))
    assert report.findings, "the sample has findings, so Finding, CellRef and Suggestion are all exercised"
    again = pickle.loads(pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == report
    assert [t.rows for f in again.files for t in f.tables] == [t.rows for f in report.files for t in f.tables]
    assert [r.cells for f in again.files for t in f.tables for r in t.rows] == \
        [r.cells for f in report.files for t in f.tables for r in t.rows]  # compare=False: checked apart


def test_a_finding_with_defaults_pickles_by_its_fields():
    f = Finding(rule="X01", severity=Severity.WARNING, verdict=Verdict.INVALID, message="m", file="a.xlsx")
    assert pickle.loads(pickle.dumps(f)) == f
    assert f.__reduce__()[0] is Finding


def test_a_tables_outline_is_the_table_without_rows_and_columns():
    from qidong_audit.model import Column, Table

    row = new_row("支出", "行政运行", "行政运行", "2010101", "项", "data", 7, {})
    table = Table("JS03", "支出决算表", "支出决算表（印）", "表3", "元", True, 4, "A1:J30", (4, 5),
                  (Column("合计", "合计", 4, "E5", "支出"),), (row,), "某局", "功能", "本表无数据", "类|款|项")
    bare = table.outline()
    assert bare == dataclasses.replace(table, rows=(), columns=()) and bare.rows == bare.columns == ()
    assert table.rows == (row,) and len(table.columns) == 1
    assert [getattr(bare, f.name) for f in dataclasses.fields(Table) if f.name not in ("rows", "columns")] == \
        [getattr(table, f.name) for f in dataclasses.fields(Table) if f.name not in ("rows", "columns")]
