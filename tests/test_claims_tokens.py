"""The tokenizer of report sentences: quantities and units, full/half width, list markers, cue words."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qidong_audit.claims.tokens import normalise, tokenize


def quantities(text: str) -> list[tuple]:
    return [(str(t.value), t.decimals, t.unit, t.quantity, t.qualifier) for t in tokenize(text) if t.quantity]


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokenize(text)]


@pytest.mark.parametrize("text, expected", [
    ("基本支出940.12万元", [("940.12", 2, "万元", "money", "")]),
    ("公务接待费252.5元", [("252.5", 1, "元", "money", "")]),
    ("支出3.5亿元，另有1.2亿", [("3.5", 1, "亿元", "money", ""), ("1.2", 1, "亿元", "money", "")]),
    ("项目支出7.46 万元", [("7.46", 2, "万元", "money", "")]),
    ("办结14,896件", [("14896", 0, "件", "count", "")]),
    ("来电１４，３５８次", [("14358", 0, "次", "count", "")]),  # full-width digits and comma
    ("增长3.8 %", [("3.8", 1, "%", "percent", "")]),
    ("占99.28％", [("99.28", 2, "%", "percent", "")]),
    ("共10个批次、92人次，3辆", [("10", 0, "批次", "count", ""), ("92", 0, "人次", "count", ""), ("3", 0, "辆", "count", "")]),
    ("服务1.2万人次", [("12000.0", -3, "人次", "count", "")]),  # known to ±500
    ("提高2个百分点", [("2", 0, "个百分点", "points", "")]),
    ("满意率达99.28%以上", [("99.28", 2, "%", "percent", "以上")]),
    ("约5万元，不足3%", [("5", 0, "万元", "money", "约"), ("3", 0, "%", "percent", "不足")]),
    ("金额2,940.05万元", [("2940.05", 2, "万元", "money", "")]),
])
def test_quantities_and_units(text, expected):
    assert quantities(text) == expected


def test_dates_document_numbers_and_bare_numbers_are_not_claims():
    text = "根据《通知》(祁财绩字〔2022〕32号)，2021年度、2022年5月18号、1月1日-12月10日，“12345”热线"
    assert quantities(text) == []
    assert [k for k, _ in kinds(text) if k == "DATE"] == ["DATE"] * 5
    assert ("NUM", "12345") in kinds(text)


@pytest.mark.parametrize("text, marker", [
    ("1、基本支出", "1、"), ("(1)工资福利支出", "(1)"), ("（一）主要职责", "（一）"), ("一、收入", "一、"),
    ("一是认真做好", "一是"), ("①收入", "①"), ("1.预算控制率", "1."), ("2 、保证", "2 、"),
])
def test_list_markers(text, marker):
    assert tokenize(text)[0].kind == "ENUM" and tokenize(text)[0].text == marker


def test_a_decimal_is_not_a_list_marker():
    assert quantities("1.5万元") == [("1.5", 1, "万元", "money", "")]
    assert tokenize("1.5万元")[0].kind == "NUM"


@pytest.mark.parametrize("text, kind", [
    ("其中", "QIZHONG"), ("包括", "BAOKUO"), ("依次为", "YICI"), ("具体如下", "RUXIA"), ("主要用于以下方面", "MAINLY"),
    ("分别为", "FENBIE"), ("分别占", "FENBIEZHAN"), ("均为", "JUN"), ("均已办结", "ALLDONE"),
    ("占比", "ZHANBI"), ("比重", "ZHANBI"), ("占", "ZHAN"), ("完成预算的", "COMPLETE"), ("预算执行率", "COMPLETE"),
    ("与上年相比", "CMP"), ("较上年", "CMP"), ("同比", "CMP"), ("比上年", "CMP"), ("较2020年", "CMP"),
    ("上年为", "PREV"), ("上年决算数为", "PREV"),
    ("增加", "INC"), ("增长", "INC"), ("上升", "INC"), ("减少", "DEC"), ("下降", "DEC"), ("降低", "DEC"),
])
def test_cue_words(text, kind):
    assert [t.kind for t in tokenize(text) if t.kind != "WORD"][0] == kind


def test_duo_and_shao_are_directions_only_before_a_number():
    assert [t.kind for t in tokenize("比上年多5万元，少3万元")][:3] == ["CMP", "INC", "NUM"]
    assert "DEC" in [t.kind for t in tokenize("少3万元")]
    assert [t.kind for t in tokenize("多项工作，少数人")] == ["WORD", "COMMA", "WORD"]


def test_offsets_point_into_the_text_as_written():
    text = "收入总计１，２３４.５６万元（占１００％）"
    money, pct = [t for t in tokenize(text) if t.quantity]
    assert text[money.start:money.end] == "１，２３４.５６万元" and money.value == Decimal("1234.56")
    assert text[pct.start:pct.end] == "１００％" and pct.value == 100
    assert normalise(text) == "收入总计1,234.56万元(占100%)"
    assert len(normalise("①㎡")) == 2  # characters that NFKC would expand stay as they are
