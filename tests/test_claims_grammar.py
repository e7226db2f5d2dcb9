"""The claim grammar, one phrasing at a time: what a report says, as figures and claims (no verdicts here)."""

from __future__ import annotations

from qidong_audit.claims.grammar import extract_text


def breakdowns(text: str) -> list[tuple]:
    return [(b.total.name, b.total.qty.plain, tuple((p.name, p.qty.plain) for p in b.parts), b.partial)
            for b in extract_text(text).breakdowns]


def shares(text: str) -> list[tuple]:
    return [(s.part.name, s.part.qty.plain, s.pct.plain, s.base_name, s.base.name if s.base else None)
            for s in extract_text(text).shares]


def changes(text: str) -> list[tuple]:
    out = []
    for c in extract_text(text).changes:
        out.append((c.current.name if c.current else None, c.current.qty.plain if c.current else None,
                    str(c.delta_sign * c.delta.value) if c.delta else None, str(c.rate_sign * c.rate.value) if c.rate else None,
                    c.previous.plain if c.previous else None))
    return out


def figures(text: str) -> list[tuple]:
    return [(f.name, f.qty.plain, f.qty.unit, f.basis) for f in extract_text(text).figures]


# --- totals and their parts --------------------------------------------------------------------------------

def test_total_with_qizhong_parts():
    text = "2021年度收入总计947.59万元,其中:财政拨款收入947.59万元,事业收入0万元,其他收入0万元."
    assert breakdowns(text) == [("收入总计", "947.59", (("财政拨款收入", "947.59"), ("事业收入", "0"), ("其他收入", "0")), False)]


def test_parts_separated_by_semicolons_and_class_names():
    text = "财政拨款支出合计947.59万元，其中：一般公共服务支出（类）支出805.57万元；公共安全（类）支出14.17万元。"
    (total, value, parts, _), = breakdowns(text)
    assert (total, value) == ("财政拨款支出合计", "947.59")
    assert parts == (("一般公共服务支出(类)支出", "805.57"), ("公共安全(类)支出", "14.17"))
    assert [f.item.key for f in extract_text(text).figures] == ["财政拨款支出", "功能:201", "功能:204"]


def test_baokuo_with_amounts_and_without():
    assert breakdowns("基本支出100万元，包括人员经费80万元、公用经费20万元。") == [
        ("基本支出", "100", (("人员经费", "80"), ("公用经费", "20")), False)]
    # 包括 followed by names only lists nothing; 不包括 is no cue at all
    assert breakdowns("工资福利支出519.44万元，包括基本工资、津贴补贴。接待共92人次（不包括陪同人员）。") == []


def test_numbered_parts_with_their_own_baokuo():
    text = ("1、基本支出940.12万元,占财政拨款支出总额的100%,其中:(1)工资福利支出519.44万元,包括基本工资、津贴补贴;"
            "(2)商品和服务支出420.68万元,包括办公费、印刷费。")
    assert breakdowns(text) == [("基本支出", "940.12", (("工资福利支出", "519.44"), ("商品和服务支出", "420.68")), False)]


def test_yici_wei_after_a_total():
    text = "本年支出合计100.00万元，按支出功能分类依次为：一般公共服务支出60.00万元、教育支出40.00万元。"
    assert breakdowns(text) == [("支出合计", "100.00", (("一般公共服务支出", "60.00"), ("教育支出", "40.00")), False)]


def test_list_across_paragraphs_with_nested_lists():
    text = "\n".join([
        "2021年度“三公”经费支出决算为0.87万元,与上年相比,增加了0.87万元,增加100%。具体支出如下:",
        "1、因公出国(境)费支出0万元,全年因公出国(境)团组共计0个,累计0人次。",
        "2、公务接待费支出0.87万元,其中:外事接待支出0万元,国内公务接待支出0.87万元。",
        "3、公务用车购置及运行费支出0万元,其中:公务用车购置支出0万元,公务用车运行支出0万元。",
        "三、项目支出情况",
        "1、项目支出7.46万元。",
    ])
    assert breakdowns(text) == [
        ("公务接待费支出", "0.87", (("外事接待支出", "0"), ("国内公务接待支出", "0.87")), False),
        ("公务用车购置及运行费支出", "0", (("公务用车购置支出", "0"), ("公务用车运行支出", "0")), False),
        ("三公经费支出", "0.87", (("因公出国(境)费支出", "0"), ("公务接待费支出", "0.87"), ("公务用车购置及运行费支出", "0")), False),
    ]


