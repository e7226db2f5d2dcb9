"""Tests of the fixture builders themselves: generated datasets balance exactly, and the writers put what the
dataset holds where they say they did. Read back with openpyxl only — qidong_audit is what these fixtures test."""
from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `fixtures` lives at the repository root

from fixtures import builders as b  # noqa: E402
from fixtures import make_sample  # noqa: E402

SEEDS = range(8)
OPTIONS = [{}, {"non_fiscal": False}, {"government_fund": False, "state_capital": True},
           {"government_fund": False, "non_fiscal": False}]
FUNDS = b.FUNDS
GP, GF, SC = FUNDS


def z(value) -> Decimal:
    """A blank counts as zero."""
    return Decimal(0) if value is None else value


def total(values) -> Decimal:
    return sum((z(v) for v in values), Decimal(0))


def read(value):
    """A cell value as the Decimal it stands for (openpyxl returns floats and ints)."""
    return None if value is None else Decimal(str(value))


# ---------------------------------------------------------------------------------------------------------------
# Datasets: every identity of domain.md §1 and X1–X11, and the inequalities Y1–Y3, Y5
# ---------------------------------------------------------------------------------------------------------------

def coded_rows(table: b.CodedTable):
    yield "合计", table.total
    for row in table.rows:
        yield row.code, row.values


def tree_identities(name: str, table: b.CodedTable, columns):
    """类 = Σ 款, 款 = Σ 项, 合计 = Σ 类, for every amount column."""
    rows = {row.code: row.values for row in table.rows}
    for code, values in rows.items():
        children = [c for c in rows if len(c) == len(code) + 2 and c.startswith(code)]
        for column in columns if children else ():
            yield f"{name} {code} {column} = Σ children", z(values[column]), total(rows[c][column] for c in children)
    for column in columns:
        yield f"{name} 合计 {column} = Σ 类", z(table.total[column]), \
            total(v[column] for c, v in rows.items() if len(c) == 3)


