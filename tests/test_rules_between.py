"""Rule families on small inline workbooks: JS01 panels, the 三公 row, and between-table rules (X, Y)."""

from __future__ import annotations

from tests.conftest import JS03_MERGES, js03, project, run_json, write_xlsx

JS01 = [
    ["收入支出决算总表"],
    [None, None, None, None, None, "公开01表"],
    ["部门：测试单位", None, None, None, None, "金额单位：万元"],
    ["收入", None, None, "支出"],
    ["项目", "行次", "金额", "项目", "行次", "金额"],
    ["栏次", None, 1, "栏次", None, 2],
    ["一、一般公共预算财政拨款收入", 1, "100.00", "一、一般公共服务支出", 9, "100.00"],
    ["二、政府性基金预算财政拨款收入", 2, None, "二、社会保障和就业支出", 10, "20.00"],
    ["三、国有资本经营预算财政拨款收入", 3, None, None, None, None],
    ["四、上级补助收入", 4, None, None, None, None],
    ["五、事业收入", 5, "20.00", None, None, None],
    ["本年收入合计", 6, "120.00", "本年支出合计", 11, "120.00"],
    ["使用非财政拨款结余", 7, None, "结余分配", 12, None],
    ["年初结转和结余", 8, "5.00", "年末结转和结余", 13, "5.00"],
    ["总计", 9, "125.00", "总计", 14, "125.00"],
]
JS01_MERGES = ["A1:F1", "A4:C4", "D4:F4"]

JS03_ROWS = [
    [None, None, None, "合计", "120.00", "100.00", "20.00"],
    ["201", None, None, "一般公共服务支出", "100.00", "80.00", "20.00"],
    ["208", None, None, "社会保障和就业支出", "20.00", "20.00", None],
]

JS07 = [
    ["一般公共预算财政拨款“三公”经费支出决算表"],
    ["单位：万元"],
    ["预算数", None, None, None, None, None, "决算数"],
    ["合计", "因公出国（境）费", "公务用车购置及运行费", None, None, "公务接待费", "合计", "因公出国（境）费", "公务用车购置及运行费", None, None, "公务接待费"],
    [None, None, "小计", "公务用车购置费", "公务用车运行费", None, None, None, "小计", "公务用车购置费", "公务用车运行费", None],
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    ["3.00", None, "2.00", None, "2.00", "1.00", "2.50", None, "1.60", None, "1.60", "0.90"],
]
JS07_MERGES = ["A3:F3", "G3:L3", "C4:E4", "I4:K4", "A4:A5", "B4:B5", "F4:F5", "G4:G5", "H4:H5", "L4:L5"]


def _book(tmp_path, **tables):
    sheets, merges = {}, {}
    if "js01" in tables:
        sheets["总表"], merges["总表"] = tables["js01"], JS01_MERGES
    if "js03" in tables:
        sheets["支出"], merges["支出"] = js03(tables["js03"]), JS03_MERGES
    if "js07" in tables:
        sheets["三公"], merges["三公"] = tables["js07"], JS07_MERGES
    return str(write_xlsx(tmp_path / "b.xlsx", sheets, merges))


def _copy(rows):
    return [list(r) for r in rows]


def test_consistent_js01_js03_js07_are_silent(tmp_path, runner):
    code, doc = run_json(runner, _book(tmp_path, js01=JS01, js03=JS03_ROWS, js07=JS07))
    assert project(doc, "rule", "cell") == [] and code == 0
    tables = {t["table_id"]: t for t in doc["files"][0]["tables"]}
    assert set(tables) == {"JS01", "JS03", "JS07"}


def test_js01_panels_and_balances(tmp_path, runner):
    js01 = _copy(JS01)
    js01[11][2] = "121.00"  # 本年收入合计 C12
    code, doc = run_json(runner, _book(tmp_path, js01=js01, js03=JS03_ROWS))
    assert project(doc, "rule", "cell", "expected", "actual") == [
        ("JS01.income-total", "C12", "120.00", "121.00"),  # 一…八 add to 120
        ("JS01.income-grand", "C15", "126.00", "125.00"),  # 总计 = 121 + 0 + 5
    ]
    assert code == 1


def test_js01_expense_classes_against_js03(tmp_path, runner):
    js01 = _copy(JS01)
    js01[7][5] = "21.00"  # 二、社会保障和就业支出 F8: the 类 rows now add to 121
    code, doc = run_json(runner, _book(tmp_path, js01=js01, js03=JS03_ROWS))
    found = project(doc, "rule", "cell", "expected", "actual")
    assert ("JS01.expense-total", "F12", "121.00", "120.00") in found
    # X5: the class row itself disagrees with 支出决算表 208 (E10)
    assert ("X05", "F8", "20.00", "21.00") in found
    x05 = next(f for f in doc["findings"] if f["rule"] == "X05")
    assert [(c["sheet"], c["cell"], c["role"]) for c in x05["cells"]] == [("总表", "F8", "total"), ("支出", "E10", "part")]
    assert code == 1


def test_three_public_structure_both_stages(tmp_path, runner):
    js07 = _copy(JS07)
    js07[6][6] = "2.60"  # 决算数 合计 G7: 1.60 + 0.90 = 2.50
    js07[6][2] = "2.10"  # 预算数 车小计 C7: 购置 0 + 运行 2.00
    code, doc = run_json(runner, _book(tmp_path, js07=js07))
    found = project(doc, "rule", "cell", "expected", "actual")
    assert ("JS07.total", "G7", "2.50", "2.60") in found
    assert ("JS07.vehicles", "C7", "2.00", "2.10") in found
    assert ("JS07.total", "A7", "3.10", "3.00") in found  # the 小计 slip also breaks the 预算数 合计
    assert code == 1


def test_part_le_whole_inequality(tmp_path, runner):
    js06 = [
        ["一般公共预算财政拨款基本支出决算表"],
        ["单位：万元"],
        ["人员经费", None, None, "公用经费"],
        ["科目编码", "科目名称", "决算数", "科目编码", "科目名称", "决算数"],
        ["301", "工资福利支出", "10.00", "302", "商品和服务支出", "5.00"],
        ["30101", "基本工资", "10.00", "30217", "公务接待费", "5.00"],
        ["人员经费合计", None, "10.00", "公用经费合计", None, "5.00"],
    ]
    path = write_xlsx(tmp_path / "y.xlsx", {"三公": JS07, "基本": js06}, {"三公": JS07_MERGES, "基本": ["A3:C3", "D3:F3"]})
    code, doc = run_json(runner, str(path))
    found = project(doc, "rule", "cell", "expected", "actual")
    # 基本支出 30217 公务接待费 5.00 > “三公” 公务接待费 决算数 0.90
    assert ("Y03", "F6", "0.90", "5.00") in found
    assert code == 1


def test_missing_tables_are_not_assessable_infos(tmp_path, runner):
    code, doc = run_json(runner, _book(tmp_path, js03=JS03_ROWS))
    na = {f["rule"]: f for f in doc["findings"] if f["verdict"] == "not-assessable"}
    assert na["X04"]["severity"] == "info" and "收入支出决算总表" in na["X04"]["message"]
    assert code == 0
