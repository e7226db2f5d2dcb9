"""Every output format, through the real CLI: a clean workbook and a failing one in each, the content each format
promises (Markdown tables, JUnit structure, SARIF against the 2.1.0 schema, GitHub workflow commands and their
escaping), --select/--ignore and --lang en."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.builders import clean_dataset, set_cell, write_central
from qidong_audit.cli.common import Format
from qidong_audit.render import BUILTIN_CHECKS, FORMATS
from tests.conftest import JS03_MERGES, js03, run_cli, write_xlsx

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0-subset.json"
JS03_SHEET, JS07_SHEET = "支出决算表", "一般公共预算财政拨款“三公”经费支出决算表"


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, str]:
    """A clean standard workbook (nine tables, no finding) and the same with two slips: JS03 201 基本支出 (F9)
    raised by 1.23 (errors) and JS07 决算数/公务接待费 (L8) given a hidden third decimal (a warning)."""
    folder = tmp_path_factory.mktemp("books")
    ds = clean_dataset(2, state_capital=True)
    clean = folder / "clean.xlsx"
    write_central(ds, clean)
    failing = folder / "failing.xlsx"
    written = write_central(ds, failing)
    assert written.cell_of("JS03", "201", "基本支出") == (JS03_SHEET, "F9")
    assert written.cell_of("JS07", "决算数", "公务接待费") == (JS07_SHEET, "L8")
    set_cell(failing, JS03_SHEET, "F9", ds.amount("JS03", "201", "基本支出") + Decimal("1.23"))
    set_cell(failing, JS07_SHEET, "L8", ds.amount("JS07", "决算数", "公务接待费") + Decimal("0.001"))
    return {"clean": str(clean), "failing": str(failing)}


def _rule_count(runner) -> int:
    """Rules in the pack plus the built-in checks: one JUnit test case each per workbook."""
    from qidong_audit.rules.pack import builtin_pack

    ids = {r.id for r in builtin_pack().rules} | set(BUILTIN_CHECKS)
    return len(ids - {"QA.waiver-unmatched"})


# --- one check per format: what a clean report and a failing report must say ---------------------------------

def _table(out: str, failing: bool) -> None:
    if failing:
        assert "JS03 支出决算表（工作表「支出决算表」，单位：万元）" in out
        assert "支出决算表!F9" in out and "JS03.tree" in out and "JS03.row" in out
        assert f"{JS07_SHEET}!L8" in out and "QA.hidden-precision" in out and "提示" in out
    else:
        assert "未发现问题。" in out


def _json(out: str, failing: bool) -> None:
    doc = json.loads(out)
    if failing:
        errors = {(f["rule"], f["sheet"], f["cell"]) for f in doc["findings"] if f["severity"] == "error"}
        assert ("JS03.tree", JS03_SHEET, "F9") in errors and any(r == "JS03.row" for r, _, _ in errors)
        assert [(f["rule"], f["cell"]) for f in doc["findings"] if f["severity"] == "warning"] == [("QA.hidden-precision", "L8")]
        assert doc["summary"]["ok"] is False
    else:
        assert doc["findings"] == [] and doc["summary"] == {"files": 1, "errors": 0, "warnings": 0, "infos": 0, "ok": True}


def _markdown(out: str, failing: bool) -> None:
    if failing:
        assert out.startswith("### ❌ qidong-audit：1 个文件：")
        assert "<details open><summary><b>" in out and "</details>" in out
        assert "| **错误** | `JS03.tree` | `支出决算表!F9` |" in out
        assert f"| 提示 | `QA.hidden-precision` | `{JS07_SHEET}!L8` |" in out
    else:
        assert out.startswith("### ✅ qidong-audit：1 个文件：0 个错误，0 个提示，0 条信息")
        assert "<details" not in out


def _junit(out: str, failing: bool) -> None:
    root = ET.fromstring(out.encode("utf-8"))
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert int(root.get("tests")) == int(suite.get("tests")) == len(cases)
    failed = {c.get("name").split(" ", 1)[0] for c in cases if c.find("failure") is not None}
    assert int(root.get("failures")) == int(suite.get("failures")) == len(failed)
    if failing:
        assert {"JS03.tree", "JS03.row"} <= failed and "QA.hidden-precision" not in failed
        hp = next(c for c in cases if c.get("name").startswith("QA.hidden-precision "))
        assert f"{JS07_SHEET}!L8" in hp.find("system-out").text
    else:
        assert failed == set()


def _sarif(out: str, failing: bool) -> None:
    doc = json.loads(out)
    _validate_sarif(doc)
    results = doc["runs"][0]["results"]
    if failing:
        names = {(r["ruleId"], r["level"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]) for r in results}
        assert ("JS03.tree", "error", f"{JS03_SHEET}!F9") in names
        assert ("QA.hidden-precision", "warning", f"{JS07_SHEET}!L8") in names
    else:
        assert results == []


def _github(out: str, failing: bool) -> None:
    lines = out.splitlines()
    if failing:
        assert any(line.startswith("::error file=") and "title=JS03.tree " in line and "::支出决算表!F9: " in line for line in lines)
        assert any(line.startswith("::warning file=") and f"::{JS07_SHEET}!L8: " in line for line in lines)
        assert any(line.startswith("::notice file=") and "title=JS07.total " in line for line in lines)
    else:
        assert lines == ["qidong-audit: 1 个文件：0 个错误，0 个提示，0 条信息"]


def _html(out: str, failing: bool) -> None:
    assert out.startswith("<!doctype html>") and out.rstrip().endswith("</html>")
    if failing:
        assert '<span class="badge error">错误</span>' in out and "<code>支出决算表!F9</code>" in out
    else:
        assert "未发现问题。" in out and 'class="badge error"' not in out


CHECKS = {"table": _table, "json": _json, "markdown": _markdown, "junit": _junit, "sarif": _sarif, "github": _github, "html": _html}


def test_every_format_has_a_renderer_and_a_test():
    """Adding a format to the enum without a renderer and a check here fails."""
    assert [f.value for f in Format] == list(FORMATS)
    assert set(CHECKS) == set(FORMATS)


@pytest.mark.parametrize("fmt", [f.value for f in Format])
def test_every_format_renders_clean_and_failing(fmt, books, runner, tmp_path):
    clean = run_cli(runner, "check", books["clean"], "--format", fmt)
    assert clean.exit_code == 0 and clean.stdout.strip(), clean.stderr
    CHECKS[fmt](clean.stdout, failing=False)
    failing = run_cli(runner, "check", books["failing"], "--format", fmt)
    assert failing.exit_code == 1
    CHECKS[fmt](failing.stdout, failing=True)
    out = tmp_path / f"report.{fmt}"
    written = run_cli(runner, "check", books["clean"], "--format", fmt, "--output", str(out))
    assert written.exit_code == 0 and written.stdout == ""
    assert out.read_text("utf-8") == clean.stdout
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


# --- Markdown -----------------------------------------------------------------------------------------------

ROWS = [  # E9 should be 100.00: 本年支出合计 ≠ 基本 + 项目 on row 9 (JS03.row), and 合计 ≠ Σ类 (JS03.tree)
    [None, None, None, "合计", "100.00", "60.00", "40.00"],
    ["201", None, None, "一般公共服务支出", "90.00", "60.00", "40.00"],
]
ROW_DETAIL = "〔201 一般公共服务支出〕本年支出合计 90.00 ≠ 基本支出+项目支出 100.00，差额 -10.00，容差 ±0.015"
ROW_TITLE = "支出决算表 本年支出合计 = 基本支出 + 项目支出 + 上缴上级支出 + 经营支出 + 对附属单位补助支出（逐行）"


def test_markdown_summary_table_and_escaping(tmp_path, runner):
    path = str(write_xlsx(tmp_path / "a|b.xlsx", {"支出|表": js03(ROWS)}, {"支出|表": JS03_MERGES}))
    result = run_cli(runner, "check", path, "--format", "markdown", "--select", "JS03.row")
    assert result.exit_code == 1
    escaped = path.replace("|", "\\|")
    assert result.stdout.splitlines() == [
        "### ❌ qidong-audit：1 个文件：1 个错误，0 个提示，0 条信息",
        "",
        "_舍入判定：区间（四舍五入容差）_",
        "",
        "| 文件 | 表 | 错误 | 提示 | 信息 | 已豁免 |",
        "|---|---|---|---|---|---|",
        f"| {escaped} | 1 | 1 | 0 | 0 | 0 |",
        "",
        f"<details open><summary><b>{escaped}</b> — 1 个错误，0 个提示，0 条信息</summary>",
        "",
        "| 级别 | 规则 | 单元格 | 应为 | 实为 | 差额 | 说明 |",
        "|---|---|---|---:|---:|---:|---|",
        f"| **错误** | `JS03.row` | `支出\\|表!E9` | 100.00 | 90.00 | -10.00 | {ROW_DETAIL} |",
        "",
        "</details>",
    ]


# --- JUnit --------------------------------------------------------------------------------------------------

def test_junit_one_case_per_rule_and_file_and_unreadable_files(books, tmp_path, runner):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 not a zip")
    result = run_cli(runner, "check", books["clean"], books["failing"], str(bad), "--format", "junit")
    assert result.exit_code == 2
    root = ET.fromstring(result.stdout.encode("utf-8"))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [books["clean"], books["failing"], str(bad)]
    n = _rule_count(runner)
    assert [len(s.findall("testcase")) for s in suites] == [n, n, 1]
    for suite in suites:
        for case in suite.findall("testcase"):
            assert case.get("classname") == suite.get("name") and case.get("time") == "0"
    broken = suites[2].find("testcase/error")
    assert broken is not None and broken.get("type") == "read-error" and "zip" in broken.get("message")
    assert root.get("errors") == "1" and int(root.get("tests")) == 2 * n + 1
    failure = next(c for c in suites[1].findall("testcase") if c.get("name").startswith("JS03.tree ")).find("failure")
    assert failure.get("type") == "JS03.tree" and failure.get("message").startswith("2 个错误：")
    assert "支出决算表!F9" in failure.text


# --- SARIF --------------------------------------------------------------------------------------------------

def _validate_sarif(doc: dict) -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text("utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [(list(e.path), e.message) for e in errors[:5]]


def test_sarif_rule_metadata_locations_and_fingerprints(books, runner, tmp_path, monkeypatch):
    monkeypatch.chdir(Path(books["failing"]).parent)
    result = run_cli(runner, "check", "failing.xlsx", "--format", "sarif")
    doc = json.loads(result.stdout)
    _validate_sarif(doc)
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    rules = {r["id"]: r for r in driver["rules"]}
    assert len(rules) == len(driver["rules"]) == _rule_count(runner) + 1
    assert rules["JS03.row"]["shortDescription"]["text"].startswith("支出决算表 本年支出合计 = 基本支出 + 项目支出")
    assert rules["JS03.row"]["defaultConfiguration"] == {"level": "error"}
    assert rules["QA.hidden-precision"]["defaultConfiguration"] == {"level": "warning"}
    json_doc = json.loads(run_cli(runner, "check", "failing.xlsx", "--format", "json").stdout)
    assert len(run["results"]) == len(json_doc["findings"])
    for result_, finding in zip(run["results"], json_doc["findings"]):
        assert driver["rules"][result_["ruleIndex"]]["id"] == result_["ruleId"] == finding["rule"]
        assert result_["partialFingerprints"] == {"qidongFindingId/v1": finding["id"]}
        location = result_["locations"][0]
        assert location["physicalLocation"]["artifactLocation"] == {"uri": "failing.xlsx"}
        if finding["cell"]:
            ref = f"{finding['sheet']}!{finding['cell']}"
            assert location["logicalLocations"] == [{"name": ref, "fullyQualifiedName": ref}]
        assert result_["properties"].get("expected") == finding["expected"]  # amounts stay strings
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]


def test_sarif_uri_is_percent_encoded_relative_or_file_uri(tmp_path, runner):
    from qidong_audit.render.sarif import uri

    assert uri("决算/部门 A.xlsx") == "%E5%86%B3%E7%AE%97/%E9%83%A8%E9%97%A8%20A.xlsx"
    assert uri("/srv/决算.xlsx") == "file:///srv/%E5%86%B3%E7%AE%97.xlsx"
    assert uri("C:\\决算\\a.xlsx") == "file:///C:/%E5%86%B3%E7%AE%97/a.xlsx"


# --- GitHub workflow commands -------------------------------------------------------------------------------

def test_github_escaping_follows_the_actions_toolkit():
    from qidong_audit.render.github import command, escape_data, escape_property

    assert escape_data("100%\r\nnext: a,b") == "100%25%0D%0Anext: a,b"
    assert escape_property("100%\r\nnext: a,b") == "100%25%0D%0Anext%3A a%2Cb"
    assert command("error", "a\nb", file="x,y:z.xlsx", line=None, title="T: 1,2") == "::error file=x%2Cy%3Az.xlsx,title=T%3A 1%2C2::a%0Ab"


def test_github_annotations_name_file_title_and_cell(tmp_path, runner):
    path = str(write_xlsx(tmp_path / "部门,100%.xlsx", {"S": js03(ROWS)}, {"S": JS03_MERGES}))
    result = run_cli(runner, "check", path, "--format", "github", "--select", "JS03.row")
    assert result.exit_code == 1
    file = path.replace("%", "%25").replace(":", "%3A").replace(",", "%2C")
    assert result.stdout.splitlines() == [
        f"::error file={file},title=JS03.row {ROW_TITLE}::S!E9: {ROW_DETAIL}",
        "qidong-audit: 1 个文件：1 个错误，0 个提示，0 条信息",
    ]


# --- --select / --ignore ------------------------------------------------------------------------------------

def _rules(runner, *args) -> list[str]:
    result = run_cli(runner, "check", "--format", "json", *args)
    return sorted({f["rule"] for f in json.loads(result.stdout)["findings"]})


def test_select_and_ignore_by_id_and_family(books, runner):
    failing = books["failing"]
    assert _rules(runner, failing) == ["JS03.row", "JS03.tree", "JS07.total", "QA.hidden-precision"]
    assert _rules(runner, failing, "--select", "JS03.") == ["JS03.row", "JS03.tree"]
    assert _rules(runner, failing, "--select", "JS03.row,QA.") == ["JS03.row", "QA.hidden-precision"]
    assert _rules(runner, failing, "--select", "JS", "--ignore", "JS03.tree") == ["JS03.row", "JS07.total"]
    assert _rules(runner, failing, "--ignore", "JS03.", "--ignore", "QA.hidden-precision") == ["JS07.total"]
    # ignored errors no longer fail the run, and JUnit lists only the selected rules
    assert run_cli(runner, "check", failing, "--ignore", "JS03.").exit_code == 0
    junit = run_cli(runner, "check", failing, "--select", "X", "--format", "junit").stdout
    names = [c.get("name").split(" ", 1)[0] for c in ET.fromstring(junit.encode()).iter("testcase")]
    assert names == ["X01", "X02.income", "X02.fiscal", "X03", "X04", "X05", "X06", "X07.total", "X07.class",
                     "X08.expense", "X08.income", "X08.carry", "X08.carry-out", "X09.expense", "X09.income", "X10", "X11"]


def test_a_selector_matching_no_rule_is_an_error(books, runner):
    result = run_cli(runner, "check", books["clean"], "--select", "JS3.")
    assert result.exit_code == 2 and "「JS3.」不匹配任何规则编号" in result.stderr and result.stdout == ""


# --- --lang en ----------------------------------------------------------------------------------------------

def test_english_titles_cover_every_rule_and_check():
    from qidong_audit.render import english
    from qidong_audit.rules.pack import builtin_pack

    titles = english()["rules"]
    missing = ({r.id for r in builtin_pack().rules} | set(BUILTIN_CHECKS)) - set(titles)
    assert not missing, f"add English titles to qidong_audit/packs/final/i18n_en.toml for {sorted(missing)}"
    assert set(english()["tables"]) == {f"JS0{i}" for i in range(1, 10)}


def test_lang_en_builds_messages_from_the_structured_fields(tmp_path, runner):
    path = str(write_xlsx(tmp_path / "w.xlsx", {"S": js03(ROWS)}, {"S": JS03_MERGES}))
    doc = json.loads(run_cli(runner, "check", path, "--format", "json", "--select", "JS03.row", "--lang", "en").stdout)
    (finding,) = doc["findings"]
    fix = finding["suggestion"]
    assert finding["message"] == (
        "Expenditure statement: total = basic + project + remitted to higher level + business + subsidies to affiliates "
        "(each row) — S!E9: actual 90.00 ≠ expected 100.00, difference -10.00 (tolerance ±0.015)"
        + (f", likely fix: {fix['sheet']}!{fix['cell']} → {fix['value']} ({fix['kind']})" if fix else ""))
    table = run_cli(runner, "check", path, "--select", "JS03.", "--lang", "en")
    assert table.exit_code == 1
    assert "JS03 Expenditure statement (sheet “S”, unit: 10k yuan)" in table.stdout
    assert "Level" in table.stdout and "error" in table.stdout and "级别" not in table.stdout
    assert table.stderr.strip() == "1 file: 2 errors, 0 warnings, 0 info"
    # Chinese stays the default
    assert "级别" in run_cli(runner, "check", path, "--select", "JS03.").stdout


def test_help_does_not_import_openpyxl_or_pandas(tmp_path):
    code = ("import sys\nfrom qidong_audit.cli import app\n"
            "try:\n    app(['check', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('openpyxl', 'pandas') if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "--annotate" in proc.stdout and "--waivers" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_pre_commit_hook_runs_the_console_script_on_workbooks():
    import re as _re
    import tomllib

    root = Path(__file__).resolve().parents[1]
    hook = dict(_re.findall(r"^\s*-?\s*(\w+):\s*(.+)$", (root / ".pre-commit-hooks.yaml").read_text("utf-8"), _re.M))
    scripts = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    assert hook["id"] == "qidong-audit" and hook["entry"] == "qidong-audit check" and "qidong-audit" in scripts
    files = _re.compile(hook["files"])
    assert all(files.search(f"决算/a{suffix}") for suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et"))
    assert not any(files.search(name) for name in ("README.md", "data.csv", "index.html", "pom.xml"))
    assert _re.search(hook["exclude"], "决算/~$a.xlsx")


def test_english_titles_cover_the_report_checks():
    from qidong_audit.claims.rules import TEXT_RULES
    from qidong_audit.render import english

    assert set(TEXT_RULES) <= set(english()["rules"])


# ── The indented JSON writer ─────────────────────────────────────────────────────────────────────────────────

_LEAF = (st.none() | st.booleans() | st.integers() | st.floats() | st.text()
         | st.sampled_from(["", "\"", "\\", "\n\t\x00\x1f", "\u2028", "祁东县", "😀", "\ud800"]))
_JSONISH = st.recursive(
    _LEAF,
    lambda inner: st.lists(inner, max_size=4) | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    | st.dictionaries(st.one_of(st.integers(), st.booleans(), st.none(), st.floats()), inner, max_size=2),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(doc=_JSONISH)
def test_the_json_writer_writes_what_json_dumps_writes(doc):
    from qidong_audit.render.json import dumps

    assert dumps(doc) == json.dumps(doc, ensure_ascii=False, indent=2)


def test_the_json_writer_leaves_what_json_cannot_write_to_json():
    from qidong_audit.render.json import dumps

    for doc in ({"a": {1, 2}}, [object()], {"x": Decimal("1")}):
        with pytest.raises(TypeError) as ours:
            dumps(doc)
        with pytest.raises(TypeError) as theirs:
            json.dumps(doc, ensure_ascii=False, indent=2)
        assert str(ours.value) == str(theirs.value)
