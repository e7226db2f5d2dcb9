"""Row names and headers remembered between tables and files of one form (recognise/layout.py `_RowNames`,
`_header`) are what would be worked out afresh: every code style, both layouts, with planted labels, in any order
of files."""

from __future__ import annotations

import pytest

from fixtures.builders import CODE_STYLES, clean_dataset, write_central, write_shanghai
from qidong_audit.io import read_workbook
from qidong_audit.recognise import layout, recognise
from tests.conftest import JS03_MERGES, js03, write_xlsx


def _rows(path) -> list[tuple]:
    rec = recognise(read_workbook(path))
    return [(t.table_id, r.panel, r.key, r.label, r.code, r.level, r.kind, r.row, tuple(r.cells))
            for t in rec.tables for r in t.rows]


@pytest.fixture()
def workbooks(tmp_path):
    out = []
    for i, style in enumerate(CODE_STYLES):
        for writer in (write_central, write_shanghai):
            path = tmp_path / f"{writer.__name__}-{style}.xlsx"
            writer(clean_dataset(i, department=f"第{i}局", state_capital=i % 2 == 0), path, code_style=style,
                   total_first=bool(i % 2))
            out.append(path)
    return out


def test_remembered_names_are_the_names_worked_out(workbooks):
    fresh = {}
    for path in workbooks:  # each worked out with nothing remembered
        layout._NAMES.clear()
        fresh[path] = _rows(path)
    layout._NAMES.clear()
    for path in workbooks + workbooks[::-1]:  # then one after another, each from what the others left
        assert _rows(path) == fresh[path], path.name
    assert any(layout._NAMES.values()), "text-only rows were remembered"


def test_numbers_in_naming_cells_are_never_remembered(workbooks):
    layout._NAMES.clear()
    numeric = next(p for p in workbooks if "split_numeric" in p.name)
    _rows(numeric)
    for _spec, _tables, _codes, known in layout._NAMES.values():
        for (_form, texts, _lei, _kuan) in known:
            assert all(t is None or isinstance(t, str) for t in texts)


def test_a_code_printed_once_per_group_names_each_row_under_its_own_class(tmp_path):
    """类 and 款 printed only on a group's first row: "01 01 行政运行" reads the same under 201 and 208, and each
    must keep its own class."""
    rows = [
        ["201", None, None, "一般公共服务支出", "3.00", "3.00", None, None, None, None],
        [None, "01", None, "人大事务", "3.00", "3.00", None, None, None, None],
        [None, None, "01", "行政运行", "3.00", "3.00", None, None, None, None],
        ["208", None, None, "社会保障和就业支出", "5.00", "5.00", None, None, None, None],
        [None, "01", None, "人力资源和社会保障管理事务", "5.00", "5.00", None, None, None, None],
        [None, None, "01", "行政运行", "5.00", "5.00", None, None, None, None],
        [None, None, None, "合计", "8.00", "8.00", None, None, None, None],
    ]
    path = write_xlsx(tmp_path / "c.xlsx", {"支出": js03(rows)}, {"支出": JS03_MERGES})
    _codes_as_text(path, "支出", len(rows))
    layout._NAMES.clear()
    first = _rows(path)
    again = _rows(path)  # now from what the first read remembered
    assert first == again
    assert [(r[4], r[3]) for r in first if r[4]] == [  # (code, label)
        ("201", "一般公共服务支出"), ("20101", "人大事务"), ("2010101", "行政运行"),
        ("208", "社会保障和就业支出"), ("20801", "人力资源和社会保障管理事务"), ("2080101", "行政运行"),
    ]


def _codes_as_text(path, sheet: str, count: int) -> None:
    """Write the 类/款/项 cells as text, as most templates print them (write_xlsx makes "201" a number, and a
    number in a naming cell is never remembered)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    for row in ws.iter_rows(min_row=8, max_row=7 + count, max_col=3):
        for cell in row:
            if cell.value is not None:
                cell.value = f"{int(cell.value):0{3 if cell.column == 1 else 2}d}"
    wb.save(path)


# ── Headers (recognise/layout.py `_header`) ──────────────────────────────────────────────────────────────────────


def _columns(path) -> list[tuple]:
    """Every column of every table's layout: its place, header path as printed, role, panel and key."""
    from qidong_audit.recognise.blocks import find_blocks
    from qidong_audit.recognise.grid import lines_of
    from qidong_audit.recognise.spec import all_tables

    tables = all_tables()
    out = []
    for sheet in read_workbook(path).sheets:
        for block in find_blocks(sheet, tables, lines_of(sheet.rows)):
            found = layout.analyse(block, block.spec, tables.own(block.spec))
            out += [(block.spec.table_id, c.col, c.path, c.printed, c.role, c.panel, c.key) for c in found.columns]
            out.append(tuple(found.panel_names))
    return out


def test_remembered_headers_are_the_headers_worked_out(workbooks, tmp_path):
    """By the header's cells as read and the merges over them: the same texts merged otherwise read otherwise."""
    rows = [["201", None, None, "一般公共服务支出", "3.00", "3.00", None, None, None, None]]
    merged = write_xlsx(tmp_path / "merged.xlsx", {"支出": js03(rows)}, {"支出": JS03_MERGES})
    unmerged = write_xlsx(tmp_path / "unmerged.xlsx", {"支出": js03(rows)}, {"支出": []})
    files = workbooks + [merged, unmerged]
    fresh = {}
    for path in files:
        layout._HEADERS.clear()
        fresh[path] = _columns(path)
    assert fresh[merged] != fresh[unmerged]  # "项目/科目名称" against "科目名称"
    layout._HEADERS.clear()
    for path in files + files[::-1]:
        assert _columns(path) == fresh[path], path.name
    keys = [k for _spec, _tables, known in layout._HEADERS.values() for k in known if k[0] == "cells"]
    assert keys, "headers were remembered by their cells"


def test_a_header_with_a_number_in_it_is_read_afresh(tmp_path):
    head = js03([["201", None, None, "一般公共服务支出", "3.00", "3.00", None, None, None, None]])
    head[4] = head[4] + [2021]  # a number among the header's words: 2021 == 2021.0, which print differently
    path = write_xlsx(tmp_path / "n.xlsx", {"支出": head}, {"支出": JS03_MERGES})
    layout._HEADERS.clear()
    first = _columns(path)
    assert first == _columns(path)
    for _spec, _tables, known in layout._HEADERS.values():
        for key in known:
            assert key[0] != "cells" or all(v is None or isinstance(v, str) for line in key[3] for v in line)


# ── A table body's common row, recognised at one look ────────────────────────────────────────────────────────

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_WORDS = ["行政运行", "合计", "注：本表", "说明", "栏次", "行次", " 栏次 ", "1", "2010101", "", "  ", "本表无数据",
          "一般公共服务支出", "（续）", "支出决算表", "单位：万元", "项目"]
_VALUES = st.one_of(st.none(), st.sampled_from(_WORDS), st.text(max_size=6), st.floats(allow_nan=True),
                    st.integers(-5, 5), st.booleans())


@settings(max_examples=400, deadline=None)
@given(row=st.lists(_VALUES, min_size=1, max_size=6))
def test_a_row_plainly_data_is_neither_a_note_nor_a_repeat(row):
    from qidong_audit.recognise.grid import lines_of
    from qidong_audit.recognise.spec import all_tables

    tables = all_tables()
    line = lines_of([row])[0]
    if not line.values or not layout._plainly_data(line):
        return
    spec = tables.by_id("JS03")
    assert layout._is_note_row(line) is None
    assert not layout._is_repeat(line, {"项目", "合计", "栏次"}, spec, tables)
