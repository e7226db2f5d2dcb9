"""`check BUDGET.xlsx FINAL.xlsx --cycle`: completion rates per item and 类, 决算 beyond 预算, the 年初预算为 0
trap, and the completion claims of the report — a Shanghai budget (元, 三公 in 万元) against a central 决算 (万元)."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import pytest

from fixtures.builders import clean_dataset, write_central
from tests.budget_builders import budget, write_shanghai
from tests.conftest import run_cli

SPENDING = {"本年支出合计", "基本支出", "项目支出", "财政拨款支出", "一般公共预算财政拨款支出", "政府性基金预算财政拨款支出",
            "国有资本经营预算财政拨款支出", "人员经费", "公用经费"}


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The 2022 budget (no 政府性基金 money planned) and the 2022 final accounts (which spent some)."""
    folder = tmp_path_factory.mktemp("cycle")
    b, f = budget(4, year=2022, government_fund=False), clean_dataset(4, year=2022)
    written = write_shanghai(b, folder / "2022预算.xlsx")
    write_central(f, folder / "2022决算.xlsx", title_year=True)
    return {"budget": b, "final": f, "budget_path": str(folder / "2022预算.xlsx"),
            "final_path": str(folder / "2022决算.xlsx"), "written": written}


def _cycle(runner, pair, *args):
    result = run_cli(runner, "check", pair["budget_path"], pair["final_path"], "--cycle", "--format", "json", *args)
    return result, json.loads(result.stdout) if result.stdout else None


def _rate(final: Decimal, budget: Decimal) -> str:
    return str((final / budget * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def test_completion_rates_and_findings_follow_from_the_two_workbooks(pair, runner):
    result, doc = _cycle(runner, pair)
    b, f = pair["budget"], pair["final"]
    assert [x["path"] for x in doc["files"]] == [pair["budget_path"], pair["final_path"]]
    lines = {x["item"]: x for x in doc["completion"]}
    spent = lines["本年支出合计"]
    budgeted, actual = b.amount("YS01", "支出:本年支出合计", "预算数"), f.amount("JS01", "本年支出合计", "支出")
    assert (spent["table_id"], spent["unit"], spent["budget"], spent["final"], spent["rate"]) == (
        "JS01", "万元", f"{budgeted:.2f}", f"{actual:.2f}", _rate(actual, budgeted))
    assert spent["budget_cell"]["file"] == pair["budget_path"] and spent["final_cell"]["file"] == pair["final_path"]
    # the 三公 total: the budget's 预算数 (万元 table) against the final's 决算数
    three = lines["“三公”经费"]
    assert three["rate"] == _rate(f.amount("JS07", "决算数", "合计"), b.amount("YS07", "", "预算数/合计"))
    # 212 城乡社区支出 was spent (政府性基金) but never budgeted: no rate
    assert lines["212 城乡社区支出"]["budget"] == "0.00" and lines["212 城乡社区支出"]["rate"] is None
    # every spending line above its budget is a warning, every one without a budget too — and nothing else
    expected = set()
    for x in doc["completion"]:
        if x["group"] == "类" or x["item"] in SPENDING or x["item"].startswith("“三公”经费"):
            final, budgeted = Decimal(x["final"]), Decimal(x["budget"])
            if budgeted == 0 and final > 0:
                expected.add(("CYC.zero-budget", x["item"]))
            elif final > budgeted:
                expected.add(("CYC.over-budget", x["item"]))
    found = {(g["rule"], g["message"].split("〔")[1].split("〕")[0]) for g in doc["findings"] if g["rule"].startswith("CYC.")}
    assert found == expected and ("CYC.zero-budget", "212 城乡社区支出") in found
    assert all(g["severity"] == "warning" for g in doc["findings"] if g["rule"].startswith("CYC."))
    # both workbooks are audited on their own too, and both are clean
    assert [g for g in doc["findings"] if not g["rule"].startswith("CYC.") and g["severity"] != "info"] == []
    assert result.exit_code == 0


def test_an_over_budget_finding_names_both_cells(pair, runner):
    result, doc = _cycle(runner, pair)
    g = next(g for g in doc["findings"] if g["rule"] == "CYC.zero-budget" and "〔212 城乡社区支出〕" in g["message"])
    assert (g["file"], g["sheet"], g["cell"]) == (pair["final_path"], "支出决算表", g["cells"][0]["cell"])
    assert [c["role"] for c in g["cells"]] == ["actual", "budget"]
    assert g["cells"][1]["cell"] is None  # the budget prints no 212 row: an exact zero
    assert "年初预算为 0，完成率无从计算" in g["message"]


def test_completion_claims_of_the_report_are_checked_against_both(pair, tmp_path, runner):
    b, f = pair["budget"], pair["final"]
    spent, budgeted = f.amount("JS01", "本年支出合计", "支出"), b.amount("YS01", "支出:本年支出合计", "预算数")
    basic, basic_budget = f.amount("JS03", "合计", "基本支出"), b.amount("YS03", "合计", "基本支出")
    city = f.amount("JS03", "212", "本年支出合计")
    text = tmp_path / "说明.txt"
    text.write_text("\n".join([
        "示范县政务服务中心2022年度部门决算情况说明",
        f"本年支出合计{spent:,.2f}万元，完成年初预算的{_rate(spent, budgeted)}%。",
        f"基本支出{basic:,.2f}万元，完成年初预算的{Decimal(_rate(basic, basic_budget)) + 10}%。",
        f"城乡社区支出（类）{city:,.2f}万元，完成年初预算的100%。",
    ]), encoding="utf-8")
    result, doc = _cycle(runner, pair, "--report", str(text))
    assert result.exit_code == 1
    assert [x["path"] for x in doc["files"]] == [pair["budget_path"], pair["final_path"], str(text)]
    claims = [(g["rule"], g["severity"], g["line"], g["expected"], g["actual"]) for g in doc["findings"] if g["file"] == str(text)]
    assert claims == [
        ("CYC.completion", "error", 3, _rate(basic, basic_budget), str(Decimal(_rate(basic, basic_budget)) + 10)),
        ("CYC.completion", "error", 4, None, "100"),
    ]
    zero = next(g for g in doc["findings"] if g["line"] == 4)
    assert "年初预算为 0，不存在完成率" in zero["message"] and zero["excerpt"].startswith("城乡社区支出")


def test_cycle_in_a_table_and_its_input_errors(pair, tmp_path, runner):
    table = run_cli(runner, "check", pair["final_path"], pair["budget_path"], "--cycle")  # either order
    assert table.exit_code == 0 and "预算完成情况" in table.stdout and "完成率" in table.stdout
    one = run_cli(runner, "check", pair["final_path"], "--cycle")
    assert one.exit_code == 2 and "需要两份工作簿" in one.stderr
    two_finals = run_cli(runner, "check", pair["final_path"], pair["final_path"], "--cycle")
    assert two_finals.exit_code == 2 and "一份部门预算和一份部门决算" in two_finals.stderr
    alone = run_cli(runner, "check", pair["final_path"], "--report", "x.txt")
    assert alone.exit_code == 2 and "--report 只能与 --cycle 一起使用" in alone.stderr
    other_year = tmp_path / "2023预算.xlsx"
    write_shanghai(budget(4, year=2023), other_year)
    years = run_cli(runner, "check", str(other_year), pair["final_path"], "--cycle")
    assert years.exit_code == 2 and "应是同一年度" in years.stderr
