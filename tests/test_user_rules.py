"""--rules: users' rules in the pack format; bad rules files exit 2 naming file, line and problem."""

from __future__ import annotations

from tests.conftest import JS03_MERGES, js03, project, run_cli, run_json, write_xlsx

ROWS = [
    [None, None, None, "合计", "100.00", "60.00", "40.00"],
    ["201", None, None, "一般公共服务支出", "100.00", "60.00", "40.00"],
    ["201", "03", None, "政府办公厅（室）及相关机构事务", "100.00", "60.00", "40.00"],
    ["201", "03", "01", "行政运行", "60.00", "60.00", None],
    ["201", "03", "02", "一般行政管理事务", "40.00", None, "40.00"],
]


def _wb(tmp_path):
    return str(write_xlsx(tmp_path / "w.xlsx", {"S": js03(ROWS)}, {"S": JS03_MERGES}))


def _rules(tmp_path, text: str):
    p = tmp_path / "mine.toml"
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_user_rule_by_label_and_code(tmp_path, runner):
    rules = _rules(
        tmp_path,
        """
[[rule]]
id = "LOCAL.project-share"
title = "项目支出不超过基本支出"
severity = "warning"
check = "JS03[合计, 项目支出] <= JS03[合计, 基本支出] - 30"

[[rule]]
id = "LOCAL.admin"
title = "行政运行不少于 70 万元"
severity = "error"
check = "JS03[#2010301, 本年支出合计] >= 70"
""",
    )
    code, doc = run_json(runner, _wb(tmp_path), "--rules", rules)
    assert project(doc, "rule", "cell", "actual", "expected", severity=None)[:2] == [
        ("LOCAL.admin", "E11", "60.00", "70.00"),
        ("LOCAL.project-share", "G8", "40.00", "30.00"),
    ]
    assert code == 1


def test_user_rule_for_each_row(tmp_path, runner):
    rules = _rules(
        tmp_path,
        """
[[rule]]
id = "LOCAL.no-project"
title = "行政运行类科目不列项目支出"
severity = "warning"
for = "JS03[@项]"
check = "JS03[$, 项目支出] <= 0"
""",
    )
    code, doc = run_json(runner, _wb(tmp_path), "--rules", rules)
    assert project(doc, "rule", "cell", severity="warning") == [("LOCAL.no-project", "G12")]
    assert code == 0


def _bad(tmp_path, runner, text):
    result = run_cli(runner, "check", _wb(tmp_path), "--rules", _rules(tmp_path, text))
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr + result.stdout
    return " ".join(result.stderr.split())


def test_bad_toml_names_line(tmp_path, runner):
    err = _bad(tmp_path, runner, '[[rule]]\nid = "A"\ntitle = "x"\ncheck = "JS03[合计, 基本支出] = 1\n')
    assert "mine.toml:4" in err and "TOML" in err


def test_unknown_table(tmp_path, runner):
    err = _bad(tmp_path, runner, '\n[[rule]]\nid = "A"\ntitle = "x"\ncheck = "JS99[合计, 基本支出] = 1"\n')
    assert "mine.toml:5" in err and "未知的表「JS99」" in err


def test_unknown_column_and_label(tmp_path, runner):
    err = _bad(tmp_path, runner, '[[rule]]\nid = "A"\ntitle = "x"\ncheck = "JS03[合计, 奖金] = 1"\n')
    assert "mine.toml:4" in err and "没有列「奖金」" in err
    err = _bad(tmp_path, runner, '[[rule]]\nid = "A"\ntitle = "x"\n\ncheck = "JS01[收入:不存在的行] = 1"\n')
    assert "mine.toml:5" in err and "没有行「不存在的行」" in err


def test_bad_expression(tmp_path, runner):
    err = _bad(tmp_path, runner, '[[rule]]\nid = "A"\ntitle = "x"\ncheck = "JS03[合计, 基本支出] 1"\n')
    assert "mine.toml:4" in err and "比较符" in err
    err = _bad(tmp_path, runner, '[[rule]]\nid = "A"\ntitle = "x"\nseverity = "fatal"\ncheck = "JS03[合计, 基本支出] = 1"\n')
    assert "mine.toml:4" in err and "severity" in err
    err = _bad(tmp_path, runner, '[[rule]]\nid = "A"\ntitle = "x"\ncheck = "JS03[$, 基本支出] = 1"\n')
    assert "没有 for" in err


def test_missing_rules_file(tmp_path, runner):
    result = run_cli(runner, "check", _wb(tmp_path), "--rules", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2 and "nope.toml" in result.stderr
