"""Each within-table rule family on a small inline workbook: exact findings, exact cells."""

from tests.conftest import JS03_MERGES, T, js03, project, run_json, write_xlsx

CLEAN_JS03 = [
    [None, None, None, "合计", "120.00", "100.00", "20.00"],
    ["201", None, None, "一般公共服务支出", "100.00", "80.00", "20.00"],
    ["201", "03", None, "政府办公厅（室）及相关机构事务", "100.00", "80.00", "20.00"],
    ["201", "03", "01", "行政运行", "80.00", "80.00", None],
    ["201", "03", "02", "一般行政管理事务", "20.00", None, "20.00"],
    ["208", None, None, "社会保障和就业支出", "20.00", "20.00", None],
    ["208", "05", None, "行政事业单位养老支出", "20.00", "20.00", None],
    ["208", "05", "05", "机关事业单位基本养老保险缴费支出", "20.00", "20.00", None],
    ["注：本表反映部门本年度各项支出情况。"],
]


def _js03(tmp_path, rows, name="t.xlsx"):
    return str(write_xlsx(tmp_path / name, {"表3": js03(rows)}, {"表3": JS03_MERGES}))


def test_clean_table_has_no_errors(tmp_path, runner):
    code, doc = run_json(runner, _js03(tmp_path, CLEAN_JS03))
    assert project(doc, "rule") == []
    assert doc["summary"]["errors"] == 0
    assert code == 0


def test_row_total_error_names_the_cells(tmp_path, runner):
    rows = [list(r) for r in CLEAN_JS03]
    rows[3][4] = "81.00"  # 行政运行 本年支出合计: 81 ≠ 80 + 0
    code, doc = run_json(runner, _js03(tmp_path, rows))
    assert code == 1
    found = project(doc, "rule", "cell", "expected", "actual", "difference")
    assert ("JS03.row", "E11", "80.00", "81.00", "1.00") in found
    # the same cell also breaks its 款 (E10 = E11 + E12)
    assert ("JS03.tree", "E10", "101.00", "100.00", "-1.00") in found
    row_finding = next(f for f in doc["findings"] if f["rule"] == "JS03.row")
    assert [(c["cell"], c["value"], c["role"]) for c in row_finding["cells"]] == [
        ("E11", "81.00", "total"),
        ("F11", "80.00", "part"),
        ("G11", None, "part"),
        ("H11", None, "part"),
        ("I11", None, "part"),
        ("J11", None, "part"),
    ]
    assert row_finding["tolerance"] == "0.01"
    assert row_finding["sheet"] == "表3"


def test_tree_derives_class_from_codes_with_lost_leading_zeros(tmp_path, runner):
    rows = [list(r) for r in CLEAN_JS03]
    for r in rows[1:8]:  # 款/项 stored as numbers: "05" became 5
        r[1] = int(r[1]) if r[1] else None
        r[2] = int(r[2]) if r[2] else None
    rows[5][4], rows[5][5] = "21.00", "21.00"  # 208 class row says 21 while its 款 says 20
    code, doc = run_json(runner, _js03(tmp_path, rows))
    found = project(doc, "rule", "cell", "expected", "actual")
    assert ("JS03.tree", "E13", "20.00", "21.00") in found  # 208 ≠ Σ 20805
    assert ("JS03.tree", "E8", "121.00", "120.00") in found  # 合计 ≠ Σ类
    assert code == 1


def test_rounding_gap_is_info_not_error(tmp_path, runner):
    rows = [list(r) for r in CLEAN_JS03]
    rows[0][4:7] = ["947.59", "940.12", "7.46"]
    rows[1][4:7] = ["947.59", "940.12", "7.47"]
    rows[2][4:7] = ["947.59", "940.12", "7.47"]
    rows[3][4:7] = ["940.12", "940.12", None]
    rows[4][4:7] = ["7.47", None, "7.47"]
    rows[5][4:7] = rows[6][4:7] = rows[7][4:7] = [None, None, None]
    code, doc = run_json(runner, _js03(tmp_path, rows))
    infos = project(doc, "rule", "verdict", "cell", "difference", "tolerance", severity="info")
    assert infos[:2] == [
        ("JS03.row", "rounding", "E8", "0.01", "0.015"),  # 940.12 + 7.46 = 947.58 vs 947.59
        ("JS03.tree", "rounding", "G8", "-0.01", "0.01"),  # 项目支出 7.46 vs its class 7.47
    ]
    assert project(doc, "rule") == [] and code == 0


def test_text_amounts_and_dashes(tmp_path, runner):
    rows = [list(r) for r in CLEAN_JS03]
    rows[0][4:7] = [T("1,20.00".replace(",", "")), T("100.00"), T("20.00")]
    rows[1][4] = T("１００.００")
    rows[3][6] = T("-")
    rows[5][6] = T("—")
    code, doc = run_json(runner, _js03(tmp_path, rows))
    assert project(doc, "rule") == [] and code == 0


def test_bad_amount_text_is_an_error(tmp_path, runner):
    rows = [list(r) for r in CLEAN_JS03]
    rows[3][5] = T("八十")
    code, doc = run_json(runner, _js03(tmp_path, rows))
    assert ("QA.bad-amount", "F11") in project(doc, "rule", "cell")
    assert code == 1


def test_hidden_precision_is_a_warning(tmp_path, runner):
    rows = [list(r) for r in CLEAN_JS03]
    rows[3][4], rows[3][5] = "80.004", "80.004"
    code, doc = run_json(runner, _js03(tmp_path, rows))
    warnings = project(doc, "rule", "cell", severity="warning")
    assert ("QA.hidden-precision", "E11") in warnings and ("QA.hidden-precision", "F11") in warnings


def test_single_code_column_and_total_last(tmp_path, runner):
    head = [
        ["2021年度支出决算表"],
        ["单位：万元"],
        ["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出"],
    ]
    body = [
        [201, "一般公共服务支出", "100.00", "80.00", "20.00"],
        [20103, "政府办公厅（室）及相关机构事务", "100.00", "80.00", "20.00"],
        [T("2010301"), "行政运行", "80.00", "80.00", None],
        [T("201 03 02"), "一般行政管理事务", "20.00", None, "20.00"],
        [None, "合计", "100.00", "80.00", "20.00"],
    ]
    path = write_xlsx(tmp_path / "s.xlsx", {"Sheet1": head + body})
    code, doc = run_json(runner, str(path))
    assert project(doc, "rule") == [] and code == 0
    body[2][2] = "79.00"
    path = write_xlsx(tmp_path / "s2.xlsx", {"Sheet1": head + body})
    code, doc = run_json(runner, str(path))
    assert ("JS03.row", "C6") in project(doc, "rule", "cell")
    assert ("JS03.tree", "C5") in project(doc, "rule", "cell")
