"""Verdicts on a report's claims under the rounding model: exact, rounding (info), inconsistent, not checkable."""

from __future__ import annotations

from decimal import Decimal

from qidong_audit.catalog import load_catalog
from qidong_audit.claims.grammar import extract_text
from qidong_audit.claims.verdicts import Judge
from qidong_audit.numbers import RoundingPolicy


def judge(text: str, policy: RoundingPolicy | None = None):
    catalog = load_catalog(2021)
    return Judge(extract_text(text, catalog), "r.txt", policy or RoundingPolicy(), None, catalog).run()


def project(text: str, policy: RoundingPolicy | None = None) -> list[tuple]:
    """(rule, severity, verdict, expected, actual) of every finding: the frictionless flatten idiom."""
    return [(f.rule, f.severity.value, f.verdict.value, _s(f.expected), _s(f.actual)) for f in judge(text, policy)]


def _s(d: Decimal | None) -> str | None:
    return None if d is None else format(d, "f")


# --- a total and its parts ----------------------------------------------------------------------------------

def test_sum_exact_rounding_and_inconsistent():
    assert project("支出总计947.59万元，其中：基本支出940.13万元、项目支出7.46万元。") == []
    assert project("支出总计947.59万元，其中：基本支出940.12万元、项目支出7.46万元。") == [
        ("TXT.sum", "info", "rounding", "947.58", "947.59")]
    assert project("财政拨款支出合计947.59万元，其中：一般公共服务（类）支出805.57万元；公共安全（类）支出134.55万元。") == [
        ("TXT.sum", "error", "inconsistent", "940.12", "947.59")]


def test_a_zero_written_0_is_known_to_the_reports_precision():
    # 0万元 in a report of 0.01 万元 is [−0.005, 0.005], not ±0.5: 1.00 ≠ 0 + 0 + 0.50
    assert project("收入总计1.00万元，其中：事业收入0万元，其他收入0万元，财政拨款收入0.50万元。") == [
        ("TXT.sum", "error", "inconsistent", "0.50", "1.00")]


def test_single_part_and_main_parts_may_fall_short_but_not_exceed():
    assert project("财政拨款收入合计947.59万元，其中：一般公共预算财政拨款收入900.00万元。") == []
    assert project("财政拨款收入合计947.59万元，其中：一般公共预算财政拨款收入950.00万元。") == [
        ("TXT.sum", "error", "inconsistent", "947.59", "950.00")]
    assert project("支出900.00万元，主要用于：教育（类）支出700.00万元、卫生健康（类）支出100.00万元。") == []
    assert project("支出900.00万元，主要用于：教育（类）支出700.00万元、卫生健康（类）支出300.00万元。") == [
        ("TXT.sum", "error", "inconsistent", "900.00", "1000.00")]


def test_exact_mode_and_a_fixed_tolerance():
    text = "支出总计947.59万元，其中：基本支出940.12万元、项目支出7.46万元。"
    assert project(text, RoundingPolicy("exact")) == [("TXT.sum", "error", "inconsistent", "947.58", "947.59")]
    assert project(text, RoundingPolicy("tolerance", Decimal("0.005"))) == [("TXT.sum", "error", "inconsistent", "947.58", "947.59")]
    assert project(text, RoundingPolicy("tolerance", Decimal("0.02"))) == [("TXT.sum", "info", "rounding", "947.58", "947.59")]


# --- shares -------------------------------------------------------------------------------------------------

def test_share_of_a_base_named_elsewhere_in_the_report():
    base = "2021年度财政拨款支出合计947.59万元。"
    assert project(base + "项目支出7.46万元,占财政拨款支出总额的0.79%。") == []
    assert project(base + "项目支出7.46万元,占财政拨款支出总额的0.80%。") == [("TXT.share", "error", "inconsistent", "0.79", "0.80")]


def test_stated_100_percent_is_a_claim_of_totality():
    base = "2021年度财政拨款支出合计947.59万元。"
    (f,) = judge(base + "基本支出940.12万元,占财政拨款支出总额的100%。")
    assert (f.rule, f.severity.value, f.expected, f.actual) == ("TXT.share", "error", Decimal("99.21"), Decimal(100))
    assert f.line == 1 and f.excerpt == "基本支出940.12万元,占财政拨款支出总额的100%。"
    assert project(base + "基本支出947.59万元,占财政拨款支出总额的100%。") == []
    # 99.6% would round to 100%, but 100% says "all of it"
    assert project("支出1000.00万元，其中：基本支出996.00万元，占100%；项目支出4.00万元，占0%。") == [
        ("TXT.share", "error", "inconsistent", "99.60", "100"), ("TXT.share", "error", "inconsistent", "0", "0")]


def test_share_rounding_is_info():
    # 1/3 = 33.33…%: "33.34%" is out by one in the last digit, but 1.00 may be 1.004 and 3.00 may be 2.995
    assert project("支出3.00万元，其中：基本支出1.00万元，占33.34%；项目支出2.00万元，占66.67%。") == [
        ("TXT.share", "info", "rounding", "33.33", "33.34")]


def test_grouped_zeros_and_a_zero_with_a_share():
    assert project("事业收入、经营收入、其他收入三项均为0万元，占比均为0%。") == []
    assert project("事业收入、经营收入两项均为0万元，占比均为10%。") == [
        ("TXT.share", "error", "inconsistent", "0", "10"), ("TXT.share", "error", "inconsistent", "0", "10")]