def identities(ds: b.Dataset):
    """(name, left, right) for each equation that must hold exactly."""
    t1, t2, t3, t4, t5, t6, t7, t8, t9 = (ds.js01, ds.js02, ds.js03, ds.js04, ds.js05, ds.js06, ds.js07,
                                          ds.js08, ds.js09)

    def i1(key):
        return z(t1.income[key])

    def e1(key):
        return z(t1.expense_totals[key]["支出"])

    # JS01 (§1.2)
    yield "T1 本年收入合计", i1("本年收入合计"), total(t1.income[k] for k in b.INCOME_LINES)
    yield "T1 本年支出合计", e1("本年支出合计"), total(v["支出"] for v in t1.expense.values())
    yield "T1 收入总计", i1("总计"), i1("本年收入合计") + i1("使用非财政拨款结余") + i1("年初结转和结余")
    yield "T1 支出总计", e1("总计"), e1("本年支出合计") + e1("结余分配") + e1("年末结转和结余")
    yield "T1 收入总计 = 支出总计", i1("总计"), e1("总计")

    # JS02, JS03, JS05, JS08, JS09: row sums and the code tree (§1.3, §1.4, §1.6, §1.9)
    row_sums = [("T2", t2, "本年收入合计", b.JS02_COLUMNS[1:]), ("T3", t3, "本年支出合计", b.JS03_COLUMNS[1:]),
                ("T5", t5, "合计", ("基本支出", "项目支出")),
                ("T8", t8, "本年支出/小计", ("本年支出/基本支出", "本年支出/项目支出")),
                ("T9", t9, "本年支出/小计", ("本年支出/基本支出", "本年支出/项目支出"))]
    for name, table, whole, parts in row_sums:
        for code, values in coded_rows(table):
            yield f"{name} {code} row", z(values[whole]), total(values[p] for p in parts)
        yield from tree_identities(name, table, table.columns)
    for name, table in (("T8", t8), ("T9", t9)):
        for code, v in coded_rows(table):
            yield f"{name} {code} 年初+收入-支出=年末", \
                z(v["年初结转和结余"]) + z(v["本年收入"]) - z(v["本年支出/小计"]), z(v["年末结转和结余"])

    # JS04 (§1.5)
    def i4(key):
        return z(t4.income[key])

    def e4(key, column):
        return z(t4.expense_totals[key][column])

    for key, values in {**t4.expense, **t4.expense_totals}.items():
        yield f"T4 {key} 合计 = Σ funds", z(values["合计"]), total(values[f] for f in FUNDS)
    yield "T4 本年收入合计", i4("本年收入合计"), total(t4.income[f] for f in FUNDS)
    yield "T4 年初 = Σ sub-rows", i4(b.JS04_OPENING), total(t4.income[f"{b.JS04_OPENING}/{f}"] for f in FUNDS)
    yield "T4 收入总计", i4("总计"), i4("本年收入合计") + i4(b.JS04_OPENING)
    for column in b.JS04_COLUMNS:
        yield f"T4 本年支出合计 {column}", e4("本年支出合计", column), total(v[column] for v in t4.expense.values())
        yield f"T4 支出总计 {column}", e4("总计", column), e4("本年支出合计", column) + e4("年末财政拨款结转和结余", column)
    yield "T4 收入总计 = 支出总计", i4("总计"), e4("总计", "合计")
    for fund in FUNDS:
        yield f"T4 {fund} balance", i4(fund) + i4(f"{b.JS04_OPENING}/{fund}"), \
            e4("本年支出合计", fund) + e4("年末财政拨款结转和结余", fund)

    # JS06 (§1.7)
    items = t6.items
    for cls in {c[:3] for c in items}:
        yield f"T6 {cls} = Σ 款", z(items.get(cls)), total(v for c, v in items.items() if len(c) == 5 and c[:3] == cls)
    yield "T6 人员经费合计", z(t6.personnel_total), z(items.get("301")) + z(items.get("303"))
    yield "T6 公用经费合计", z(t6.public_total), z(items.get("302")) + z(items.get("310"))

    # JS07 (§1.8)
    for kind, v in ((b.BUDGET, t7.budget), (b.ACTUAL, t7.actual)):
        yield f"T7 {kind} 合计", z(v["合计"]), z(v["因公出国（境）费"]) + z(v["小计"]) + z(v["公务接待费"])
        yield f"T7 {kind} 小计", z(v["小计"]), z(v["公务用车购置费"]) + z(v["公务用车运行维护费"])

    # Between tables (§3.1)
    t3_rows = dict(coded_rows(t3))
    yield "X1", i1("本年收入合计"), z(t2.total["本年收入合计"])
    yield "X2 T2", total(t1.income[k] for k in b.INCOME_LINES[:3]), z(t2.total["财政拨款收入"])
    yield "X2 T4", total(t1.income[k] for k in b.INCOME_LINES[:3]), i4("本年收入合计")
    for line, column in zip(b.INCOME_LINES[3:], ("上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入")):
        yield f"X3 {line}", i1(line), z(t2.total[column])
    yield "X4", e1("本年支出合计"), z(t3.total["本年支出合计"])
    assert set(t1.expense) == {c for c in t3_rows if len(c) == 3}
    for cls, values in t1.expense.items():
        yield f"X5 {cls}", z(values["支出"]), z(t3_rows[cls]["本年支出合计"])
    yield "X6", i1(b.INCOME_LINES[0]), i4(GP)
    t5_rows = dict(coded_rows(t5))
    for cls in {*t4.expense, *(c for c in t5_rows if len(c) == 3)}:
        yield f"X7 {cls}", z(t4.expense.get(cls, {}).get(GP)), z(t5_rows.get(cls, {}).get("合计"))
    yield "X7 合计", e4("本年支出合计", GP), z(t5.total["合计"])
    for x, fund, table in (("X8", GF, t8), ("X9", SC, t9)):
        rows = dict(coded_rows(table))
        for cls in {*t4.expense, *(c for c in rows if len(c) == 3)}:
            yield f"{x} {cls}", z(t4.expense.get(cls, {}).get(fund)), z(rows.get(cls, {}).get("本年支出/小计"))
        yield f"{x} 本年支出", e4("本年支出合计", fund), z(table.total["本年支出/小计"])
        yield f"{x} 本年收入", i4(fund), z(table.total["本年收入"])
        yield f"{x} 年初", i4(f"{b.JS04_OPENING}/{fund}"), z(table.total["年初结转和结余"])
        yield f"{x} 年末", e4("年末财政拨款结转和结余", fund), z(table.total["年末结转和结余"])
    yield "X10", e4("本年支出合计", "合计"), \
        z(t5.total["合计"]) + z(t8.total["本年支出/小计"]) + z(t9.total["本年支出/小计"])
    yield "X11", z(t5.total["基本支出"]), z(t6.personnel_total) + z(t6.public_total)


