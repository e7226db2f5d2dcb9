"""Shared test helpers: small workbooks written inline with openpyxl, and the CLI runner."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The tool's data cache (qidong_audit/datacache.py) goes to a folder of this run, not the user's ~/.cache;
# the CLI subprocesses the tests start inherit it.
os.environ.setdefault("QIDONG_AUDIT_CACHE_DIR", tempfile.mkdtemp(prefix="qidong-audit-test-cache-"))


def write_xlsx(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None) -> Path:
    """Write rows (lists of values; None = empty) to sheets, with optional merged ranges per sheet."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([Decimal(v) if isinstance(v, str) and _is_amount(v) else v for v in row])
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    wb.save(path)
    return path


def _is_amount(v: str) -> bool:
    """Strings like "947.59" become numbers; write text amounts as T("2,940.05")."""
    try:
        Decimal(v)
        return not v.startswith(" ") and v.strip() == v and "e" not in v.lower()
    except Exception:
        return False


class T(str):
    """A value to be written as text even if it looks like a number."""


def js03(rows: list[list], title: str = "支出决算表", unit: str = "金额单位：万元") -> list[list]:
    """A central-layout 支出决算表: split 类|款|项 code columns, 6 amount columns, 栏次 row."""
    head = [
        [title],
        [None, None, None, None, None, None, None, None, "公开03表"],
        ["部门：测试单位", None, None, None, None, None, None, None, unit],
        ["项目", None, None, None, "本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出"],
        ["科目编码", None, None, "科目名称"],
        ["类", "款", "项"],
        ["栏次", None, None, None, 1, 2, 3, 4, 5, 6],
    ]
    return head + rows


JS03_MERGES = ["A1:J1", "A4:D4", "A5:C5", "D5:D6", "E4:E6", "F4:F6", "G4:G6", "H4:H6", "I4:I6", "J4:J6"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run_cli(runner: CliRunner, *args: str):
    from qidong_audit.cli import app

    return runner.invoke(app, list(args), catch_exceptions=False)


def run_json(runner: CliRunner, *args: str) -> tuple[int, dict]:
    result = run_cli(runner, "check", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def project(doc: dict, *fields: str, severity: str | None = "error") -> list[tuple]:
    """The findings of a JSON report as tuples of the given fields (frictionless' flatten idiom)."""
    return [
        tuple(f[k] for k in fields)
        for f in doc["findings"]
        if severity is None or f["severity"] == severity
    ]
