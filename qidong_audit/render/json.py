"""The JSON contract (DESIGN §7): amounts are decimal strings, never JSON numbers.

Additions (by adding only): a waived finding carries `"waiver": {"reason", "by", "date", "source"}` and the summary
then counts it in `"waived"` (and no longer in errors/warnings/infos); `--lang en` writes English `message`s.
"""

from __future__ import annotations

import json
from decimal import Decimal

from qidong_audit import __version__
from qidong_audit.model import FileResult, Finding, Report, Severity, Table
from qidong_audit.numbers import plain
from qidong_audit.render import Context

SCHEMA_VERSION = 1


def dumps(doc: object) -> str:
    """`json.dumps(doc, ensure_ascii=False, indent=2)`, character for character, twice as fast: the standard
    library indents through a generator per container, which for a batch of thousands of files was most of the
    time spent writing the report, after the last file was audited. Anything but str, int, float, bool, None,
    lists, tuples and dicts with str keys is left to the standard library, which words the error. (A document
    is a tree; a circular one would end in RecursionError here rather than json's ValueError.)"""
    out: list[str] = []
    try:
        _dump(doc, out, "\n")
    except _Unusual:
        return json.dumps(doc, ensure_ascii=False, indent=2)
    return "".join(out)


class _Unusual(Exception):
    """A value `_dump` leaves to the standard library."""


_encode = json.encoder.encode_basestring  # the C encoder the standard library itself uses, ensure_ascii=False


def _dump(o: object, out: list[str], newline: str) -> None:
    """Append the JSON of `o` as json.dumps(indent=2) writes it at the depth `newline` ("\n" + its indent) gives."""
    if isinstance(o, str):
        out.append(_encode(o))
    elif o is None:
        out.append("null")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    elif isinstance(o, int):
        out.append(int.__repr__(o))
    elif isinstance(o, float):
        out.append(json.dumps(o))  # NaN and Infinity as the standard library writes them
    elif isinstance(o, (list, tuple)):
        if not o:
            out.append("[]")
            return
        inner = newline + "  "
        out.append("[")
        for i, item in enumerate(o):
            out.append(inner if i == 0 else "," + inner)
            _dump(item, out, inner)
        out.append(newline + "]")
    elif isinstance(o, dict):
        if not o:
            out.append("{}")
            return
        inner = newline + "  "
        out.append("{")
        first = True
        for key, value in o.items():
            if not isinstance(key, str):
                raise _Unusual
            out.append(inner if first else "," + inner)
            first = False
            out.append(_encode(key))
            out.append(": ")
            _dump(value, out, inner)
        out.append(newline + "}")
    else:
        raise _Unusual


def _amount(d: Decimal | None) -> str | None:
    return None if d is None else format(d, "f")


def _table(t: Table, detail: bool) -> dict:
    out = {"sheet": t.sheet, "table_id": t.table_id, "title": t.title, "unit": t.unit, "range": t.range}
    if detail:
        out["header_rows"] = list(t.header_rows)
        out["columns"] = [{"cell": c.a1, "key": c.key, **({"panel": c.panel} if c.panel else {})} for c in t.columns]
        out["rows"] = len(t.rows)
        # additions for inspect: the title as printed, the code layout, the published precision
        out["printed_title"] = t.printed_title
        out["code_layout"] = t.code_layout
        out["unit_stated"] = t.unit_known
        out["decimals"] = t.decimals
    return out


def file_entry(f: FileResult, detail: bool = False) -> dict:
    out = {"path": f.path, "error": f.error, "tables": [_table(t, detail) for t in f.tables]}
    if detail:
        out["unrecognised"] = list(f.unrecognised)
    return out


def finding_entry(f: Finding, ctx: Context | None = None) -> dict:
    out = {
        "id": f.id,
        "rule": f.rule,
        "severity": f.severity.value,
        "verdict": f.verdict.value,
        "message": (ctx or Context()).message(f, diagnosis=False),
        "file": f.file,
        "sheet": f.sheet,
        "cell": f.cell,
        "cells": [{"sheet": c.sheet, "cell": c.cell, "value": c.value, "role": c.role} for c in f.cells],
        "expected": _amount(f.expected),
        "actual": _amount(f.actual),
        "difference": _amount(f.difference),
        "tolerance": _amount(f.tolerance),
        "suggestion": None
        if f.suggestion is None
        else {"sheet": f.suggestion.sheet, "cell": f.suggestion.cell, "value": f.suggestion.value, "kind": f.suggestion.kind},
        "line": f.line,
        "excerpt": f.excerpt,
    }
    # diagnosis (added to the contract): one problem, many symptoms
    out["diagnosis"] = f.diagnosis
    out["candidates"] = [{"sheet": c.sheet, "cell": c.cell, "value": c.value, "kind": c.kind} for c in f.candidates]
    out["consequences"] = list(f.consequences)
    out["explained_by"] = f.explained_by
    if f.waiver is not None:
        w = f.waiver
        out["waiver"] = {"reason": w.reason, "by": w.by, "date": w.date, "source": w.source}
    return out


def render_report(report: Report, ctx: Context | None = None) -> str:
    return dumps(document(report, ctx)) + "\n"


def document(report: Report, ctx: Context | None = None) -> dict:
    """The report as the JSON contract's object (render_report dumps it)."""
    errors = report.count(Severity.ERROR)
    summary = {
        "files": len(report.files),
        "errors": errors,
        "warnings": report.count(Severity.WARNING),
        "infos": report.count(Severity.INFO),
        "ok": errors == 0 and not report.had_read_errors,
    }
    if report.waived:
        summary["waived"] = report.waived
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "qidong-audit", "version": __version__},
        "rounding": {"mode": report.rounding_mode, "tolerance": _amount(report.tolerance)},
        "summary": summary,
        "files": [file_entry(f) for f in report.files],
        "findings": [finding_entry(f, ctx) for f in report.findings],
    }
    return doc


def render_comparison(comparison, ctx: Context | None = None) -> str:
    """`compare` and `check --cycle`: the report's object plus the table of lines — `changes` (last year → this
    year: old, new, change, percent) or `completion` (budget → final: budget, final, difference, rate)."""
    doc = document(comparison.report, ctx)
    if comparison.kind == "change":
        names = ("changes", "old", "new", "change", "percent")
    else:
        names = ("completion", "budget", "final", "difference", "rate")
    key, left, right, diff, pct = names
    doc[key] = [
        {"group": x.group, "item": x.item, "code": x.code, "table_id": x.table_id, "unit": x.unit,
         left: plain(x.left, x.decimals), right: plain(x.right, x.decimals), diff: plain(x.difference, x.decimals),
         pct: _amount(x.percent), f"{left}_cell": _where(x.left_ref), f"{right}_cell": _where(x.right_ref)}
        for x in comparison.lines
    ]
    return dumps(doc) + "\n"


def _where(ref: tuple[str, str | None, str | None] | None) -> dict | None:
    return None if ref is None else {"file": ref[0], "sheet": ref[1], "cell": ref[2]}


def render_inspection(files: list[FileResult]) -> str:
    doc = {"schema_version": SCHEMA_VERSION, "files": [file_entry(f, detail=True) for f in files]}
    return dumps(doc) + "\n"