def inequalities(ds: b.Dataset):
    """(name, part, whole) for each "part ≤ whole" of §3.2."""
    t3_rows = dict(coded_rows(ds.js03))
    for code, values in coded_rows(ds.js05):
        for t5_column, t3_column in (("合计", "本年支出合计"), ("基本支出", "基本支出"), ("项目支出", "项目支出")):
            yield f"Y1 {code} {t5_column}", z(values[t5_column]), z(t3_rows[code][t3_column])
    yield "Y2 年初", z(ds.js04.income[b.JS04_OPENING]), z(ds.js01.income["年初结转和结余"])
    yield "Y2 年末", z(ds.js04.expense_totals["年末财政拨款结转和结余"]["合计"]), \
        z(ds.js01.expense_totals["年末结转和结余"]["支出"])
    for code, item in (("30212", "因公出国（境）费"), ("30217", "公务接待费"), ("30231", "公务用车运行维护费"),
                       ("31013", "公务用车购置费")):
        yield f"Y3 {code}", z(ds.js06.items.get(code)), z(ds.js07.actual[item])


@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("seed", SEEDS)
def test_clean_dataset_balances_exactly(seed, options):
    ds = b.clean_dataset(seed, **options)
    broken = [(name, left, right) for name, left, right in identities(ds) if left != right]
    assert broken == []
    violated = [(name, part, whole) for name, part, whole in inequalities(ds) if part > whole]
    assert violated == []


@pytest.mark.parametrize("seed", SEEDS)
def test_clean_dataset_is_realistic(seed):
    ds = b.clean_dataset(seed)
    amounts = [v for _, values in coded_rows(ds.js03) for v in values.values() if v is not None]
    assert all(v.as_tuple().exponent == -2 and v > 0 for v in amounts)
    assert {"2010601", "2080505", "2101101", "2210201", "2120899"} <= {r.code for r in ds.js03.rows}
    assert {r.code for r in ds.js08.rows} == {"212", "21208", "2120899"}
    assert ds.js09.empty
    assert z(ds.js02.total["事业收入"]) > 0 and z(ds.js02.total["其他收入"]) > 0
    assert z(ds.js01.income["年初结转和结余"]) > 0
    # Non-fiscal spending makes JS03 exceed JS05: Y1 is strict somewhere.
    assert any(part < whole for name, part, whole in inequalities(ds) if name.startswith("Y1"))


def test_clean_dataset_options_fill_the_fund_tables():
    assert b.clean_dataset(1, government_fund=False).js08.empty
    with_capital = b.clean_dataset(1, state_capital=True)
    assert {r.code for r in with_capital.js09.rows} == {"223", "22301", "2230199"}
    assert with_capital.js04.expense["223"][SC] == with_capital.js09.total["本年支出/小计"]
    plain = b.clean_dataset(1, non_fiscal=False)
    assert plain.js02.total["事业收入"] is None and plain.js01.income["使用非财政拨款结余"] is None


def test_clean_dataset_is_deterministic():
    assert b.clean_dataset(3) == b.clean_dataset(3)
    assert b.clean_dataset(3) != b.clean_dataset(4)


@pytest.mark.parametrize("seed", SEEDS)
def test_clean_series_carries_over(seed):
    """Y5: each year's 年初 is the previous year's 年末, in JS01, per fund in JS04, per row in JS08."""
    years = b.clean_series(seed, [2020, 2021, 2022])
    for before, after in zip(years, years[1:]):
        assert after.js01.income["年初结转和结余"] == before.js01.expense_totals["年末结转和结余"]["支出"]
        for fund in FUNDS:
            assert after.js04.income[f"{b.JS04_OPENING}/{fund}"] == \
                before.js04.expense_totals["年末财政拨款结转和结余"][fund]
        closing = {code: v["年末结转和结余"] for code, v in coded_rows(before.js08)}
        assert {code: v["年初结转和结余"] for code, v in coded_rows(after.js08)} == closing
    for ds in years:
        assert [(n, l, r) for n, l, r in identities(ds) if l != r] == []


# ---------------------------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------------------------

WRITERS = {"central": b.write_central, "shanghai": b.write_shanghai}
VARIANTS = [{}, {"code_style": "split_numeric"}, {"code_style": "single"}, {"code_style": "spaced"},
            {"amounts_as_text": True}, {"sheet_names": "numbered"}, {"sheet_names": "shuffled", "seed": 5},
            {"total_first": True}, {"total_first": False}, {"omit": {"JS09"}}, {"stacked": True},
            {"stacked": True, "sheet_names": "shuffled"}, {"title_year": True}]


@pytest.fixture(scope="module")
def dataset() -> b.Dataset:
    return b.clean_dataset(2, state_capital=True)


def merged_value(ws, row: int, col: int):
    """The value shown at (row, col): a merged range shows its top-left cell's value."""
    for cells in ws.merged_cells.ranges:
        if cells.min_row <= row <= cells.max_row and cells.min_col <= col <= cells.max_col:
            return ws.cell(cells.min_row, cells.min_col).value
    return ws.cell(row, col).value


