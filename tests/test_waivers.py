"""--waivers: waived findings stay visible (in every format) but do not count toward --fail-on; a waiver that
matched nothing is a warning finding at its line of the waivers file; a bad waivers file is exit 2 naming the
file and line."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from qidong_audit.cli.common import Format
from tests.conftest import JS03_MERGES, js03, run_cli, run_json, write_xlsx

ROWS = [  # E9 should be 100.00: 合计 ≠ Σ类 (E8) and 本年支出合计 ≠ 基本 + 项目 (E9)
    [None, None, None, "合计", "100.00", "60.00", "40.00"],
    ["201", None, None, "一般公共服务支出", "90.00", "60.00", "40.00"],
]


@pytest.fixture
def workbook(tmp_path) -> str:
    return str(write_xlsx(tmp_path / "w.xlsx", {"S": js03(ROWS)}, {"S": JS03_MERGES}))


def _ids(runner, workbook) -> dict[str, str]:
    """rule → id of the two errors."""
    _, doc = run_json(runner, workbook, "--select", "JS03.")
    return {f["rule"]: f["id"] for f in doc["findings"]}


def _waivers(tmp_path, *entries: tuple[str, str]) -> str:
    text = "".join(f'[[waiver]]\nid = "{i}"\nreason = "{reason}"\nby = "张三"\ndate = 2024-05-01\n\n' for i, reason in entries)
    path = tmp_path / "waivers.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_waived_findings_stay_visible_and_do_not_fail(tmp_path, runner, workbook):
    ids = _ids(runner, workbook)
    one = _waivers(tmp_path, (ids["JS03.row"], "上级批复口径"))
    code, doc = run_json(runner, workbook, "--select", "JS03.", "--waivers", one)
    assert code == 1  # JS03.tree still fails
    by_rule = {f["rule"]: f for f in doc["findings"]}
    assert by_rule["JS03.row"]["waiver"] == {"reason": "上级批复口径", "by": "张三", "date": "2024-05-01", "source": f"{one}:1"}
    assert "waiver" not in by_rule["JS03.tree"]
    assert doc["summary"] == {"files": 1, "errors": 1, "warnings": 0, "infos": 0, "ok": False, "waived": 1}
    both = _waivers(tmp_path, (ids["JS03.row"], "上级批复口径"), (ids["JS03.tree"], "同上"))
    code, doc = run_json(runner, workbook, "--select", "JS03.", "--waivers", both)
    assert code == 0 and doc["summary"] == {"files": 1, "errors": 0, "warnings": 0, "infos": 0, "ok": True, "waived": 2}
    assert [f["severity"] for f in doc["findings"]] == ["error", "error"]  # still errors, only accepted
    result = run_cli(runner, "check", workbook, "--select", "JS03.", "--waivers", both)
    assert result.exit_code == 0 and result.stderr.strip() == "1 个文件：0 个错误，0 个提示，0 条信息；2 条已豁免"


def _shows_waived(fmt: str, out: str) -> bool:
    if fmt == "json":
        return {f["rule"]: f.get("waiver", {}).get("reason") for f in json.loads(out)["findings"]} == {
            "JS03.row": "上级批复口径", "JS03.tree": None}
    if fmt == "sarif":
        results = {r["ruleId"]: r.get("suppressions") for r in json.loads(out)["runs"][0]["results"]}
        return results == {"JS03.tree": None, "JS03.row": [{
            "kind": "external", "status": "accepted", "justification": "上级批复口径（张三，2024-05-01）",
            "properties": {"source": results["JS03.row"][0]["properties"]["source"]}}]}
    if fmt == "junit":
        cases = {c.get("name").split(" ", 1)[0]: c for c in ET.fromstring(out.encode()).iter("testcase")}
        row = cases["JS03.row"]
        return row.find("failure") is None and "[已豁免]" in row.find("system-out").text and cases["JS03.tree"].find("failure") is not None
    if fmt == "github":
        return any(line.startswith("::notice ") and "title=[已豁免] JS03.row" in line and "已豁免：上级批复口径" in line
                   for line in out.splitlines())
    if fmt == "html":
        return '<span class="badge waived">已豁免</span>' in out and "已豁免：上级批复口径（张三，2024-05-01）" in out
    return "已豁免" in out and "上级批复口径" in out  # table, markdown


@pytest.mark.parametrize("fmt", [f.value for f in Format])
def test_waived_is_shown_as_waived_in_every_format(fmt, tmp_path, runner, workbook):
    ids = _ids(runner, workbook)
    waivers = _waivers(tmp_path, (ids["JS03.row"], "上级批复口径"))
    result = run_cli(runner, "check", workbook, "--select", "JS03.", "--waivers", waivers, "--format", fmt)
    assert result.exit_code == 1
    assert _shows_waived(fmt, result.stdout), result.stdout


def test_a_waiver_that_matched_nothing_is_a_warning_at_its_line(tmp_path, runner, workbook):
    ids = _ids(runner, workbook)
    waivers = _waivers(tmp_path, (ids["JS03.row"], "上级批复口径"), ("0123456789abcdef", "旧问题"))
    result = run_cli(runner, "check", workbook, "--select", "JS03.row,QA.", "--waivers", waivers, "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    stale = [f for f in doc["findings"] if f["rule"] == "QA.waiver-unmatched"]
    assert [(f["severity"], f["file"], f["line"], f["excerpt"], f["sheet"], f["cell"]) for f in stale] == [
        ("warning", waivers, 7, 'id = "0123456789abcdef"', None, None)]
    assert stale[0]["message"].startswith("豁免 0123456789abcdef（旧问题；张三，2024-05-01）没有匹配到任何问题")
    assert f"{waivers}:7：豁免 0123456789abcdef" in result.stderr
    assert doc["summary"]["warnings"] == 1
    assert run_cli(runner, "check", workbook, "--select", "JS03.row,QA.", "--waivers", waivers, "--fail-on", "warning").exit_code == 1


@pytest.mark.parametrize(
    "text, line, problem",
    [
        ('[[waiver]]\nid = "0123456789abcdef"\nreason = "x"\nby = "y"\ndate = 2024-05-01\n[[waiver]\n', 6, "TOML 语法错误"),
        ('[[waiver]]\nid = "0123456789abcdef"\nby = "y"\ndate = 2024-05-01\n', 1, "缺少「reason」"),
        ('[[waiver]]\nid = "0123456789abcdef"\nreason = "x"\nby = "y"\ndate = "2024-13-01"\n', 5, "date 应是日期"),
        ('[[waiver]]\nid = "0123456789abcdef"\nreason = "x"\nby = "y"\ndate = 2024-05-01\nuntil = 2025-01-01\n', 6, "未知的键：until"),
        ('[[waiver]]\nid = "JS03.row"\nreason = "x"\nby = "y"\ndate = 2024-05-01\n', 2, "id 应是问题编号"),
        ('[[waiver]]\nid = "0123456789abcdef"\nreason = "x"\nby = "y"\ndate = 2024-05-01\n\n'
         '[[waiver]]\nid = "0123456789abcdef"\nreason = "z"\nby = "y"\ndate = 2024-05-02\n', 8, "重复"),
        ('title = "豁免"\n[[waiver]]\nid = "0123456789abcdef"\nreason = "x"\nby = "y"\ndate = 2024-05-01\n', 1, "未知的顶层键：title"),
        ('[[waiver]]\nid = "0123456789abcdef"\nreason = "x"\nby = ""\ndate = 2024-05-01\n', 4, "缺少「by」"),
    ],
)
def test_bad_waivers_file_exit_2_with_file_and_line(tmp_path, runner, workbook, text, line, problem):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    result = run_cli(runner, "check", workbook, "--waivers", str(path))
    assert result.exit_code == 2 and result.stdout == ""
    assert f"豁免文件 {path}:{line}：" in result.stderr and problem in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_waivers_file_and_dates_as_text(tmp_path, runner, workbook):
    result = run_cli(runner, "check", workbook, "--waivers", str(tmp_path / "none.toml"))
    assert result.exit_code == 2 and "none.toml：文件不存在" in result.stderr
    ids = _ids(runner, workbook)
    path = tmp_path / "w.toml"
    path.write_text(f'[[waiver]]\nid = "{ids["JS03.row"]}"\nreason = "x"\nby = "y"\ndate = "2024-05-01"\n', encoding="utf-8")
    _, doc = run_json(runner, workbook, "--select", "JS03.row", "--waivers", str(path))
    assert doc["findings"][0]["waiver"]["date"] == "2024-05-01"
