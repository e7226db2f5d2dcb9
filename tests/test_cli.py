"""The CLI contract: exit codes, JSON shape, output handling, rules files — through CliRunner and a real process."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import JS03_MERGES, js03, project, run_cli, run_json, write_xlsx

CLEAN = [
    [None, None, None, "合计", "100.00", "100.00", None],
    ["201", None, None, "一般公共服务支出", "100.00", "100.00", None],
]


def _clean(tmp_path, name="clean.xlsx", rows=CLEAN):
    return str(write_xlsx(tmp_path / name, {"Sheet1": js03(rows)}, {"Sheet1": JS03_MERGES}))


def test_sample_reports_the_seed_reports_inconsistency(runner):
    code, doc = run_json(runner)
    assert code == 1
    assert doc["files"][0]["path"].endswith(".xlsx") and doc["files"][0]["error"] is None
    assert [t["table_id"] for t in doc["files"][0]["tables"]] == [f"JS0{i}" for i in range(1, 10)]
    by_rule = {f["rule"]: f for f in doc["findings"] if f["severity"] == "error"}
    total = by_rule["JS01.expense-total"]
    # the eleven 类 rows add to 940.12 while 本年支出合计 is 947.59
    assert (total["expected"], total["actual"], total["difference"], total["verdict"]) == ("940.12", "947.59", "7.47", "inconsistent")
    assert total["sheet"] == "收入支出决算总表"
    assert {c["value"] for c in total["cells"] if c["role"] == "part"} >= {"805.57", "14.17", "2.36", "2.52", "35.26", "14.74", "5.90", "25.48", "17.59"}
    # 基本支出 940.12 + 项目支出 7.46 = 947.58 against 947.59 is rounding, not an error
    rounding = [f for f in doc["findings"] if f["rule"] == "JS03.row"]
    assert [(f["severity"], f["verdict"], f["expected"], f["actual"], f["tolerance"]) for f in rounding] == [
        ("info", "rounding", "947.58", "947.59", "0.015")
    ]


def test_json_contract_shape(runner):
    code, doc = run_json(runner)
    assert set(doc) == {"schema_version", "tool", "rounding", "summary", "files", "findings"}
    assert doc["schema_version"] == 1 and doc["tool"]["name"] == "qidong-audit"
    assert doc["rounding"] == {"mode": "interval", "tolerance": None}
    assert set(doc["summary"]) == {"files", "errors", "warnings", "infos", "ok"}
    assert doc["summary"]["ok"] is False
    assert set(doc["files"][0]["tables"][0]) == {"sheet", "table_id", "title", "unit", "range"}
    keys = {"id", "rule", "severity", "verdict", "message", "file", "sheet", "cell", "cells", "expected", "actual",
            "difference", "tolerance", "suggestion", "line", "excerpt",
            "diagnosis", "candidates", "consequences", "explained_by"}  # additions: diagnosis
    for f in doc["findings"]:
        assert set(f) == keys
        for k in ("expected", "actual", "difference", "tolerance"):
            assert f[k] is None or isinstance(f[k], str)
    ids = [f["id"] for f in doc["findings"]]
    assert len(ids) == len(set(ids))
    assert ids == [f["id"] for f in run_json(runner)[1]["findings"]]  # stable across runs


def test_clean_workbook_exit_0_and_json_always_written(tmp_path, runner):
    code, doc = run_json(runner, _clean(tmp_path))
    assert code == 0 and doc["summary"]["errors"] == 0 and doc["summary"]["ok"] is True


def test_fail_on_levels(tmp_path, runner):
    rows = [list(r) for r in CLEAN]
    rows[1][4:6] = ["100.004", "100.004"]  # hidden precision: a warning, no error
    path = _clean(tmp_path, rows=rows)
    assert run_cli(runner, "check", path).exit_code == 0
    assert run_cli(runner, "check", path, "--fail-on", "warning").exit_code == 1
    assert run_cli(runner, "check", path, "--fail-on", "never").exit_code == 0


def test_rounding_modes(tmp_path, runner):
    rows = [[None, None, None, "合计", "947.59", "940.12", "7.46"], ["201", None, None, "一般公共服务支出", "947.59", "940.12", "7.46"]]
    path = _clean(tmp_path, rows=rows)
    assert run_cli(runner, "check", path).exit_code == 0
    code, doc = run_json(runner, path, "--rounding", "exact")
    assert code == 1 and doc["rounding"]["mode"] == "exact"
    assert ("JS03.row", "E8", "0.01", "0.00") in project(doc, "rule", "cell", "difference", "tolerance")
    code, doc = run_json(runner, path, "--tolerance", "0.005")
    assert code == 1 and doc["rounding"] == {"mode": "tolerance", "tolerance": "0.005"}
    assert run_cli(runner, "check", path, "--tolerance", "0.01").exit_code == 0


def test_unreadable_file_exit_2_others_still_audited(tmp_path, runner):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not a zip")
    good = _clean(tmp_path)
    result = run_cli(runner, "check", "--format", "json", str(bad), good)
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert [f["error"] is None for f in doc["files"]] == [False, True]
    assert "broken.xlsx" in result.stderr and "Traceback" not in result.stderr + result.stdout


def test_folder_is_searched_recursively(tmp_path, runner):
    (tmp_path / "a" / "b").mkdir(parents=True)
    _clean(tmp_path / "a", "1.xlsx")
    _clean(tmp_path / "a" / "b", "2.xlsx")
    (tmp_path / "a" / "notes.txt").write_text("x")
    code, doc = run_json(runner, str(tmp_path / "a"))
    assert code == 0 and [Path(f["path"]).name for f in doc["files"]] == ["1.xlsx", "2.xlsx"]


def test_output_file_and_refusing_to_overwrite_input(tmp_path, runner):
    path = _clean(tmp_path)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    result = run_cli(runner, "check", path, "--output", path)
    assert result.exit_code == 2 and "输入" in result.stderr
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest
    out = tmp_path / "r.json"
    result = run_cli(runner, "check", path, "-f", "json", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text("utf-8"))["summary"]["errors"] == 0
    assert "0 个错误" in result.stderr


def test_table_output_names_file_table_and_cell(tmp_path, runner):
    rows = [list(r) for r in CLEAN]
    rows[1][4] = "90.00"
    result = run_cli(runner, "check", _clean(tmp_path, rows=rows))
    assert result.exit_code == 1
    out = result.stdout
    assert "clean.xlsx" in out and "JS03 支出决算表" in out and "Sheet1!E9" in out and "JS03.row" in out
    assert "1 个文件：" in result.stderr


def test_bad_options_exit_2(tmp_path, runner):
    assert run_cli(runner, "check", "--tolerance", "abc").exit_code == 2
    assert run_cli(runner, "check", "--format", "xml").exit_code == 2
    assert run_cli(runner, "check", str(tmp_path / "missing.xlsx")).exit_code == 2


def test_inspect_json(tmp_path, runner):
    result = run_cli(runner, "inspect", _clean(tmp_path), "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    t = doc["files"][0]["tables"][0]
    assert (t["table_id"], t["unit"], t["header_rows"], t["rows"]) == ("JS03", "万元", [4, 5, 6, 7], 2)
    assert t["columns"][:3] == [
        {"cell": "E6", "key": "本年支出合计"},
        {"cell": "F6", "key": "基本支出"},
        {"cell": "G6", "key": "项目支出"},
    ]
    assert doc["files"][0]["unrecognised"] == []


def test_rules_list_and_show(runner):
    result = run_cli(runner, "rules")
    assert result.exit_code == 0 and "JS01.expense-total" in result.stdout and "X11" in result.stdout
    result = run_cli(runner, "rules", "show", "X11")
    assert result.exit_code == 0
    assert "JS05[合计, 基本支出] = JS06[人员经费合计] + JS06[公用经费合计]" in result.stdout
    assert run_cli(runner, "rules", "show", "NOPE").exit_code == 2


def test_installed_console_script_audits_bundled_sample(tmp_path):
    """`qidong-audit check` from another directory: the installed package ships the sample."""
    exe = Path(sys.executable).with_name("qidong-audit")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "qidong_audit"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(cmd + ["check", "--format", "json"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert any(f["rule"] == "JS01.expense-total" and f["difference"] == "7.47" for f in doc["findings"])
    proc = subprocess.run([sys.executable, "-m", "qidong_audit", "--help"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0 and "check" in proc.stdout


def test_suggest_rounding_and_year(tmp_path, runner):
    rows = [[None, None, None, "合计", "947.59", "940.12", "7.46"], ["201", None, None, "一般公共服务支出", "947.59", "940.12", "7.47"]]
    path = _clean(tmp_path, rows=rows)
    code, doc = run_json(runner, path)
    assert all(f["suggestion"] is None for f in doc["findings"])
    code, doc = run_json(runner, path, "--suggest-rounding", "--year", "2019")
    advice = [(f["rule"], f["suggestion"]) for f in doc["findings"] if f["suggestion"]]
    assert advice == [
        ("JS03.row", {"sheet": "Sheet1", "cell": "G8", "value": "7.47", "kind": "rounding"}),
        ("JS03.tree", {"sheet": "Sheet1", "cell": "G8", "value": "7.47", "kind": "rounding"}),
    ]
    assert code == 0
    assert "舍位平衡建议：Sheet1!G8 调整为 7.47" in next(f["diagnosis"] for f in doc["findings"] if f["suggestion"])


def test_diagnosis_in_table_and_json(tmp_path, runner):
    rows = [
        [None, None, None, "合计", "100.00", "100.00", None],
        ["201", None, None, "一般公共服务支出", "100.00", "100.00", None],
        ["201", "03", None, "政府办公厅（室）及相关机构事务", "100.00", "100.00", None],
        ["201", "03", "01", "行政运行", "100.00", "10.00", None],  # 100.00 typed as 10.00
    ]
    path = _clean(tmp_path, rows=rows)
    code, doc = run_json(runner, path)
    primary = [f for f in doc["findings"] if f["severity"] == "error" and f["explained_by"] is None]
    assert [(f["cell"], f["suggestion"]) for f in primary] == [
        ("F11", {"sheet": "Sheet1", "cell": "F11", "value": "100.00", "kind": "decimal-shift"})
    ]
    assert primary[0]["diagnosis"] == "最可能的错误：Sheet1!F11 10.00 → 100.00（小数点错位）（1 个问题，2 项检查不符）"
    out = run_cli(runner, "check", path).stdout
    assert "最可能的错误" in out and "小数点错位" in out and "Sheet1!F11" in out


def test_inspect_names_code_layout_and_unrecognised_sheets(tmp_path, runner):
    import openpyxl

    path = tmp_path / "mixed.xlsx"
    write_xlsx(path, {"Sheet1": js03(CLEAN), "说明": [["本单位决算情况说明"], ["一、部门基本情况"]]}, {"Sheet1": JS03_MERGES})
    doc = json.loads(run_cli(runner, "inspect", str(path), "--format", "json").stdout)
    t = doc["files"][0]["tables"][0]
    assert (t["code_layout"], t["printed_title"], t["unit_stated"], t["decimals"]) == ("类|款|项", "支出决算表", True, 2)
    assert doc["files"][0]["unrecognised"] == ["说明"]
    text = run_cli(runner, "inspect", str(path)).stdout
    assert "未识别的工作表「说明」" in text and "分列 类|款|项" in text
    assert openpyxl.load_workbook(path).sheetnames == ["Sheet1", "说明"]


@pytest.mark.parametrize("command", ["check", "inspect", "report", "compare", "template", "rules"])
def test_a_run_builds_only_its_command_and_says_the_same(runner, command):
    """main() builds just the command it runs (cli.build_app); its help and errors read as the whole app's."""
    from qidong_audit.cli import app, build_app

    for args in ([command, "--help"], [command, "--no-such-option"]):
        whole, alone = runner.invoke(app, args), runner.invoke(build_app(command), args)
        assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output)
    assert len(build_app(command).registered_commands) + len(build_app(command).registered_groups) == 1


