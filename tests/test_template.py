"""`qidong-audit template`: a blank workbook of every table of a set is recognised and clean; filled with consistent
figures — by hand (every cell) or through SUM formulas (inputs only) — it round-trips: `check` is clean."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from fixtures.builders import clean_dataset
from qidong_audit.template import build, write
from tests.budget_builders import budget
from tests.conftest import run_cli

SETS = {"决算": [f"JS0{i}" for i in range(1, 10)], "预算": [f"YS0{i}" for i in range(1, 10)]}
_SANGONG = {"合计": "合计", "因公出国（境）费": "因公出国(境)费", "小计": "公务用车购置及运行维护费",
            "公务用车购置费": "公务用车购置费", "公务用车运行维护费": "公务用车运行维护费", "公务接待费": "公务接待费"}


def final_values(ds) -> dict:
    """The figures of a 决算 dataset (fixtures/builders.py) under the template's keys, at 类 level."""
    v = {}
    for key, amount in ds.js01.income.items():
        v[("JS01", f"收入:{key.removesuffix('收入') if key.endswith('拨款收入') else key}", "决算数")] = amount
    for table in (ds.js01, ds.js04):
        tid = "JS01" if table is ds.js01 else "JS04"
        if tid == "JS04":
            v |= {("JS04", f"收入:{k}", "决算数"): a for k, a in table.income.items()}
        for rows in (table.expense, table.expense_totals):
            for row, columns in rows.items():
                for column, amount in columns.items():
                    v[(tid, f"支出:{row}", "决算数" if column == "支出" else column)] = amount
    for tid in ("JS02", "JS03", "JS05", "JS08", "JS09"):
        t = getattr(ds, tid.lower())
        for column in t.columns:
            key = column.removeprefix("本年支出/").replace("小计", "本年支出")
            v[(tid, "合计", key)] = t.total[column]
            v |= {(tid, r.code, key): r.values[column] for r in t.rows if len(r.code) == 3}
    v |= {("JS06", code, "决算数"): a for code, a in ds.js06.items.items()}
    v |= {("JS06", "人员经费合计", "决算数"): ds.js06.personnel_total, ("JS06", "公用经费合计", "决算数"): ds.js06.public_total}
    for kind, values in (("预算数", ds.js07.budget), ("决算数", ds.js07.actual)):
        v |= {("JS07", "", f"{kind}/{_SANGONG[item]}"): a for item, a in values.items()}
    return {k: a for k, a in v.items() if a is not None}


def budget_values(b) -> dict:
    return {k: Decimal(c).scaleb(-2) for k, c in b.values.items()}


def _check(runner, path) -> dict:
    result = run_cli(runner, "check", str(path), "--format", "json")
    doc = json.loads(result.stdout)
    doc["exit_code"] = result.exit_code
    return doc


@pytest.mark.parametrize("kind", SETS)
@pytest.mark.parametrize("formulas", [False, True])
def test_a_blank_template_has_every_table_and_is_clean(tmp_path, runner, kind, formulas):
    out = tmp_path / f"{kind}.xlsx"
    args = ["template", str(out), "--year", "2023", "--set", kind, "--department", "示范县政务服务中心"]
    result = run_cli(runner, *args, *(["--with-formulas"] if formulas else []))
    assert result.exit_code == 0 and result.stdout == "" and f"已写出 {out}" in result.stderr
    doc = _check(runner, out)
    assert doc["exit_code"] == 0 and doc["findings"] == []
    assert [t["table_id"] for t in doc["files"][0]["tables"]] == SETS[kind]
    inspected = json.loads(run_cli(runner, "inspect", str(out), "--format", "json").stdout)["files"][0]
    assert inspected["unrecognised"] == []
    wb = load_workbook(out)
    first = wb.worksheets[0]
    assert first["A1"].value == ("2023年度收入支出决算总表" if kind == "决算" else "2023年部门收支总表")
    assert first["A3"].value == "部门：示范县政务服务中心"
    # the 类 rows of the year's catalogue, in the 支出 panel of the 总表
    labels = [row[2].value for row in first.iter_rows(min_row=6) if row[2].value]
    assert labels[:2] == ["一、一般公共服务支出", "二、外交支出"] and "十五、资源勘探工业信息等支出" in labels
    formula_cells = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
                     if isinstance(c.value, str) and c.value.startswith("=")]
    assert bool(formula_cells) is formulas


def test_the_catalogue_of_the_year_decides_the_class_names(tmp_path):
    t = build(2019, "决算")
    panel = t.sheets[0].rows
    assert "十五、资源勘探信息等支出" in [r[2] for r in panel]  # its 2019 name (资源勘探工业信息等支出 from 2020)
    assert "234" not in {key[1] for key in t.slots if key[0] == "JS03"} and ("JS03", "234", "基本支出") in build(2021, "决算").slots