def test_share_without_a_base_is_not_checkable():
    (f,) = judge("项目支出20.00万元，占比30%。")
    assert (f.rule, f.severity.value, f.verdict.value) == ("TXT.unchecked", "info", "not-assessable")
    assert "无法核对" in f.message


# --- changes ------------------------------------------------------------------------------------------------

def test_changes_consistent_in_every_order():
    for text in ("三公经费支出12.00万元，与上年相比减少3.00万元，下降20%。",
                 "公务接待费支出4.00万元，较上年增长25%，增加0.80万元。",
                 "基本支出80.00万元，比上年多10.00万元，上年为70.00万元。",
                 "项目支出20.00万元，同比下降20.00%，少5.00万元。",
                 "机关运行经费支出3.5亿元，比上年上升0.5亿元，增长 16.7 %。"):
        assert project(text) == [], text


def test_changes_inconsistent():
    assert project("三公经费支出12.00万元，与上年相比减少3.00万元，下降25%。") == [("TXT.change", "error", "inconsistent", "-20.00", "-25")]
    assert project("基本支出80.00万元，比上年多10.00万元，上年为60.00万元。") == [("TXT.change", "error", "inconsistent", "70.00", "80.00")]
    assert project("项目支出20.00万元，比上年增加25.00万元，增长5%。")[0][:3] == ("TXT.change", "error", "inconsistent")


def test_growth_from_zero_is_not_checkable():
    (f,) = judge("2021年度“三公”经费支出决算为0.87万元,与上年相比,增加了0.87万元,增加100%。")
    assert (f.rule, f.verdict.value) == ("TXT.unchecked", "not-assessable") and "上年数为零" in f.message


# --- completion, unit slips, balance ----------------------------------------------------------------------------

def test_completion():
    assert project("“三公”经费预算数为15.00万元，决算数为12.00万元，完成预算的80%。") == []
    assert project("“三公”经费预算数为15.00万元，决算数为12.00万元，完成预算的90%。") == [
        ("TXT.completion", "error", "inconsistent", "80.00", "90")]
    assert project("“三公”经费预算数为15.00万元，决算数为12.00万元，完成预算的100%。") == [
        ("TXT.completion", "warning", "inconsistent", "80.00", "100")]
    assert project("因公出国（境）费支出决算为0万元，完成预算的5%。") == [("TXT.completion", "error", "inconsistent", "0", "5")]
    assert [f.rule for f in judge("公务接待费支出决算为5万元，完成预算的71.43%。")] == ["TXT.unchecked"]


def test_unit_slip_against_the_same_item():
    findings = judge("2022年度公务接待费支出252.5元。公务接待费252.50万元，比上年减少10.00万元。")
    assert [(f.rule, f.severity.value, f.line) for f in findings] == [("TXT.unit", "error", 1)]
    assert "252.5元 的单位疑为「万元」之误" in findings[0].message
    findings = judge("2021年度公务接待费支出300.00万元，2022年度公务接待费支出252.5元。")
    assert [(f.rule, f.cells[0].value) for f in findings] == [("TXT.unit", "252.5")]


def test_unit_slip_inside_a_list():
    findings = judge("公用经费100.00万元，其中：办公费60.00万元、印刷费40.00元、差旅费0万元。")
    assert [(f.rule, f.cells[0].value) for f in findings] == [("TXT.unit", "40.00")]
    assert project("公用经费100.00万元，其中：办公费60.00万元、印刷费400000元、差旅费0万元。") == []
    # a 元 figure read as 万元 must not merely vanish into the rounding to "fix" a list
    assert [f.rule for f in judge("三公经费0.87万元。具体如下：\n1、因公出国（境）费3万元。\n2、公务接待费0.87万元。")] == ["TXT.sum"]


def test_legitimate_yuan_figures_are_left_alone():
    assert project("收入总计1.50万元，其中：财政拨款收入5000元，其他收入10000元。") == []


def test_income_total_equals_expenditure_total():
    assert project("2022年度收、支总计分别为120.50万元、120.50万元。") == []
    assert project("2022年度收、支总计分别为120.50万元、121.50万元。") == [("TXT.balance", "error", "inconsistent", "121.50", "120.50")]


# --- soft logic ---------------------------------------------------------------------------------------------

def test_part_larger_than_whole_in_counts():
    (f,) = judge("“12345”政府服务热线接打市民来电总量达14358次,共办结14,896件,工单综合办结率达99.28%。")
    assert (f.rule, f.severity.value, f.expected, f.actual, f.difference) == (
        "TXT.count", "warning", Decimal(14358), Decimal(14896), Decimal(538))
    assert [c.role for c in f.cells] == ["total", "part"]
    assert project("共有车辆2辆，其中：一般公务用车3辆。") == [("TXT.count", "warning", "inconsistent", "2", "3")]
    assert project("网站发布10234条信息，其中动态信息3109条，目录2901条。") == []


def test_all_done_with_a_rate_below_100():
    assert project("信箱共受理投诉281件,均已办结到位,办结率、满意率达99.28%以上。") == [
        ("TXT.done", "warning", "inconsistent", "100", "99.28")]
    assert project("信箱共受理投诉281件,均已办结,办结率100%。") == []


def test_finding_ids_are_stable_and_distinct():
    text = "支出总计947.59万元，其中：基本支出940.12万元、项目支出7.46万元。\n整体支出947.59万元，其中基本支出940.12万元、项目支出7.46万元。"
    ids = [f.id for f in judge(text)]
    assert len(ids) == 2 and len(set(ids)) == 2 and ids == [f.id for f in judge(text)]
