"""`qidong-audit compare OLD NEW`: carry-overs between consecutive years, the change table, and the change claims
of the new year's report — through the real CLI, on workbooks built in the test."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from fixtures.builders import clean_series, write_central
from tests.budget_builders import budget
from tests.budget_builders import write_central as write_budget
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def years(tmp_path_factory):
    """Two consecutive years of one department (2021 → 2022), 年初 of 2022 = 年末 of 2021 everywhere."""
    folder = tmp_path_factory.mktemp("years")
    old, new = clean_series(5, [2021, 2022])
    return {"old": old, "new": new, "folder": folder,
            "old_path": str(folder / "2021.xlsx"), "old_written": write_central(old, folder / "2021.xlsx", title_year=True)}


def _new(years, tmp_path):
    path = tmp_path / "2022.xlsx"
    return str(path), write_central(years["new"], path, title_year=True)


def _compare(runner, *args):
    result = run_cli(runner, "compare", *args, "--format", "json")
    return result, json.loads(result.stdout) if result.stdout else None


def test_consecutive_clean_years_have_no_finding_and_a_change_table(years, tmp_path, runner):
    new_path, _ = _new(years, tmp_path)
    result, doc = _compare(runner, years["old_path"], new_path)
    assert result.exit_code == 0 and doc["findings"] == []
    assert list(doc) == ["schema_version", "tool", "rounding", "summary", "files", "findings", "changes"]
    assert [f["path"] for f in doc["files"]] == [years["old_path"], new_path]
    old, new = years["old"], years["new"]
    changes = {c["item"]: c for c in doc["changes"]}
    spent = changes["本年支出合计"]
    before, after = old.amount("JS01", "本年支出合计", "支出"), new.amount("JS01", "本年支出合计", "支出")
    assert (spent["old"], spent["new"], spent["change"], spent["unit"], spent["table_id"]) == (
        f"{before:.2f}", f"{after:.2f}", f"{after - before:.2f}", "万元", "JS01")
    assert spent["percent"] == str(((after - before) / before * 100).quantize(Decimal("0.01")))
    assert spent["new_cell"] == {"file": new_path, "sheet": "收入支出决算总表", "cell": spent["new_cell"]["cell"]}
    classes = [c for c in doc["changes"] if c["group"] == "类"]
    assert [c["code"] for c in classes] == sorted({r.code[:3] for r in new.js03.rows})
    assert all(c["table_id"] == "JS03" for c in classes)
    table = run_cli(runner, "compare", years["old_path"], new_path)
    assert table.exit_code == 0 and "与上年比较" in table.stdout and "本年支出合计" in table.stdout
    assert "2 个文件：0 个错误，0 个提示，0 条信息" in table.stderr


CARRY = [  # (rule, this year's 年初 cell, last year's 年末 cell) as builder keys
    ("Y05.JS01", ("JS01", "年初结转和结余", "收入"), ("JS01", "年末结转和结余", "支出")),
    ("Y05.JS04", ("JS04", "年初财政拨款结转和结余/一般公共预算财政拨款", "收入"),
     ("JS04", "年末财政拨款结转和结余", "一般公共预算财政拨款")),
    ("Y05.JS08", ("JS08", "合计", "年初结转和结余"), ("JS08", "合计", "年末结转和结余")),
    ("Y05.JS08", ("JS08", "2120899", "年初结转和结余"), ("JS08", "2120899", "年末结转和结余")),
]


@pytest.mark.parametrize("rule, opening, closing", CARRY, ids=[f"{r}|{o[1]}" for r, o, _ in CARRY])
def test_a_broken_carry_over_warns_on_both_cells(years, tmp_path, runner, rule, opening, closing):
    new_path, written = _new(years, tmp_path)
    planted = years["new"].amount(*opening) + Decimal("1.00")
    sheet, cell = written.plant(*opening, planted)
    old_sheet, old_cell = years["old_written"].cell_of(*closing)
    result, doc = _compare(runner, years["old_path"], new_path)
    assert result.exit_code == 0  # a warning: 调整 can break a carry-over
    (f,) = doc["findings"]
    last = years["old"].amount(*closing)
    assert (f["rule"], f["severity"], f["file"], f["sheet"], f["cell"]) == (rule, "warning", new_path, sheet, cell)
    assert f["cells"] == [{"sheet": sheet, "cell": cell, "value": f"{planted:.2f}", "role": "total"},
                          {"sheet": old_sheet, "cell": old_cell, "value": f"{last:.2f}", "role": "previous"}]
    assert (f["expected"], f["actual"], f["difference"], f["tolerance"]) == (f"{last:.2f}", f"{planted:.2f}", "1.00", "0.01")
    assert "2021.xlsx" in f["message"] and "2022.xlsx" in f["message"] and old_cell in f["message"]
    assert run_cli(runner, "compare", years["old_path"], new_path, "--fail-on", "warning").exit_code == 1


def test_a_wrong_growth_rate_in_the_report_is_an_error(years, tmp_path, runner):
    new_path, _ = _new(years, tmp_path)
    old, new = years["old"], years["new"]
    before, after = old.amount("JS01", "本年支出合计", "支出"), new.amount("JS01", "本年支出合计", "支出")
    income0, income1 = old.amount("JS01", "总计", "收入"), new.amount("JS01", "总计", "收入")
    basic0, basic1 = old.amount("JS03", "合计", "基本支出"), new.amount("JS03", "合计", "基本支出")

    def said(a: Decimal, b: Decimal, rate: Decimal | None = None) -> str:
        d = b - a
        r = rate if rate is not None else (abs(d) / a * 100).quantize(Decimal("0.01"))
        return f"{'增加' if d >= 0 else '减少'}{abs(d):,.2f}万元，{'增长' if d >= 0 else '下降'}{r}%"

    wrong = (abs(after - before) / before * 100).quantize(Decimal("0.01")) + 3
    text = tmp_path / "说明.txt"
    text.write_text("\n".join([
        "示范县政务服务中心2022年度部门决算情况说明",
        f"2022年度收入总计{income1:,.2f}万元，与上年相比{said(income0, income1)}。",
        f"本年支出合计{after:,.2f}万元，与上年相比{said(before, after, wrong)}。",
        f"基本支出{basic1:,.2f}万元，较上年{said(basic0, basic1)}。",
    ]), encoding="utf-8")
    result, doc = _compare(runner, years["old_path"], new_path, "--report", str(text))
    assert result.exit_code == 1
    assert [f["path"] for f in doc["files"]] == [years["old_path"], new_path, str(text)]
    (f,) = doc["findings"]
    true_rate = ((after - before) / before * 100).quantize(Decimal("0.01"))
    sign = 1 if after >= before else -1
    assert (f["rule"], f["severity"], f["file"], f["sheet"], f["cell"], f["line"]) == (
        "CMP.change", "error", str(text), None, None, 3)
    assert (f["expected"], f["actual"]) == (str(true_rate), str(sign * wrong))
    assert f["excerpt"].startswith("本年支出合计") and f"增减率应为 {true_rate}%" in f["message"]
    assert [c["role"] for c in f["cells"]] == ["current", "previous", "change", "rate"]


def test_a_wrong_change_amount_is_an_error_and_a_rounded_rate_is_not(years, tmp_path, runner):
    new_path, _ = _new(years, tmp_path)
    old, new = years["old"], years["new"]
    a, b = old.amount("JS03", "合计", "项目支出"), new.amount("JS03", "合计", "项目支出")
    d = b - a
    word, rate_word = ("增加", "增长") if d >= 0 else ("减少", "下降")
    rate = (abs(d) / a * 100).quantize(Decimal("0.1"))  # one decimal: still the same rate
    text = tmp_path / "说明.txt"
    text.write_text(f"项目支出{b:,.2f}万元，比上年{word}{abs(d) + 5:,.2f}万元，{rate_word}{rate}%。\n", encoding="utf-8")
    result, doc = _compare(runner, years["old_path"], new_path, "--report", str(text))
    (f,) = doc["findings"]
    assert (f["rule"], f["severity"], f["line"]) == ("CMP.change", "error", 1)
    assert f"增减额应为 {d:,.2f}万元" in f["message"] and "增减率" not in f["message"].split("；", 1)[1]


def test_years_that_are_not_consecutive_cannot_be_compared(years, tmp_path, runner):
    later = clean_series(5, [2023])[0]
    path = str(tmp_path / "2023.xlsx")
    write_central(later, path, title_year=True)
    result = run_cli(runner, "compare", years["old_path"], path)
    assert result.exit_code == 2 and result.stdout == ""
    assert "2021 年" in result.stderr and "2023 年" in result.stderr and "只比较相邻的两个年度" in result.stderr
    new_path, _ = _new(years, tmp_path)
    swapped = run_cli(runner, "compare", new_path, years["old_path"])
    assert swapped.exit_code == 2 and "请把上年的工作簿放在前面" in swapped.stderr


def test_a_final_workbook_against_a_budget_is_refused(years, tmp_path, runner):
    path = str(tmp_path / "预算.xlsx")
    write_budget(budget(0, year=2022), path)
    result = run_cli(runner, "compare", years["old_path"], path)
    assert result.exit_code == 2 and "--cycle" in result.stderr


def test_an_unreadable_workbook_is_exit_2_naming_it(years, tmp_path, runner):
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"PK\x03\x04 not a zip")
    result, doc = _compare(runner, years["old_path"], str(bad))
    assert result.exit_code == 2 and str(bad) in result.stderr
    assert doc["files"][1]["error"] and doc["findings"] == [] and doc["changes"] == []
    assert bad.read_bytes() == b"PK\x03\x04 not a zip"


def test_two_budget_years_compare_item_by_item_with_their_report(tmp_path, runner):
    old, new = budget(7, year=2022), budget(8, year=2023)
    old_path, new_path = str(tmp_path / "2022预算.xlsx"), str(tmp_path / "2023预算.xlsx")
    write_budget(old, old_path)
    write_budget(new, new_path, yuan=("YS03",))  # this year's 部门支出总表 in 元: changes are still in one unit
    before, after = (Decimal(b.cents("YS03", "合计", "基本支出")).scaleb(-2) for b in (old, new))
    d = after - before
    text = tmp_path / "预算说明.txt"
    text.write_text(f"2023年基本支出预算{after:,.2f}万元，比上年{'增加' if d >= 0 else '减少'}{abs(d):,.2f}万元，"
                    f"{'增长' if d >= 0 else '下降'}{(abs(d) / before * 100).quantize(Decimal('0.01')) + 1}%。\n",
                    encoding="utf-8")
    result, doc = _compare(runner, old_path, new_path, "--report", str(text))
    assert result.exit_code == 1
    basic = next(c for c in doc["changes"] if c["item"] == "基本支出")
    assert (basic["table_id"], basic["unit"], basic["old"], basic["new"]) == (
        "YS03", "元", f"{before * 10000:.0f}", f"{after * 10000:.0f}")
    assert [(f["rule"], f["line"]) for f in doc["findings"]] == [("CMP.change", 1)]
    assert not any(f["rule"].startswith("Y05") for f in doc["findings"])