def test_the_command_collects_garbage_seldom():
    """The CLI's process raises the collector's threshold (cli._GC_THRESHOLD): what a command makes lives to its
    end. As a library the package leaves the host's collector alone."""
    script = (
        "import atexit, gc, sys\n"
        "from qidong_audit import cli\n"
        "import qidong_audit.audit\n"
        "assert gc.get_threshold()[0] != 20000, gc.get_threshold()  # importing changes nothing\n"
        "atexit.register(lambda: print(gc.get_threshold()[0]))\n"
        "sys.argv = ['qidong-audit', '--version']\n"
        "cli.main()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "20000"


def test_a_folder_is_walked_once(tmp_path, runner, monkeypatch):
    """`check` counts the files for its progress bar and audits the same list: the folder is searched once."""
    import qidong_audit.audit as audit

    (tmp_path / "sub").mkdir()
    write_xlsx(tmp_path / "sub" / "a.xlsx", {"支出": js03([])}, {"支出": JS03_MERGES})
    write_xlsx(tmp_path / "b.xlsx", {"支出": js03([])}, {"支出": JS03_MERGES})
    walks = []
    real = audit.discover

    def counting(paths, glob=None):
        walks.extend(p for p in paths if Path(p).is_dir())
        return real(paths, glob)

    monkeypatch.setattr(audit, "discover", counting)
    code, doc = run_json(runner, str(tmp_path), "--jobs", "1")
    assert [Path(f["path"]).name for f in doc["files"]] == ["b.xlsx", "a.xlsx"]
    assert walks == [str(tmp_path)]
