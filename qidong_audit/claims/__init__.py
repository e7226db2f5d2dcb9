"""Checking the figures of a written report (决算情况说明, 绩效评价报告), alone or against its tables.

    read (io.documents) → extract (grammar: tokens → figures and claims) → judge (verdicts, rounding model)
                        → against the tables (the workbook read and recognised by audit.py) → Report

`audit_report` is the library entry point: it never prints or exits. An unreadable report or workbook becomes
a FileResult with an error, like `check`'s.
"""

from __future__ import annotations

from qidong_audit.model import FileResult, Finding, Report, Severity
from qidong_audit.numbers import RoundingPolicy


def audit_report(text_path: str, tables_path: str | None = None, policy: RoundingPolicy | None = None) -> Report:
    """Check a report's figures; with `tables_path`, also against that workbook's recognised tables."""
    from qidong_audit.claims.tables import Workbook
    from qidong_audit.io.documents import DocumentError, read_document

    policy = policy or RoundingPolicy()
    files: list[FileResult] = []
    try:
        doc = read_document(text_path)
    except DocumentError as exc:
        doc = None
        files.append(FileResult(text_path, str(exc).removeprefix(f"{text_path}：")))
    else:
        files.append(FileResult(text_path, None))
    workbook = None
    if tables_path is not None:
        from qidong_audit.audit import inspect_file

        result = inspect_file(tables_path)
        files.append(result)
        if result.error is None:
            workbook = Workbook(result)
    findings: list[Finding] = []
    if doc is not None:
        findings = check_document(doc, text_path, policy, workbook.result if workbook is not None else None)
    findings.sort(key=lambda f: (f.line or 0, -f.severity.rank, f.rule, f.anchor))
    return Report(tuple(files), tuple(findings), policy.mode, policy.tolerance)


def check_document(doc, path: str, policy: RoundingPolicy, tables: FileResult | None = None) -> list[Finding]:
    """The findings on one document's claims; with `tables` (a recognised workbook), also against its cells."""
    from qidong_audit.catalog import load_catalog
    from qidong_audit.claims.grammar import document_year, extract
    from qidong_audit.claims.tables import Workbook
    from qidong_audit.claims.verdicts import Judge

    workbook = Workbook(tables) if tables is not None and tables.error is None else None
    year = workbook.result.year if workbook is not None and workbook.result.year else None
    catalog = load_catalog(year or document_year(doc))
    return Judge(extract(doc, catalog), path, policy, workbook, catalog).run()


__all__ = ["audit_report", "Severity"]
