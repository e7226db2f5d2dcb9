"""部门预算公开表: both real-world sets are recognised (never confused with 决算 tables), a consistent budget is
silent in any mix of 元 and 万元 tables, and each equation of the budget rule pack, broken, is found on its cell."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from fixtures.builders import clean_dataset, set_cell
from fixtures.builders import write_central as write_final
from qidong_audit.audit import audit_paths
from tests.budget_builders import TABLE_IDS, budget, write_central, write_shanghai
from tests.conftest import JS03_MERGES, js03, run_cli, write_xlsx


def _errors(report) -> list[tuple]:
    return [(f.rule, f.cell, f.message) for f in report.findings if f.severity.value in ("error", "warning")]


@pytest.mark.parametrize("writer", [write_central, write_shanghai])
@pytest.mark.parametrize("seed", [0, 1])
def test_a_consistent_budget_set_is_silent(tmp_path, writer, seed):
    path = tmp_path / "预算.xlsx"
    writer(budget(seed, state_capital=bool(seed), government_fund=not seed), path)
    report = audit_paths([str(path)])
    (fr,) = report.files
    assert fr.error is None and fr.year == 2023 and fr.department == "示范县政务服务中心"
    assert [t.table_id for t in fr.tables] == list(TABLE_IDS)
    assert _errors(report) == []
    # only budget rules ran: a 预算 workbook is not told it lacks the 决算 tables
    assert [f.rule for f in report.findings if f.rule.startswith(("JS", "X", "Y0"))] == []


def test_shanghai_tables_are_in_yuan_except_the_three_public_table(tmp_path):
    path = tmp_path / "上海.xlsx"
    write_shanghai(budget(0), path)
    (fr,) = audit_paths([str(path)]).files
    assert {t.table_id: (t.unit, t.decimals) for t in fr.tables} == {
        **{t: ("元", 0) for t in TABLE_IDS}, "YS07": ("万元", 2)}
    assert [c.key for c in fr.tables[6].columns] == [
        "预算数/合计", "预算数/因公出国(境)费", "预算数/公务用车购置及运行维护费", "预算数/公务用车购置费",
        "预算数/公务用车运行维护费", "预算数/公务接待费", "机关运行经费"]


def test_yuan_and_wan_tables_in_one_set_are_compared_in_a_common_unit(tmp_path):
    b = budget(2)
    path = tmp_path / "混合.xlsx"
    written = write_central(b, path, yuan=("YS05", "YS06"))
    assert _errors(audit_paths([str(path)])) == []
    # 一般公共预算支出表 in 元 against 财政拨款收支总表 in 万元: off by 100 元 = 0.01 万元, beyond rounding
    total = b.cents("YS05", "合计", "合计") * 100
    sheet, cell = written.plant("YS05", "合计", "合计", Decimal(total + 100))
    found = {f.rule: f for f in audit_paths([str(path)]).findings if f.severity.value == "error"}
    assert set(found) == {"YS05.row", "YS05.tree", "YX06.total"}  # YX10: four tables, 0.01 is within rounding
    assert (sheet, cell) in {(c.sheet, c.cell) for c in found["YX06.total"].cells}
    # reported in the unit of the rule's first table (财政拨款收支总表, 万元)
    assert found["YX06.total"].difference == Decimal("-0.01")


# Each equation of packs/budget/rules.toml, broken by one amount (+1,000 in the table's unit), and exactly the
# rules that use that cell fail — each finding naming the changed cell.
BROKEN = [
    (("YS01", "收入:事业收入", "预算数"), {"YS01.income-total", "YX02"}),
    (("YS01", "收入:总计", "预算数"), {"YS01.income-grand", "YS01.balance", "YX01"}),
    (("YS01", "支出:201", "预算数"), {"YS01.expense-total", "YX04"}),
    (("YS01", "支出:总计", "预算数"), {"YS01.expense-grand", "YS01.balance"}),
    (("YS02", "2010601", "合计"), {"YS02.row", "YS02.tree"}),
    (("YS03", "2010601", "基本支出"), {"YS03.row", "YS03.tree"}),
    (("YS03", "合计", "合计"), {"YS03.row", "YS03.tree", "YX03"}),
    (("YS04", "收入:本年收入合计", "预算数"), {"YS04.income-total", "YS04.income-grand"}),
    (("YS04", "收入:上年结转/一般公共预算财政拨款", "预算数"), {"YS04.carry-in", "YS04.fund-balance"}),
    (("YS04", "收入:一般公共预算财政拨款", "预算数"), {"YS04.income-total", "YS04.fund-balance", "YX05"}),
    (("YS04", "支出:201", "合计"), {"YS04.row", "YS04.expense-total"}),
    (("YS04", "支出:总计", "合计"), {"YS04.row", "YS04.expense-grand", "YS04.balance"}),
    (("YS04", "收入:总计", "预算数"), {"YS04.income-grand", "YS04.balance", "YY02"}),
    (("YS05", "2010601", "人员经费"), {"YS05.basic", "YS05.tree"}),
    (("YS05", "2010601", "基本支出"), {"YS05.row", "YS05.basic", "YS05.tree", "YY01.basic"}),
    (("YS05", "合计", "合计"), {"YS05.row", "YS05.tree", "YX06.total", "YX10", "YY01.total"}),
    (("YS05", "201", "合计"), {"YS05.row", "YS05.tree", "YX06.class", "YY01.total"}),
    (("YS05", "2010602", "项目支出"), {"YS05.row", "YS05.tree", "YY01.project"}),
    (("YS06", "30101", "人员经费"), {"YS06.row", "YS06.tree"}),
    (("YS06", "合计", "合计"), {"YS06.row", "YS06.tree", "YX09"}),
    (("YS06", "合计", "人员经费"), {"YS06.row", "YS06.tree", "YX09.split"}),
    (("YS07", "", "预算数/公务接待费"), {"YS07.total"}),
    (("YS07", "", "预算数/公务用车购置费"), {"YS07.vehicles"}),
    (("YS07", "", "上年预算数/公务接待费"), {"YS07.last-total"}),
    (("YS07", "", "上年预算数/公务用车运行维护费"), {"YS07.last-vehicles"}),
    (("YS08", "2120899", "基本支出"), {"YS08.row", "YS08.tree"}),
    (("YS08", "合计", "合计"), {"YS08.row", "YS08.tree", "YX07", "YX10"}),
    (("YS09", "2230199", "项目支出"), {"YS09.row", "YS09.tree"}),
    (("YS09", "合计", "合计"), {"YS09.row", "YS09.tree", "YX08", "YX10"}),
]


@pytest.mark.parametrize("key, rules", BROKEN, ids=["|".join(k) for k, _ in BROKEN])
def test_each_broken_equation_is_found_on_its_cell(tmp_path, key, rules):
    b = budget(0, state_capital=True)
    path = tmp_path / "b.xlsx"
    written = write_central(b, path)
    sheet, cell = written.plant(*key, (b.amount(*key) or Decimal(0)) + Decimal("1000.00"))
    errors = [f for f in audit_paths([str(path)]).findings if f.severity.value == "error"]
    assert {f.rule for f in errors} == rules
    assert all((sheet, cell) in {(c.sheet, c.cell) for c in f.cells} for f in errors)


def test_every_budget_rule_is_exercised_and_has_an_english_title():
    from qidong_audit.render import english
    from qidong_audit.rules.pack import builtin_pack

    ids = {r.id for r in builtin_pack("budget").rules}
    broken = set().union(*(rules for _, rules in BROKEN))
    assert ids - broken == {"CAT.exists.YS", "CAT.name.YS", "CAT.fund.YS05", "CAT.fund.YS08", "CAT.fund.YS09"}
    assert ids - set(english()["rules"]) == set()
    from qidong_audit.compare import COMPARE_CHECKS
    from qidong_audit.cycle import CYCLE_CHECKS

    assert {c.id for c in COMPARE_CHECKS + CYCLE_CHECKS} - set(english()["rules"]) == set()


def test_a_government_fund_subject_in_the_general_budget_table_is_found(tmp_path):
    b = budget(0)
    path = tmp_path / "b.xlsx"
    written = write_central(b, path)
    sheet, cell = written.cell_of("YS05", "2010602", "合计")
    set_cell(path, sheet, f"A{cell[1:]}", "2120899")  # the 项's code (column A) becomes a 政府性基金 subject
    rules = {f.rule for f in audit_paths([str(path)]).findings if f.severity.value == "error"}
    assert "CAT.fund.YS05" in rules


def test_budget_titles_are_never_confused_with_final_ones():
    from qidong_audit.recognise.blocks import match_title
    from qidong_audit.recognise.spec import all_tables

    tables = all_tables()
    for spec in tables.tables:
        for alias in spec.aliases:
            assert match_title(alias, tables) is spec, alias
            assert match_title(f"2024年{alias}", tables) is spec, alias


def test_a_workbook_with_a_final_and_a_budget_table_recognises_both(tmp_path, runner):
    ys03 = [["部门支出总表"], ["单位：万元"], ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
            [None, "合计", "30.00", "20.00", "10.00"], ["201", "一般公共服务支出", "30.00", "20.00", "10.00"]]
    rows = [[None, None, None, "合计", "30.00", "20.00", "10.00"], ["201", None, None, "一般公共服务支出", "30.00", "20.00", "10.00"]]
    path = str(write_xlsx(tmp_path / "两者.xlsx", {"决算": js03(rows), "预算": ys03}, {"决算": JS03_MERGES}))
    doc = json.loads(run_cli(runner, "inspect", path, "--format", "json").stdout)
    assert [(t["table_id"], t["sheet"]) for t in doc["files"][0]["tables"]] == [("JS03", "决算"), ("YS03", "预算")]
    result = run_cli(runner, "check", path, "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["summary"]["errors"] == 0


def test_a_final_workbook_runs_no_budget_rule(tmp_path):
    path = tmp_path / "决算.xlsx"
    write_final(clean_dataset(0), path)
    report = audit_paths([str(path)])
    assert [t.table_id for t in report.files[0].tables] == [f"JS0{i}" for i in range(1, 10)]
    assert [f.rule for f in report.findings if f.rule.startswith(("YS", "YX", "YY")) or f.rule.endswith(".YS")] == []


def test_check_cli_reports_a_broken_budget_in_json(tmp_path, runner):
    b = budget(3)
    path = tmp_path / "b.xlsx"
    written = write_shanghai(b, path)
    sheet, cell = written.plant("YS01", "收入:总计", "预算数", Decimal(b.cents("YS01", "收入:总计", "预算数") * 100 + 1000))
    result = run_cli(runner, "check", str(path), "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert [t["table_id"] for t in doc["files"][0]["tables"]] == list(TABLE_IDS)
    found = [(f["rule"], f["sheet"], f["cell"], f["difference"]) for f in doc["findings"] if f["severity"] == "error"]
    assert found == [("YS01.balance", sheet, cell, "1000"), ("YS01.income-grand", sheet, cell, "1000"),
                     ("YX01", sheet, cell, "1000")]
