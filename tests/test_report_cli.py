"""`qidong-audit report`: the seed report, every input format, the shared options, outputs and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qidong_audit.audit import sample_path
from tests.conftest import run_cli
from tests.test_claims_documents import write_docx, write_pdf

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "reports" / "祁东县行政审批服务局2021年度部门整体支出绩效评价报告.txt"
FIELDS = ("rule", "severity", "verdict", "line", "expected", "actual", "difference")


def run_json(runner, *args: str) -> tuple[int, dict]:
    result = run_cli(runner, "report", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def project(doc: dict, *fields: str) -> list[tuple]:
    return [tuple(f[k] for k in fields) for f in doc["findings"]]


def test_seed_report_findings(runner):
    code, doc = run_json(runner, str(SEED))
    assert code == 1
    assert project(doc, *FIELDS) == [
        # 基本支出 940.12 + 项目支出 7.46 = 947.58 against 支出总计 947.59: rounding, not an error
        ("TXT.sum", "info", "rounding", 43, "947.58", "947.59", "0.01"),
        # the eleven 类 add up to 940.12, not the 947.59 财政拨款支出合计 they are listed under
        ("TXT.sum", "error", "inconsistent", 46, "940.12", "947.59", "7.47"),
        # "基本支出940.12万元，占财政拨款支出总额的100%": it is 99.21%
        ("TXT.share", "error", "inconsistent", 48, "99.21", "100", "0.79"),
        ("TXT.sum", "info", "rounding", 57, "947.58", "947.59", "0.01"),
        # 12345 hotline: 14,358 calls received, 14,896 cases closed
        ("TXT.count", "warning", "inconsistent", 63, "14358", "14896", "538"),
        # 书记、县长信箱: "均已办结" beside a 办结率 of 99.28%
        ("TXT.done", "warning", "inconsistent", 63, "100", "99.28", "-0.72"),
    ]
    assert doc["summary"] == {"files": 1, "errors": 2, "warnings": 2, "infos": 2, "ok": False}
    assert doc["files"] == [{"path": str(SEED), "error": None, "tables": []}]
    share = doc["findings"][2]
    assert share["sheet"] is None and share["cell"] is None
    assert share["excerpt"].startswith("1、基本支出940.12万元,占财政拨款支出总额的100%")
    assert [(c["value"], c["role"]) for c in share["cells"]] == [("940.12", "part"), ("100", "share"), ("947.59", "base")]
    total = doc["findings"][1]
    assert total["tolerance"] == "0.060" and len([c for c in total["cells"] if c["role"] == "part"]) == 11
    # its correct claims raise nothing: 项目支出 0.79%, 三公 0.87 = 0 + 0.87 + 0, 519.44 + 420.68 = 940.12
    assert not [f for f in doc["findings"] if f["line"] in (47, 48, 49, 50, 51, 52, 53, 55) and f["rule"] != "TXT.share"]
    assert [f["id"] for f in doc["findings"]] == [f["id"] for f in run_json(runner, str(SEED))[1]["findings"]]


def test_verbose_lists_what_cannot_be_checked(runner):
    code, doc = run_json(runner, str(SEED), "--verbose")
    unchecked = [f for f in doc["findings"] if f["rule"] == "TXT.unchecked"]
    assert [(f["line"], f["severity"], f["verdict"]) for f in unchecked] == [(50, "info", "not-assessable")]
    assert "上年数为零" in unchecked[0]["message"]
    assert doc["summary"]["errors"] == 2 and code == 1


def test_seed_report_against_the_sample_tables(runner):
    code, doc = run_json(runner, str(SEED), "--tables", str(sample_path()))
    assert code == 1
    assert [f["path"] for f in doc["files"]] == [str(SEED), str(sample_path())]
    assert len(doc["files"][1]["tables"]) == 9
    # where the tables hold a figure of the report, they agree
    assert not [f for f in doc["findings"] if f["rule"] in ("TXT.table", "TXT.unit")]
    assert project(doc, "rule", "line") == project(run_json(runner, str(SEED))[1], "rule", "line")


def test_table_output_quotes_the_sentence(runner):
    result = run_cli(runner, "report", str(SEED))
    assert result.exit_code == 1
    out = result.stdout
    assert "舍入判定：区间（四舍五入容差）" in out and "TXT.share" in out and "第48行" in out
    assert "「1、基本支出940.12万元,占财政拨款支出总额的100%" in out
    assert "…」" in out  # a long sentence is shortened around its figures
    assert result.stderr.strip() == "1 个文件：2 个错误，2 个提示，2 条信息"


def test_highlighted_figures(tmp_path):
    from rich.console import Console

    from qidong_audit.claims import audit_report
    from qidong_audit.render.claims_table import quote

    path = tmp_path / "a.txt"
    path.write_text("支出总计10.00万元，其中：基本支出5.00万元，项目支出4.00万元。", "utf-8")
    (f,) = audit_report(str(path)).findings
    text = quote(f)
    marked = [text.plain[s.start:s.end] for s in text.spans if "on red" in str(s.style)]
    assert marked == ["10.00万元", "5.00万元", "4.00万元"]
    console = Console(record=True, width=200, force_terminal=True)
    console.print(text)
    assert "\x1b[" in console.export_text(styles=True)


def test_docx_paragraphs_and_tables(runner, tmp_path):
    path = write_docx(tmp_path / "说明.docx",
                      ["一、收入支出决算总体情况", "2021年度支出总计10.00万元，其中：基本支出5.00万元，项目支出4.00万元。"],
                      [["项目", "说明"], ["三公经费", "2021年度“三公”经费支出决算为0.87万元，占支出总计的100%。"]])
    code, doc = run_json(runner, str(path))
    assert code == 1
    assert project(doc, "rule", "line", "severity") == [("TXT.sum", 2, "error"), ("TXT.share", 4, "error")]


def test_pdf_text_layer(runner, tmp_path):
    path = write_pdf(tmp_path / "说明.pdf", ["一、总体情况", "2021年度财政拨款支出合计947.59万元，其中：基本支出", "940.12万元、项目支出7.46万元。",
                                          "1、基本支出940.12万元，占财政拨款支出总额的100%。"])
    code, doc = run_json(runner, str(path))
    assert code == 1
    assert project(doc, "rule", "line", "severity") == [("TXT.sum", 2, "info"), ("TXT.share", 4, "error")]


def test_pdf_without_text_layer_exits_2(runner, tmp_path):
    path = write_pdf(tmp_path / "scan.pdf", [], text=False)
    result = run_cli(runner, "report", str(path))
    assert result.exit_code == 2
    assert f"{path}：PDF 没有文字层" in result.stderr and "Traceback" not in result.stderr


def test_pdf_without_the_extra_exits_2(runner, tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_pypdf(name, *args, **kwargs):
        if name == "pypdf" or name.startswith("pypdf."):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pypdf)
    path = write_pdf(tmp_path / "a.pdf", ["收入总计10万元。"])
    result = run_cli(runner, "report", str(path))
    assert result.exit_code == 2
    assert "pip install 'qidong-audit[pdf]'" in result.stderr and str(path) in result.stderr


@pytest.mark.parametrize("name, data", [("missing.txt", None), ("junk.txt", b"\x00\xff" * 100), ("old.doc", b"\xd0\xcf\x11\xe0" + b"\0" * 64),
                                        ("empty.md", b"")])
def test_bad_input_exits_2_naming_the_file(runner, tmp_path, name, data):
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    result = run_cli(runner, "report", str(path))
    assert result.exit_code == 2
    assert f"qidong-audit: {path}：" in result.stderr and "Traceback" not in result.stderr
    code, doc = run_json(runner, str(path))  # machine formats are written all the same
    assert code == 2 and doc["files"][0]["path"] == str(path) and doc["files"][0]["error"]


def test_unreadable_workbook_exits_2_but_the_text_is_reported(runner, tmp_path):
    wb = tmp_path / "wb.xlsx"
    wb.write_bytes(b"not a workbook")
    code, doc = run_json(runner, str(SEED), "--tables", str(wb))
    assert code == 2
    assert doc["files"][1]["path"] == str(wb) and doc["files"][1]["error"]
    assert len([f for f in doc["findings"] if f["severity"] == "error"]) == 2


def test_fail_on_rounding_and_tolerance(runner, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("支出总计947.59万元，其中：基本支出940.12万元、项目支出7.46万元。", "utf-8")
    assert run_cli(runner, "report", str(path)).exit_code == 0
    assert run_cli(runner, "report", str(path), "--fail-on", "info").exit_code == 1
    code, doc = run_json(runner, str(path), "--rounding", "exact")
    assert code == 1 and doc["rounding"] == {"mode": "exact", "tolerance": None}
    assert project(doc, "severity", "verdict") == [("error", "inconsistent")]
    code, doc = run_json(runner, str(path), "--tolerance", "0.02")
    assert code == 0 and doc["rounding"] == {"mode": "tolerance", "tolerance": "0.02"}
    result = run_cli(runner, "report", str(path), "--tolerance", "abc")
    assert result.exit_code == 2 and "--tolerance" in result.stderr
    assert run_cli(runner, "report", str(SEED), "--fail-on", "never").exit_code == 0
    assert run_cli(runner, "report", str(SEED), "--quiet").stderr == ""


def test_output_file_and_refusing_to_overwrite_the_input(runner, tmp_path):
    out = tmp_path / "out" / "r.json"
    result = run_cli(runner, "report", str(SEED), "-f", "json", "-o", str(out))
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(out.read_text("utf-8"))["summary"]["errors"] == 2
    result = run_cli(runner, "report", str(SEED), "-o", str(SEED))
    assert result.exit_code == 2 and "拒绝覆盖输入" in result.stderr


@pytest.mark.parametrize("fmt", ["markdown", "junit", "sarif", "github", "html"])
def test_every_format_renders_report_findings(runner, fmt):
    result = run_cli(runner, "report", str(SEED), "--format", fmt)
    assert result.exit_code == 1
    assert "TXT.sum" in result.stdout


def test_help_is_listed_and_loads_no_document_libraries(tmp_path):
    code = ("import sys\nfrom qidong_audit.cli import app\n"
            "for args in (['--help'], ['report', '--help']):\n"
            "    try:\n        app(args)\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in ('docx', 'pypdf', 'openpyxl', 'pandas') if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "report" in proc.stdout and "--tables" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "[]"