@pytest.mark.parametrize("variant", VARIANTS, ids=str)
@pytest.mark.parametrize("layout", WRITERS)
def test_every_amount_cell_holds_the_dataset_value(tmp_path, dataset, layout, variant):
    written = WRITERS[layout](dataset, tmp_path / "t.xlsx", **variant)
    wb = load_workbook(written.path)
    for (table_id, row_key, column_key), (sheet, a1) in written.cells.items():
        cell = wb[sheet][a1]
        expected = dataset.amount(table_id, row_key, column_key)
        if variant.get("amounts_as_text"):
            assert cell.value == (None if expected is None else f"{expected:,.2f}"), (table_id, row_key, column_key)
        else:
            assert read(cell.value) == expected, (table_id, row_key, column_key)
            assert cell.number_format == "#,##0.00"
    omitted = variant.get("omit", set())
    assert set(written.tables) == set(b.TABLE_IDS) - omitted
    for table_id, (sheet, cells) in written.tables.items():
        first = cells.split(":")[0]
        assert wb[sheet][first].value.endswith(b.CENTRAL_TITLES[table_id] if layout == "central"
                                               else b.SHANGHAI_TITLES[table_id])
    # Every row of every coded table got its cells, 合计 included.
    for table_id in {"JS02", "JS03", "JS05", "JS08", "JS09"} - omitted:
        table = getattr(dataset, table_id.lower())
        keys = {(row, col) for t, row, col in written.cells if t == table_id}
        assert keys == (set() if table.empty else
                        {(code, col) for code, _ in coded_rows(table) for col in table.columns})