def test_numbered_items_across_sentences_of_one_paragraph():
    text = "支出合计30万元，其中：1、基本支出10万元。2、项目支出20万元。"
    assert breakdowns(text) == [("支出合计", "30", (("基本支出", "10"), ("项目支出", "20")), False)]


def test_qizhong_opening_a_sentence_lists_the_previous_sentences_total():
    assert breakdowns("支出总计947.59万元。其中：基本支出940.12万元、项目支出7.46万元。") == [
        ("支出总计", "947.59", (("基本支出", "940.12"), ("项目支出", "7.46")), False)]
    # but not when words stand before it and nothing in its sentence is a total
    assert breakdowns("共有设备3台。组织绩效自评，其中，一级项目5个，二级项目20个。") == []
    # "在基本支出中，…" lists the parts of a total stated before
    assert breakdowns("基本支出940.12万元。在基本支出中，人员经费519.44万元，公用经费420.68万元。") == [
        ("基本支出", "940.12", (("人员经费", "519.44"), ("公用经费", "420.68")), False)]
    assert breakdowns("今年工作中，完成了100件。") == []


def test_nested_list_gives_way_to_a_sibling_of_its_total():
    text = "收入总计100万元，其中：财政拨款收入80万元，其中一般公共预算财政拨款收入80万元，事业收入20万元。"
    assert breakdowns(text) == [
        ("财政拨款收入", "80", (("一般公共预算财政拨款收入", "80"),), False),
        ("收入总计", "100", (("财政拨款收入", "80"), ("事业收入", "20")), False),
    ]


def test_sub_items_of_a_part_are_not_siblings():
    assert breakdowns("支出100万元，其中：基本支出60万元，人员经费50万元，项目支出40万元。") == [
        ("支出", "100", (("基本支出", "60"), ("项目支出", "40")), False)]


def test_mainly_lists_main_parts_only():
    text = "一般公共预算财政拨款支出900.00万元，主要用于以下方面：一般公共服务（类）支出700.00万元，占77.78%。"
    assert breakdowns(text) == [("一般公共预算财政拨款支出", "900.00", (("一般公共服务(类)支出", "700.00"),), True)]


# --- shares -------------------------------------------------------------------------------------------------

def test_share_of_a_named_base():
    assert shares("项目支出7.46万元,占财政拨款支出总额的0.79%。") == [("项目支出", "7.46", "0.79", "财政拨款支出总额", None)]


def test_share_in_a_list_takes_the_lists_total_and_zhanbi_and_bizhong():
    text = "收入总计1,234.56万元，其中：财政拨款收入1,000.00万元，占81.00%；其他收入234.56万元，占比19.00%。"
    assert shares(text) == [("财政拨款收入", "1000.00", "81.00", "", "收入总计"), ("其他收入", "234.56", "19.00", "", "收入总计")]
    assert shares("本年收入合计300万元，其中财政拨款收入200万元，所占比重为66.67%。") == [
        ("财政拨款收入", "200", "66.67", "", "收入合计")]
    assert shares("项目支出20万元，占总支出比重为20%。") == [("项目支出", "20", "20", "总支出", None)]


def test_fenbie_zhan():
    text = "基本支出、项目支出分别为80.00万元、20.00万元，分别占本年支出合计的80%和20%。"
    assert shares(text) == [("基本支出", "80.00", "80", "支出合计", None), ("项目支出", "20.00", "20", "支出合计", None)]
    text = "其中基本支出80万元、项目支出20万元，分别占80%、20%。"
    assert shares("支出100万元，" + text) == [("基本支出", "80", "80", "", "支出"), ("项目支出", "20", "20", "", "支出")]


# --- changes ------------------------------------------------------------------------------------------------

def test_change_phrasings():
    assert changes("三公经费支出12.00万元，与上年相比减少3.00万元，下降20%。") == [("三公经费支出", "12.00", "-3.00", "-20", None)]
    assert changes("公务接待费支出4.00万元，较上年增长25%，增加0.80万元。") == [("公务接待费支出", "4.00", "0.80", "25", None)]
    assert changes("基本支出80.00万元，比上年多10.00万元，上年为70.00万元。") == [("基本支出", "80.00", "10.00", None, "70.00")]
    assert changes("项目支出20.00万元，同比下降20.00%，少5.00万元。") == [("项目支出", "20.00", "-5.00", "-20.00", None)]
    assert changes("公用经费12.30万元，比上年降低1.50万元。") == [("公用经费", "12.30", "-1.50", None, None)]
    assert changes("机关运行经费支出3.5亿元，比上年上升0.5亿元，增长 16.7 %。") == [("机关运行经费支出", "3.5", "0.5", "16.7", None)]


