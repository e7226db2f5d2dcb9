"""Rules against the classification catalogue: unknown codes, names that do not match, subjects of
another fund, economic codes on the wrong side — with severity following how sure the catalogue is."""

from __future__ import annotations

from tests.conftest import project, run_json, write_xlsx


def _js05(rows, title="一般公共预算财政拨款支出决算表"):
    head = [[f"2021年度{title}"], ["单位：万元"], ["科目编码", None, None, "科目名称", "合计", "基本支出", "项目支出"], ["类", "款", "项"]]
    return head + rows


MERGES = ["A3:C3", "D3:D4", "E3:E4", "F3:F4", "G3:G4"]


def _run(tmp_path, runner, rows, title="一般公共预算财政拨款支出决算表", *extra):
    path = write_xlsx(tmp_path / "c.xlsx", {"S": _js05(rows, title)}, {"S": MERGES})
    return run_json(runner, str(path), *extra)


def test_fund_subject_in_general_budget_table_is_an_error(tmp_path, runner):
    rows = [
        ["212", None, None, "城乡社区支出", "7.46", None, "7.46"],
        ["212", "08", None, "国有土地使用权出让收入安排的支出", "7.46", None, "7.46"],
        ["212", "08", "99", "其他国有土地使用权出让收入安排的支出", "7.46", None, "7.46"],
        [None, None, None, "合计", "7.46", None, "7.46"],
    ]
    code, doc = _run(tmp_path, runner, rows)
    assert project(doc, "rule", "cell") == [("CAT.fund.JS05", "E6"), ("CAT.fund.JS05", "E7")]
    assert "政府性基金" in doc["findings"][0]["message"]
    assert code == 1


def test_unknown_class_is_an_error_unknown_item_only_a_hint(tmp_path, runner):
    rows = [
        ["299", None, None, "不存在的类", "1.00", "1.00", None],
        ["201", None, None, "一般公共服务支出", "1.00", "1.00", None],
        ["201", "03", None, "政府办公厅（室）及相关机构事务", "1.00", "1.00", None],
        ["201", "03", "97", "某个未收录的项", "1.00", "1.00", None],
        [None, None, None, "合计", "2.00", "2.00", None],
    ]
    code, doc = _run(tmp_path, runner, rows)
    found = project(doc, "rule", "cell", "severity", severity=None)
    assert ("CAT.exists", "E5", "error") in found
    assert ("CAT.exists", "E8", "info") in found
    assert code == 1


def test_name_that_does_not_match_its_code(tmp_path, runner):
    rows = [
        ["208", None, None, "社会保障和就业支出", "1.00", "1.00", None],
        ["208", "05", None, "行政事业单位养老支出", "1.00", "1.00", None],
        ["208", "05", "05", "机关事业单位基本养老保险缴费支出", "1.00", "1.00", None],
        ["221", None, None, "社会保障和就业支出", "0.00", None, None],  # 221 is 住房保障支出
        [None, None, None, "合计", "1.00", "1.00", None],
    ]
    code, doc = _run(tmp_path, runner, rows)
    names = [f for f in doc["findings"] if f["rule"] == "CAT.name"]
    assert [(f["cell"], f["severity"]) for f in names] == [("E8", "warning")]
    assert "住房保障支出" in names[0]["message"]
    assert code == 0


def test_renamed_class_is_accepted_under_its_old_name_in_its_years(tmp_path, runner):
    rows = [
        ["210", None, None, "医疗卫生与计划生育支出", "1.00", "1.00", None],
        [None, None, None, "合计", "1.00", "1.00", None],
    ]
    code, doc = _run(tmp_path, runner, rows)
    assert [f for f in doc["findings"] if f["rule"].startswith("CAT")] == []


def test_general_subject_in_fund_table(tmp_path, runner):
    head = [["政府性基金预算财政拨款收入支出决算表"], ["单位：万元"],
            ["科目编码", "科目名称", "年初结转和结余", "本年收入", "本年支出", None, None, "年末结转和结余"],
            [None, None, None, None, "小计", "基本支出", "项目支出"]]
    rows = [
        [None, "合计", None, "5.00", "5.00", None, "5.00", None],
        [201, "一般公共服务支出", None, "5.00", "5.00", None, "5.00", None],
    ]
    merges = ["A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:G3", "H3:H4"]
    path = write_xlsx(tmp_path / "f.xlsx", {"基金": head + rows}, {"基金": merges})
    code, doc = run_json(runner, str(path))
    fund = [(f["rule"], f["cell"], f["severity"]) for f in doc["findings"] if f["rule"].startswith("CAT.fund")]
    assert fund == [("CAT.fund.JS08", "C6", "warning")]  # 201's fund is unconfirmed in our catalogue: a warning


def test_sample_reports_land_fund_subject_under_general_budget(runner):
    code, doc = run_json(runner)
    fund = [(f["rule"], f["severity"], f["message"].split("〕")[0].split("〔")[1]) for f in doc["findings"] if f["rule"] == "CAT.fund.JS05"]
    assert fund == [
        ("CAT.fund.JS05", "error", "21208 国有土地使用权出让收入安排的支出"),
        ("CAT.fund.JS05", "error", "2120899 其他国有土地使用权出让收入安排的支出"),
    ]
