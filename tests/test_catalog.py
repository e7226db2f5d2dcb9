"""The 政府收支分类科目 catalogue: lookups, funds, renames, and the integrity of the shipped data."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from importlib import resources

import pytest

from qidong_audit.catalog import (
    FIRST_YEAR,
    FUNDS,
    GROUPS,
    LAST_YEAR,
    Alias,
    Subject,
    load_catalog,
    normalise_name,
    parse_code,
)

YEARS = range(FIRST_YEAR, LAST_YEAR + 1)
LEVEL_LENGTH = {"类": 3, "款": 5, "项": 7}


def _raw(filename: str) -> tuple[str, list[dict]]:
    text = resources.files("qidong_audit.catalog").joinpath("data").joinpath(filename).read_text(encoding="utf-8")
    return text, tomllib.loads(text)["subjects"]


@pytest.fixture(scope="module")
def cat():
    return load_catalog(2021)


# -- functional lookups ------------------------------------------------------------------


def test_class_201(cat):
    s = cat.functional("201")
    assert (s.code, s.name, s.level, s.fund) == ("201", "一般公共服务支出", "类", "一般公共预算")
    assert s.group is None


def test_item_2010601_sits_under_20106(cat):
    item = cat.functional("2010601")
    assert (item.name, item.level, item.parent_code) == ("行政运行", "项", "20106")
    parent = cat.parent("2010601")
    assert (parent.code, parent.name, parent.level) == ("20106", "财政事务", "款")
    assert item in cat.children("20106")
    assert cat.parent("20106").code == "201"
    assert cat.parent("201") is None


@pytest.mark.parametrize("code", ["2120899", 2120899, "212 08 99", "212-08-99", "２１２０８９９", " 2120899\t"])
def test_code_forms_are_accepted(cat, code):
    s = cat.functional(code)
    assert s is not None and s.code == "2120899"
    assert s.name == "其他国有土地使用权出让收入安排的支出"


@pytest.mark.parametrize("code", ["", "abc", "2012", "20101011", "-201", True, None, 2.5])
def test_bad_codes_give_none(cat, code):
    assert parse_code(code) is None
    assert cat.functional(code) is None
    assert cat.fund_of(code) is None
    assert cat.children(code) == ()


def test_funds(cat):
    assert cat.fund_of("2120899") == "政府性基金"
    assert cat.functional("2120899").fund == "政府性基金"
    assert cat.fund_of("2010101") == "一般公共预算"
    assert cat.fund_of("21208") == "政府性基金"
    assert cat.fund_of("22301") == "国有资本经营"
    assert cat.fund_of("20901") == "社会保险基金"
    # 项 inherit the fund of their 款, even one the catalogue does not list
    assert cat.functional("2120888") is None
    assert cat.fund_of("2120888") == "政府性基金"
    # a 类 whose 款 span funds has none; a single-fund 类 has that fund
    assert cat.functional("212").fund is None
    assert cat.fund_of("212") is None
    assert cat.functional("210").fund == "一般公共预算"
    assert cat.functional("223").fund == "国有资本经营"


@pytest.mark.parametrize(
    "code",
    ["20707", "20822", "21208", "21210", "21213", "21214", "21366", "21367", "21369",
     "21460", "21462", "21463", "21464", "22904", "22960", "23204", "23304"],
)
def test_government_fund_kuan(cat, code):
    assert cat.functional(code).fund == "政府性基金"


@pytest.mark.parametrize("code", ["20106", "20805", "21011", "22102", "20502", "23203", "23303"])
def test_general_budget_kuan(cat, code):
    assert cat.functional(code).fund == "一般公共预算"


# -- renames ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "new", "old", "until"),
    [
        ("210", "卫生健康支出", "医疗卫生与计划生育支出", 2018),
        ("207", "文化旅游体育与传媒支出", "文化体育与传媒支出", 2018),
        ("220", "自然资源海洋气象等支出", "国土海洋气象等支出", 2018),
        ("215", "资源勘探工业信息等支出", "资源勘探信息等支出", 2019),
    ],
)
def test_renamed_classes_keep_old_names(code, new, old, until):
    cat = load_catalog(2021)
    s = cat.functional(code)
    assert s.name == new
    assert [a.until for a in s.aliases if a.name == old] == [until]
    assert cat.functional_by_name(old) == (s,)
    assert s in cat.functional_by_name(new)


def test_alias_years_decide_the_name():
    assert load_catalog(2019).functional("215").name == "资源勘探信息等支出"
    assert Alias("资源勘探工业信息等支出", 2020, None) in load_catalog(2019).functional("215").aliases
    assert load_catalog(2020).functional("215").name == "资源勘探工业信息等支出"
    assert load_catalog(2020).functional("21305").name == "扶贫"
    assert load_catalog(2021).functional("21305").name == "巩固脱贫攻坚成果衔接乡村振兴"
    assert load_catalog(2024).functional_by_name("扶贫")[0].code == "21305"


def test_names_are_normalised(cat):
    s = cat.functional("20103")
    assert s.name == "政府办公厅（室）及相关机构事务"
    assert cat.functional_by_name("政府办公厅(室) 及相关机构事务") == (s,)
    assert normalise_name(" 因公出国（境）费用\u3000") == "因公出国(境)费用"


def test_name_lookup_returns_every_match(cat):
    hits = cat.functional_by_name("行政运行")
    assert len(hits) > 20
    assert all(h.level == "项" and h.code.endswith("01") for h in hits)
    assert [h.code for h in hits] == sorted(h.code for h in hits)
    assert cat.functional_by_name("no such subject") == ()


def test_year_limits():
    assert load_catalog(2019).functional("234") is None
    kangyi = load_catalog(2020).functional("234")
    assert (kangyi.name, kangyi.fund) == ("抗疫特别国债安排的支出", "政府性基金")
    assert load_catalog(2021).functional("23401").fund == "政府性基金"
    assert load_catalog(2023).functional("20139") is None
    assert load_catalog(2024).functional("20139").name == "社会工作事务"


# -- economic -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "group"),
    [
        ("30217", "公务接待费", "公用经费"),
        ("31013", "公务用车购置", "公用经费"),
        ("30231", "公务用车运行维护费", "公用经费"),
        ("30212", "因公出国（境）费用", "公用经费"),
        ("30101", "基本工资", "人员经费"),
        ("30302", "退休费", "人员经费"),
        ("301", "工资福利支出", "人员经费"),
        ("302", "商品和服务支出", "公用经费"),
        ("303", "对个人和家庭的补助", "人员经费"),
        ("310", "资本性支出", "公用经费"),
    ],
)
def test_economic_subjects(cat, code, name, group):
    s = cat.economic(code)
    assert (s.code, s.name, s.group, s.fund) == (code, name, group, None)
    assert s.level == ("类" if len(code) == 3 else "款")
    assert s.confirmed


def test_economic_name_lookup(cat):
    assert [s.code for s in cat.economic_by_name("公务接待费")] == ["30217"]
    assert [s.code for s in cat.economic_by_name("因公出国(境)费用")] == ["30212"]
    assert [s.code for s in cat.economic_by_name("因公出国（境）费")] == ["30212"]  # the 三公 table's spelling
    assert {s.code for s in cat.economic_by_name("公务用车购置")} == {"30913", "31013"}
    assert cat.economic("30212").name == "因公出国（境）费用"  # an undated alias never replaces the name


def test_economic_and_functional_sets_are_separate(cat):
    assert cat.functional("30217") is None
    assert cat.economic("2010601") is None
    assert [s.code for s in cat.economic_children("303")][-1] == "30399"
    assert all(s.parent_code == "302" for s in cat.economic_children("302"))


def test_personnel_and_public_groups(cat):
    by_group = {g: {s.code for s in cat.economic_subjects() if s.level == "类" and s.group == g} for g in GROUPS}
    assert by_group["人员经费"] == {"301", "303"}
    assert {"302", "307", "309", "310", "399"} <= by_group["公用经费"]


# -- structure and caching ---------------------------------------------------------------


@pytest.mark.parametrize("year", YEARS)
def test_hierarchy_is_whole(year):
    cat = load_catalog(year)
    subjects = cat.functional_subjects()
    codes = [s.code for s in subjects]
    assert len(codes) == len(set(codes))
    for s in subjects:
        assert len(s.code) == LEVEL_LENGTH[s.level] and s.code.isdigit()
        if s.level != "类":
            assert cat.functional(s.parent_code) is not None, f"{s.code} has no parent in {year}"
        if s.level == "款":
            assert s.fund in FUNDS, s.code
        if s.level == "项":
            assert s.fund == cat.functional(s.parent_code).fund, s.code
        if s.level == "类" and cat.children(s.code):
            kuan_funds = {k.fund for k in cat.children(s.code)}
            assert s.fund == (kuan_funds.pop() if len(kuan_funds) == 1 else None), s.code
    assert sum(s.level == "类" for s in subjects) >= 27


def test_economic_structure(cat):
    for s in cat.economic_subjects():
        assert len(s.code) == LEVEL_LENGTH[s.level] and s.level in ("类", "款")
        assert s.group in GROUPS and s.fund is None
        if s.level == "款":
            assert cat.economic(s.parent_code).group == s.group


@pytest.mark.parametrize("filename", ["functional.toml", "economic.toml"])
def test_data_files_have_unique_codes_and_documented_sources(filename):
    text, entries = _raw(filename)
    codes = [e["code"] for e in entries]
    assert len(codes) == len(set(codes))
    header = text.split("subjects = [")[0]
    assert "Sources" in header
    for e in entries:
        assert isinstance(e["confirmed"], bool)
        if e["confirmed"]:
            assert e.get("src"), f"{e['code']} is confirmed without a source"
        for tag in e.get("src", ()):
            assert re.search(rf"^#\s+{re.escape(tag)}\s", header, re.M), f"source {tag} is not described"


def test_loading_is_cached():
    assert load_catalog(2021) is load_catalog(2021)
    assert load_catalog() is load_catalog(LAST_YEAR)
    assert load_catalog().year == LAST_YEAR
    assert load_catalog(2021).year == 2021
    assert load_catalog(2030).year == LAST_YEAR  # outside the covered years: nearest year
    assert load_catalog(2010).year == FIRST_YEAR
    with pytest.raises(TypeError):
        load_catalog("2021")


def test_subjects_are_frozen_slotted(cat):
    s = cat.functional("201")
    assert isinstance(s, Subject)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.name = "x"
    assert not hasattr(s, "__dict__")