def test_writing_is_byte_for_byte_reproducible(tmp_path, dataset):
    b.write_central(dataset, tmp_path / "a.xlsx")
    b.write_central(dataset, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


# The central layout, cell by cell: header rows of each table, and where its 栏次 row and data start.
CENTRAL_HEADER_ROWS = {"JS01": (4, 5), "JS02": (4, 5, 6), "JS03": (4, 5, 6), "JS04": (4, 5), "JS05": (4, 5, 6),
                       "JS06": (4, 5), "JS07": (4, 5, 6), "JS08": (4, 5, 6), "JS09": (4, 5, 6)}


def test_central_frame(tmp_path, dataset):
    written = b.write_central(dataset, tmp_path / "c.xlsx")
    wb = load_workbook(written.path)
    assert wb.sheetnames == [b.CENTRAL_TITLES[t] for t in b.TABLE_IDS]
    for number, table_id in enumerate(b.TABLE_IDS, 1):
        ws = wb[b.CENTRAL_TITLES[table_id]]
        last = ws.max_column
        assert ws["A1"].value == b.CENTRAL_TITLES[table_id]
        assert f"A1:{get_column_letter(last)}1" in {str(r) for r in ws.merged_cells.ranges}
        assert ws.cell(2, last).value == f"公开0{number}表"
        assert ws["A3"].value == f"部门：{dataset.department}"
        assert ws.cell(3, last).value == "金额单位：万元"
        assert written.tables[table_id] == (ws.title, f"A1:{get_column_letter(last)}{ws.max_row}")


def test_central_cells_sit_under_their_header_and_beside_their_label(tmp_path, dataset):
    """Each amount cell's header path names its column key; each coded row's code and name cells name its row."""
    written = b.write_central(dataset, tmp_path / "c.xlsx")
    wb = load_workbook(written.path)
    for (table_id, row_key, column_key), (sheet, a1) in written.cells.items():
        ws = wb[sheet]
        cell = ws[a1]
        path = [merged_value(ws, r, cell.column) for r in CENTRAL_HEADER_ROWS[table_id]]
        assert set(column_key.split("/")) <= set(path), (table_id, row_key, column_key, path)
        if table_id == "JS07":
            assert row_key in path
        if table_id in ("JS02", "JS03", "JS05", "JS08", "JS09"):
            code = "".join(ws.cell(cell.row, c).value or "" for c in (1, 2, 3))
            name = ws.cell(cell.row, 4).value
            assert (code, name) == (("合计", None) if row_key == "合计" else
                                    (row_key, b.FUNCTION_NAMES[row_key])), (table_id, row_key)


def test_central_headers(tmp_path, dataset):
    wb = load_workbook(b.write_central(dataset, tmp_path / "c.xlsx").path)
    js01 = wb["收入支出决算总表"]
    assert [js01.cell(5, c).value for c in range(1, 7)] == ["项目", "行次", "金额", "项目", "行次", "金额"]
    assert [js01.cell(6, c).value for c in range(1, 7)] == ["栏次", None, 1, "栏次", None, 2]
    assert (js01["A4"].value, js01["D4"].value) == ("收入", "支出")
    assert (js01["A7"].value, js01["B7"].value) == ("一、一般公共预算财政拨款收入", 1)
    assert (js01["D7"].value, js01["D33"].value) == ("一、一般公共服务支出", "二十七、抗疫特别国债安排的支出")
    assert [js01.cell(r, 1).value for r in range(34, 38)] == list(b.JS01_INCOME_TOTALS)
    assert [js01.cell(r, 4).value for r in range(34, 38)] == list(b.JS01_EXPENSE_TOTALS)
    assert js01["A38"].value.startswith("注：")

    js03 = wb["支出决算表"]
    assert [js03.cell(4, c).value for c in range(1, 11)] == [
        "项目", None, None, None, *b.JS03_COLUMNS]
    assert (js03["A5"].value, js03["D5"].value) == ("科目编码", "科目名称")
    assert [js03.cell(6, c).value for c in range(1, 4)] == ["类", "款", "项"]
    assert {"A4:D4", "A5:C5", "D5:D6", "E4:E6", "A7:D7", "A8:D8"} <= {str(r) for r in js03.merged_cells.ranges}
    assert [js03.cell(7, c).value for c in range(1, 11)] == ["栏次", None, None, None, 1, 2, 3, 4, 5, 6]
    assert js03["A8"].value == "合计"  # 合计 first in JS02/JS03 …
    js05 = wb["一般公共预算财政拨款支出决算表"]
    assert js05.cell(js05.max_row - 1, 1).value == "合计"  # … and last in JS05, above the note

    js04 = wb["财政拨款收入支出决算总表"]
    assert [js04.cell(5, c).value for c in range(1, 10)] == ["项目", "行次", "金额", "项目", "行次", *b.JS04_COLUMNS]
    assert [js04.cell(r, 1).value for r in range(34, 40)] == [
        "本年收入合计", b.JS04_OPENING, *FUNDS, "总计"]
    assert [js04.cell(r, 4).value for r in range(34, 40)] == [
        "本年支出合计", "年末财政拨款结转和结余", None, None, None, "总计"]

    js06 = wb["一般公共预算财政拨款基本支出决算表"]
    assert (js06["A4"].value, js06["D4"].value) == ("人员经费", "公用经费")
    assert [js06.cell(5, c).value for c in range(1, 10)] == ["科目编码", "科目名称", "决算数"] * 3
    assert (js06["A6"].value, js06["D6"].value) == ("301", "302")
    bottom = js06.max_row - 1
    assert (js06.cell(bottom, 1).value, js06.cell(bottom, 4).value) == ("人员经费合计", "公用经费合计")

    js07 = wb["一般公共预算财政拨款“三公”经费支出决算表"]
    assert (js07["A4"].value, js07["G4"].value) == ("预算数", "决算数")
    assert [js07.cell(5, c).value for c in range(1, 7)] == [
        "合计", "因公出国（境）费", "公务用车购置及运行维护费", None, None, "公务接待费"]
    assert [js07.cell(6, c).value for c in range(3, 6)] == ["小计", "公务用车购置费", "公务用车运行维护费"]
    assert [js07.cell(7, c).value for c in range(1, 13)] == list(range(1, 13))

    js08 = wb["政府性基金预算财政拨款收入支出决算表"]
    assert [js08.cell(4, c).value for c in range(5, 11)] == [
        "年初结转和结余", "本年收入", "本年支出", None, None, "年末结转和结余"]
    assert [js08.cell(5, c).value for c in range(7, 10)] == ["小计", "基本支出", "项目支出"]


def test_shanghai_layout(tmp_path, dataset):
    written = b.write_shanghai(dataset, tmp_path / "s.xlsx")
    wb = load_workbook(written.path)
    assert wb.sheetnames == [b.SHANGHAI_TITLES[t] for t in b.TABLE_IDS]
    texts = {c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert not {"行次", "栏次", "金额单位：万元"} & texts
    assert not any(t.startswith("公开0") for t in texts)
    assert {"使用非财政拨款结余（含专用结余）", "公务用车购置及运行费", "公务用车运行费", "支出功能分类科目编码"} <= texts
    sangong_texts = {c.value for row in wb["财政拨款“三公”经费支出决算表"].iter_rows() for c in row}
    assert not {"公务用车购置及运行维护费", "公务用车运行维护费"} & sangong_texts
    for ws in wb:
        assert (ws["A2"].value, ws.cell(2, ws.max_column).value) == (f"编制部门：{dataset.department}", "单位：万元")

    js07 = wb["财政拨款“三公”经费支出决算表"]
    assert js07["A3"].value == "财政拨款“三公”经费"
    assert [js07.cell(6, c).value for c in range(1, 13)] == ["预算数", "决算数"] * 6
    assert written.cell_of("JS07", b.ACTUAL, "公务接待费") == (js07.title, "L7")
    js06 = wb["一般公共预算财政拨款基本支出决算表"]
    assert [js06.cell(3, c).value for c in range(1, 9)] == ["经济分类科目编码", None, "科目名称", "决算数"] * 2
    assert [js06.cell(5, c).value for c in (1, 2, 5, 6)] == ["301", None, "302", None]
    assert [js06.cell(6, c).value for c in (1, 2, 5, 6)] == ["301", "01", "302", "01"]
    js08 = wb["政府性基金预算财政拨款收入支出决算表"]
    assert [js08.cell(4, c).value for c in range(7, 10)] == ["合计", "基本支出", "项目支出"]
    assert wb["支出决算表"]["A6"].value == "合计"
    js01 = wb["收入支出决算总表"]
    assert [js01.cell(4, c).value for c in range(1, 5)] == ["项目", "决算数", "项目", "决算数"]


@pytest.mark.parametrize("style, item, kuan", [
    ("split", ["208", "05", "05", "机关事业单位基本养老保险缴费支出"], ["208", "05", None, "行政事业单位养老支出"]),
    ("split_numeric", [208, 5, 5, "机关事业单位基本养老保险缴费支出"], [208, 5, None, "行政事业单位养老支出"]),
    ("single", [2080505, "机关事业单位基本养老保险缴费支出"], [20805, "行政事业单位养老支出"]),
    ("spaced", ["208 05 05", "机关事业单位基本养老保险缴费支出"], ["208 05", "行政事业单位养老支出"]),
])
def test_code_styles(tmp_path, dataset, style, item, kuan):
    written = b.write_central(dataset, tmp_path / "c.xlsx", code_style=style)
    ws = load_workbook(written.path)["支出决算表"]
    for code, expected in (("2080505", item), ("20805", kuan)):
        row = ws[written.cell_of("JS03", code, "基本支出")[1]].row
        assert [ws.cell(row, c).value for c in range(1, len(expected) + 1)] == expected


def test_sheet_names_and_order(tmp_path, dataset):
    numbered = load_workbook(b.write_central(dataset, tmp_path / "n.xlsx", sheet_names="numbered").path)
    assert numbered.sheetnames == [f"Sheet{i}" for i in range(1, 10)]
    assert [ws["A1"].value for ws in numbered] == [b.CENTRAL_TITLES[t] for t in b.TABLE_IDS]

    def shuffled(seed):
        written = b.write_central(dataset, tmp_path / f"s{seed}.xlsx", sheet_names="shuffled", seed=seed)
        wb = load_workbook(written.path)
        assert wb.sheetnames == [f"Sheet{i}" for i in range(1, 10)]
        for table_id, (sheet, _) in written.tables.items():
            assert wb[sheet]["A1"].value == b.CENTRAL_TITLES[table_id]
        return [ws["A1"].value for ws in wb]

    assert shuffled(1) == shuffled(1)
    assert shuffled(1) != [b.CENTRAL_TITLES[t] for t in b.TABLE_IDS]
    assert sorted(shuffled(1)) == sorted(b.CENTRAL_TITLES.values())


def test_total_first_overrides(tmp_path, dataset):
    wb = load_workbook(b.write_central(dataset, tmp_path / "t.xlsx", total_first=True).path)
    assert wb["一般公共预算财政拨款支出决算表"]["A8"].value == "合计"
    wb = load_workbook(b.write_central(dataset, tmp_path / "f.xlsx", total_first=False).path)
    js02 = wb["收入决算表"]
    assert (js02["A8"].value, js02.cell(js02.max_row - 1, 1).value) == ("201", "合计")


def test_omit_gives_an_eight_table_set(tmp_path, dataset):
    written = b.write_central(dataset, tmp_path / "o.xlsx", omit={"JS09"})
    assert load_workbook(written.path).sheetnames == [b.CENTRAL_TITLES[t] for t in b.TABLE_IDS[:8]]
    assert not any(key[0] == "JS09" for key in written.cells)


def test_stacked_puts_tables_under_each_other(tmp_path, dataset):
    written = b.write_central(dataset, tmp_path / "s.xlsx", stacked=True)
    wb = load_workbook(written.path)
    assert wb.sheetnames == ["部门决算公开表"]
    ws = wb.active
    spans = [written.tables[t] for t in b.TABLE_IDS]
    assert {sheet for sheet, _ in spans} == {ws.title}
    rows = [(int(r.split(":")[0][1:]), int(r.split(":")[1].lstrip("ABCDEFGHIJKL"))) for _, r in spans]
    assert rows[0][0] == 1
    for (_, end), (start, _) in zip(rows, rows[1:]):
        assert start == end + 3
        assert all(ws.cell(r, c).value is None for r in (end + 1, end + 2) for c in range(1, 13))
    assert [ws.cell(start, 1).value for start, _ in rows] == [b.CENTRAL_TITLES[t] for t in b.TABLE_IDS]
    assert ws.cell(rows[2][0] + 1, 10).value == "公开03表"


def test_title_year(tmp_path, dataset):
    wb = load_workbook(b.write_shanghai(dataset, tmp_path / "y.xlsx", title_year=True).path)
    assert wb["收入支出决算总表"]["A1"].value == f"{dataset.year}年度收入支出决算总表"


def test_empty_tables_keep_header_and_note(tmp_path):
    ds = b.clean_dataset(0, government_fund=False)
    ds.js07 = b.ThreePublic(dict.fromkeys(b.SANGONG_ITEMS), dict.fromkeys(b.SANGONG_ITEMS))
    for writer, first_row, label in ((b.write_central, 8, "公开08表"), (b.write_shanghai, 6, None)):
        written = writer(ds, Path(tmp_path) / f"{writer.__name__}.xlsx")
        wb = load_workbook(written.path)
        js08 = wb["政府性基金预算财政拨款收入支出决算表"]
        assert js08.max_row == first_row
        assert js08.cell(first_row, 1).value == "本部门本年度没有政府性基金预算财政拨款收入和支出，故本表无数据"
        assert not any(key[0] == "JS08" for key in written.cells)
        assert not any(c.value == "合计" for c in js08["A"])
        if label:
            assert js08["J2"].value == label
        # An all-blank 三公 row is still written, cell by cell.
        js07 = wb[written.tables["JS07"][0]]
        sangong = [written.cell_of("JS07", kind, item) for kind in (b.BUDGET, b.ACTUAL) for item in b.SANGONG_ITEMS]
        assert len(sangong) == 12 and all(js07[a1].value is None for _, a1 in sangong)


def test_unknown_variants_are_refused(tmp_path, dataset):
    with pytest.raises(ValueError):
        b.write_central(dataset, tmp_path / "x.xlsx", code_style="dotted")
    with pytest.raises(ValueError):
        b.write_central(dataset, tmp_path / "x.xlsx", omit={"JS10"})
    with pytest.raises(TypeError):
        b.write_central(dataset, tmp_path / "x.xlsx", colour="red")


def test_locate_and_plant_round_trip(tmp_path, dataset):
    written = b.write_central(dataset, tmp_path / "p.xlsx")
    sheet, a1 = written.cell_of("JS03", "2010601", "基本支出")
    assert sheet == "支出决算表"
    original = dataset.amount("JS03", "2010601", "基本支出")
    assert read(load_workbook(written.path)[sheet][a1].value) == original

    assert written.plant("JS03", "2010601", "基本支出", original + Decimal("0.10")) == (sheet, a1)
    b.set_cell(written.path, "收入决算表", written.cell_of("JS02", "合计", "其他收入")[1], "1,234.50")
    wb = load_workbook(written.path)
    assert read(wb[sheet][a1].value) == original + Decimal("0.10")
    assert wb["收入决算表"][written.cell_of("JS02", "合计", "其他收入")[1]].value == "1,234.50"
    changed = {("JS03", "2010601", "基本支出"), ("JS02", "合计", "其他收入")}
    for key, (s, cell) in written.cells.items():
        if key not in changed:
            assert read(wb[s][cell].value) == dataset.amount(*key), key
    assert "A1:J1" in {str(r) for r in wb[sheet].merged_cells.ranges}  # the rest of the sheet survives


# ---------------------------------------------------------------------------------------------------------------
# The bundled sample
# ---------------------------------------------------------------------------------------------------------------

# The figures the 祁东县行政审批服务局 2021 report states, and where they go: nothing else may be in the sample.
REPORT_CLASSES = {"201": "805.57", "204": "14.17", "205": "2.36", "207": "2.52", "208": "35.26", "210": "14.74",
                  "212": "5.90", "213": "14.17", "220": "25.48", "221": "17.59", "224": "2.36"}
PROJECT_ROWS = ("21208", "2120899")
SAMPLE_FIGURES = {
    ("JS01", "一般公共预算财政拨款收入", "收入"): "947.59", ("JS01", "事业收入", "收入"): "0.00",
    ("JS01", "其他收入", "收入"): "0.00", ("JS01", "本年收入合计", "收入"): "947.59",
    ("JS01", "总计", "收入"): "947.59", ("JS01", "本年支出合计", "支出"): "947.59", ("JS01", "总计", "支出"): "947.59",
    **{("JS01", code, "支出"): v for code, v in REPORT_CLASSES.items()},
    ("JS02", "合计", "本年收入合计"): "947.59", ("JS02", "合计", "财政拨款收入"): "947.59",
    ("JS03", "合计", "本年支出合计"): "947.59", ("JS03", "合计", "基本支出"): "940.12",
    ("JS03", "合计", "项目支出"): "7.46",
    **{("JS03", code, column): v for code, v in REPORT_CLASSES.items() for column in ("本年支出合计", "基本支出")},
    **{("JS03", code, column): "7.46" for code in PROJECT_ROWS for column in ("本年支出合计", "项目支出")},
    ("JS04", "一般公共预算财政拨款", "收入"): "947.59", ("JS04", "本年收入合计", "收入"): "947.59",
    ("JS04", "总计", "收入"): "947.59",
    **{("JS04", code, column): v for code, v in REPORT_CLASSES.items() for column in ("合计", GP)},
    ("JS04", "本年支出合计", "合计"): "947.59", ("JS04", "本年支出合计", GP): "947.59", ("JS04", "总计", "合计"): "947.59",
    ("JS04", "总计", GP): "947.59",  # 本年支出合计 + 年末 (none stated): all of it is 一般公共预算
    ("JS05", "合计", "合计"): "947.59", ("JS05", "合计", "基本支出"): "940.12", ("JS05", "合计", "项目支出"): "7.46",
    **{("JS05", code, column): v for code, v in REPORT_CLASSES.items() for column in ("合计", "基本支出")},
    **{("JS05", code, column): "7.46" for code in PROJECT_ROWS for column in ("合计", "项目支出")},
    ("JS06", "301", "决算数"): "519.44", ("JS06", "人员经费合计", "决算数"): "519.44",
    ("JS06", "302", "决算数"): "420.68", ("JS06", "公用经费合计", "决算数"): "420.68",
    ("JS07", "决算数", "合计"): "0.87", ("JS07", "决算数", "公务接待费"): "0.87",
    **{("JS07", "决算数", item): "0.00" for item in ("因公出国（境）费", "小计", "公务用车购置费", "公务用车运行维护费")},
}


def _content(path):
    """Everything a reader sees: sheets, cell values, number formats and merged ranges (not the XML bytes,
    which differ with and without lxml installed)."""
    wb = load_workbook(path)
    return [
        (ws.title, sorted(str(r) for r in ws.merged_cells.ranges),
         [(c.coordinate, c.value, c.number_format) for row in ws.iter_rows() for c in row if c.value is not None])
        for ws in wb
    ]


def test_sample_is_what_the_script_writes(tmp_path):
    regenerated = make_sample.main(tmp_path / "sample.xlsx")
    assert _content(make_sample.SAMPLE) == _content(regenerated.path)


def test_sample_holds_exactly_the_reported_figures(tmp_path):
    written = make_sample.main(tmp_path / "sample.xlsx")
    wb = load_workbook(make_sample.SAMPLE)
    amounts = {(ws.title, c.coordinate): read(c.value) for ws in wb for row in ws.iter_rows() for c in row
               if c.number_format == "#,##0.00" and c.value is not None}
    assert amounts == {written.cell_of(*key): Decimal(v) for key, v in SAMPLE_FIGURES.items()}
    assert len(amounts) == len(SAMPLE_FIGURES)


def test_sample_frame():
    wb = load_workbook(make_sample.SAMPLE)
    assert wb.sheetnames == [b.CENTRAL_TITLES[t] for t in b.TABLE_IDS]
    for ws in wb:
        assert ws["A1"].value.startswith("2021年度")
        assert ws["A3"].value == "部门：祁东县行政审批服务局"
    js01 = wb["收入支出决算总表"]
    classes = [js01.cell(r, 4).value for r in range(7, 34)]
    assert (classes[0], classes[9], classes[-1]) == ("一、一般公共服务支出", "十、卫生健康支出", "二十七、抗疫特别国债安排的支出")
    assert js01["D34"].value == "本年支出合计"
    for table in ("政府性基金预算财政拨款收入支出决算表", "国有资本经营预算财政拨款支出决算表"):
        assert wb[table]["A8"].value.endswith("故本表无数据")
    js03 = wb["支出决算表"]
    assert [js03.cell(r, 4).value for r in (15, 16, 17)] == [
        "城乡社区支出", "国有土地使用权出让收入安排的支出", "其他国有土地使用权出让收入安排的支出"]