def test_change_of_an_item_named_after_its_level():
    text = "2022年度一般公共预算财政拨款支出900.00万元。与上年相比，一般公共预算财政拨款支出增加100.00万元，增长12.5%。"
    assert changes(text) == [("一般公共预算财政拨款支出", "900.00", "100.00", "12.5", None)]
    text = "2022年度收、支总计均为1,234.56万元。与上年相比，收、支总计各增加123.45万元，增长11.11%。"
    assert changes(text) == [("支出总计", "1234.56", "123.45", "11.11", None)]


def test_from_to_and_last_year_figures():
    assert changes("支出由100万元增加到120万元，增长20%。") == [("支出", "120", None, "20", "100")]
    assert figures("上年支出总计为90万元。")[0][3] == "上年"


# --- paired lists, grouped zeros, counts, completion --------------------------------------------------------

def test_paired_lists():
    assert figures("2022年度收、支总计分别为120.50万元、120.50万元。") == [
        ("收入总计", "120.50", "万元", "决算"), ("支出总计", "120.50", "万元", "决算")]
    assert figures("财政拨款收、支总计均为900万元。") == [
        ("财政拨款收入总计", "900", "万元", "决算"), ("财政拨款支出总计", "900", "万元", "决算")]
    assert figures("基本支出和项目支出分别为80万元和20万元。") == [
        ("基本支出", "80", "万元", "决算"), ("项目支出", "20", "万元", "决算")]


def test_grouped_zeros():
    text = "上级补助收入、事业收入、经营收入、附属单位上缴收入、其他收入、使用非财政拨款结余六项均为0万元，占比均为0%。"
    c = extract_text(text)
    assert [(f.name, f.qty.plain) for f in c.figures] == [
        ("上级补助收入", "0"), ("事业收入", "0"), ("经营收入", "0"), ("附属单位上缴收入", "0"), ("其他收入", "0"), ("使用非财政拨款结余", "0")]
    assert [(s.part.name, s.pct.plain) for s in c.shares] == [(f.name, "0") for f in c.figures]
    assert [(f.name, f.qty.plain) for f in extract_text("六项均为0万元，占比均为0%。").figures] == [("", "0")]


def test_counts_and_cases_handled():
    text = "“12345”热线来电总量达14,358次,共办结14,896件。国内公务接待共10个批次、92人次，公务用车保有量为3辆。"
    c = extract_text(text)
    assert [(f.name, f.qty.plain, f.qty.unit) for f in c.figures] == [
        ("热线来电总量", "14358", "次"), ("办结", "14896", "件"), ("国内公务接待", "10", "批次"),
        ("国内公务接待", "92", "人次"), ("公务用车保有量", "3", "辆")]
    assert [(h.received.qty.plain, h.done.qty.plain) for h in c.handled] == [("14358", "14896")]
    c = extract_text("信箱共受理投诉281件,均已办结到位,办结率、满意率达99.28%以上。")
    assert [[(r.name, r.qty.plain, r.qty.qualifier) for r in a.rates] for a in c.all_done] == [[("办结率", "99.28", "以上")]]


def test_completion_with_both_figures():
    c = extract_text("“三公”经费预算数为15.00万元，决算数为12.00万元，完成预算的80%。")
    (x,) = c.completions
    assert (x.budget.qty.plain, x.budget.basis, x.actual.qty.plain, x.actual.basis, x.rate.plain) == ("15.00", "预算", "12.00", "决算", "80")
    assert x.actual.item.key == "三公经费"  # "决算数为" alone names the item of the figure before it
    c = extract_text("三公经费预算为20万元，支出决算为15万元，预算执行率为75%。因公出国（境）费支出决算为0万元，完成预算的0%。")
    assert [(x.budget and x.budget.qty.plain, x.actual.qty.plain, x.rate.plain) for x in c.completions] == [
        ("20", "15", "75"), (None, "0", "0")]


def test_units_and_widths_within_one_text():
    text = "收入总计１，２３４.５６万元，公务接待费252.5元，另有3.5亿元；满意率3.8 ％。"
    assert [(f.qty.plain, f.qty.unit) for f in extract_text(text).figures] == [
        ("1234.56", "万元"), ("252.5", "元"), ("3.5", "亿元"), ("3.8", "%")]


def test_lines_and_sentences_are_located():
    c = extract_text("标题\n\n收入总计10万元。支出总计10万元，其中基本支出10万元。")
    assert [(f.place.line, f.place.sentence) for f in c.figures] == [
        (3, "收入总计10万元。"), (3, "支出总计10万元，其中基本支出10万元。"), (3, "支出总计10万元，其中基本支出10万元。")]
