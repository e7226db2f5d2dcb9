"""SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning, Azure DevOps, VS Code's SARIF viewer).

Each result's location is the workbook (artifactLocation uri) with the cell as a logical location `Sheet!A1`;
the other cells the check used are relatedLocations. A workbook is binary, so its region is line 1: code
scanning requires a start line to show an alert at all. Waived findings carry an accepted external suppression.
Amounts are strings, as in the JSON contract.
"""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import quote

from qidong_audit import __version__
from qidong_audit.model import Finding, Report, Severity
from qidong_audit.render import Context, RuleInfo
from qidong_audit.render.json import dumps

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _amount(d) -> str | None:
    return None if d is None else format(d, "f")


def uri(path: str) -> str:
    """A file path as a URI reference: relative paths stay relative (repository-relative for code scanning),
    absolute ones become file: URIs; non-ASCII characters are percent-encoded."""
    p = path.replace("\\", "/")
    if PureWindowsPath(path).drive:
        return "file:///" + quote(p, safe="/:")
    if PurePosixPath(p).is_absolute():
        return "file://" + quote(p, safe="/")
    return quote(p, safe="/")


def render_report(report: Report, ctx: Context | None = None) -> str:
    ctx = ctx or Context()
    rules = list(ctx.rules.values())
    known = {r.id for r in rules}
    for f in report.findings:
        if f.rule not in known:
            known.add(f.rule)
            rules.append(RuleInfo(f.rule, ctx.title(f.rule), f.severity))
    index = {r.id: i for i, r in enumerate(rules)}
    notifications = [
        {"level": "error", "message": {"text": f"{fr.path}：{fr.error}" if ctx.lang == "zh" else f"{fr.path}: {fr.error}"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(fr.path)}}}]}
        for fr in report.files if fr.error
    ]
    run = {
        "tool": {"driver": {
            "name": "qidong-audit",
            "version": __version__,
            "semanticVersion": __version__,
            "language": "zh-CN" if ctx.lang == "zh" else "en-US",
            "rules": [_descriptor(r, ctx) for r in rules],
        }},
        "invocations": [{"executionSuccessful": not report.had_read_errors, "toolExecutionNotifications": notifications}],
        "language": "zh-CN" if ctx.lang == "zh" else "en-US",
        "results": [_result(f, index[f.rule], ctx) for f in report.findings],
        "properties": {"rounding": {"mode": report.rounding_mode, "tolerance": _amount(report.tolerance)}},
    }
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return dumps(doc) + "\n"


def _descriptor(r: RuleInfo, ctx: Context) -> dict:
    title = ctx.title(r.id)
    help_text = title + (f"\n{r.explain}" if r.explain else "") + (f"\n{'来源' if ctx.lang == 'zh' else 'source'}: {r.source}" if r.source else "")
    family = r.id.split(".", 1)[0]
    return {
        "id": r.id,
        "name": r.id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": r.explain or title},
        "defaultConfiguration": {"level": _LEVEL[r.severity]},
        "help": {"text": help_text},
        "properties": {"tags": ["qidong-audit", family], "severity": r.severity.value},
    }


def _location(file: str, sheet: str | None, cell: str | None, line: int | None, message: str | None = None) -> dict:
    out: dict = {"physicalLocation": {"artifactLocation": {"uri": uri(file)}, "region": {"startLine": line or 1}}}
    if cell:
        ref = f"{sheet}!{cell}" if sheet else cell
        out["logicalLocations"] = [{"name": ref, "fullyQualifiedName": ref}]
    if message:
        out["message"] = {"text": message}
    return out


def _role(role: str, ctx: Context) -> str:
    return {"total": "合计", "part": "组成项", "cell": "单元格"}.get(role, role) if ctx.lang == "zh" else role


def _result(f: Finding, rule_index: int, ctx: Context) -> dict:
    result: dict = {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": _LEVEL[f.severity],
        "message": {"text": ctx.message(f)},
        "locations": [_location(f.file, f.sheet, f.cell, f.line)],
        "partialFingerprints": {"qidongFindingId/v1": f.id},
    }
    related = [c for c in f.cells if c.cell and (c.sheet, c.cell) != (f.sheet, f.cell)]
    if related:
        result["relatedLocations"] = [
            {"id": n, **_location(f.file, c.sheet, c.cell, None, f"{_role(c.role, ctx)} {c.value if c.value is not None else ''}".strip())}
            for n, c in enumerate(related, 1)
        ]
    if f.waiver is not None:
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": f"{f.waiver.reason}（{f.waiver.by}，{f.waiver.date}）",
                                   "properties": {"source": f.waiver.source}}]
    props = {
        "id": f.id,
        "verdict": f.verdict.value,
        "table": f.table_id,
        "expected": _amount(f.expected),
        "actual": _amount(f.actual),
        "difference": _amount(f.difference),
        "tolerance": _amount(f.tolerance),
        "cells": [{"sheet": c.sheet, "cell": c.cell, "value": c.value, "role": c.role} for c in f.cells],
    }
    if f.suggestion is not None:
        s = f.suggestion
        props["suggestion"] = {"sheet": s.sheet, "cell": s.cell, "value": s.value, "kind": s.kind}
    if f.excerpt:
        props["excerpt"] = f.excerpt
    result["properties"] = {k: v for k, v in props.items() if v is not None}
    return result