def test_fund_tables_list_only_the_classes_of_their_fund(tmp_path):
    t = build(2023, "预算")
    gf = {key[1] for key in t.slots if key[0] == "YS08"}
    assert "212" in gf and "234" in gf and "201" not in gf  # 201 is 一般公共预算 only
    gp = {key[1] for key in t.slots if key[0] == "YS05"}
    assert "201" in gp and "223" not in gp and "234" not in gp


@pytest.mark.parametrize("kind", SETS)
def test_a_template_filled_cell_by_cell_round_trips(tmp_path, runner, kind):
    out = tmp_path / "填好.xlsx"
    assert run_cli(runner, "template", str(out), "--year", "2022", "--set", kind).exit_code == 0
    values = final_values(clean_dataset(6, year=2022)) if kind == "决算" else budget_values(budget(6, year=2022, state_capital=True))
    layout = build(2022, kind)
    assert {k for k in values if len(k[1]) != 5 and len(k[1]) != 7 or k[0] in ("JS06", "YS06")} - set(layout.slots) \
        <= {("YS07", "", "机关运行经费")}  # every 类-level figure has its cell (the central 三公 table has no 机关运行经费)
    wb = load_workbook(out)
    for key, slot in layout.slots.items():
        if key in values:
            wb[slot.sheet][slot.a1].value = values[key]
    wb.save(out)
    doc = _check(runner, out)
    assert doc["exit_code"] == 0 and [(f["rule"], f["cell"]) for f in doc["findings"]] == []
    # one wrong figure is found on its cell
    slot = layout.slots[("JS03" if kind == "决算" else "YS03", "201", "基本支出")]
    wb[slot.sheet][slot.a1].value = values[slot.key] + 1
    wb.save(out)
    doc = _check(runner, out)
    assert doc["exit_code"] == 1 and all(
        (slot.sheet, slot.a1) in {(c["sheet"], c["cell"]) for c in f["cells"]} for f in doc["findings"] if f["severity"] == "error")


@pytest.mark.parametrize("kind", SETS)
def test_a_template_with_formulas_filled_with_inputs_round_trips(tmp_path, runner, kind):
    values = final_values(clean_dataset(7, year=2022)) if kind == "决算" else budget_values(budget(7, year=2022))
    layout = build(2022, kind)
    inputs = {k: v for k, v in values.items() if k in layout.slots and not layout.slots[k].terms}
    out = tmp_path / "公式.xlsx"
    t = write(out, 2022, kind, "示范县政务服务中心", with_formulas=True, values=inputs)
    computed = t.evaluate(inputs)
    totals = [k for k in values if k in t.slots and t.slots[k].terms]
    assert totals and all(computed[k] == values[k] for k in totals)  # the formulas add up what the dataset adds up
    doc = _check(runner, out)
    assert doc["exit_code"] == 0 and [(f["rule"], f["cell"]) for f in doc["findings"]] == []
    ws = load_workbook(out)[t.sheets[0].name]
    total = t.slots[(SETS[kind][0], "收入:本年收入合计", "决算数" if kind == "决算" else "预算数")]
    assert ws[total.a1].value.startswith("=SUM(")


def test_a_formula_template_saved_by_a_script_has_unknown_totals(tmp_path, runner):
    """openpyxl keeps formulas but drops their cached values: the totals are unknown until Excel/WPS saves the file."""
    out = tmp_path / "脚本.xlsx"
    write(out, 2022, "决算", with_formulas=True)
    wb = load_workbook(out)
    wb.save(out)
    doc = _check(runner, out)
    unknown = [f for f in doc["findings"] if f["rule"] == "QA.unknown-value"]
    assert unknown and all(f["severity"] == "warning" for f in unknown)


def test_template_refuses_to_overwrite_or_to_write_other_formats(tmp_path, runner):
    out = tmp_path / "已有.xlsx"
    out.write_bytes(b"keep me")
    result = run_cli(runner, "template", str(out), "--year", "2023", "--set", "决算")
    assert result.exit_code == 2 and "已存在" in result.stderr and out.read_bytes() == b"keep me"
    assert run_cli(runner, "template", str(out), "--year", "2023", "--set", "决算", "--force").exit_code == 0
    xls = run_cli(runner, "template", str(tmp_path / "a.xls"), "--year", "2023", "--set", "预算")
    assert xls.exit_code == 2 and ".xlsx" in xls.stderr
    assert run_cli(runner, "template", str(tmp_path / "b.xlsx"), "--year", "2023", "--set", "草案").exit_code == 2
