"""Checks against the classification catalogue: codes that do not exist in the year, names that do not
match their code, subjects of another fund in a fund's table, economic codes on the wrong side of JS06.

Severity follows how sure the catalogue is (catalog/data headers): a sourced ("confirmed") entry gives the
rule's severity; an entry compiled from memory only ever gives a warning or an info.
"""

from __future__ import annotations

from functools import lru_cache

from qidong_audit.model import CellRef, Finding, Row, Severity, Verdict
from qidong_audit.recognise.text import norm, strip_ordinal
from qidong_audit.rules.index import TableIndex

_LOWER = {Severity.ERROR: Severity.WARNING, Severity.WARNING: Severity.INFO, Severity.INFO: Severity.INFO}


def check_catalog(rule, ix: TableIndex, catalog, path: str) -> list[Finding]:
    t = ix.table
    out: list[Finding] = []
    economic = t.code_system == "经济"
    test = rule.test
    panels = t.panels() if test == "side" else []

    def lookup(code: str):
        return _subject(catalog, economic, code)

    for row in t.rows:
        if not row.code or row.kind == "subset":
            continue
        subject = lookup(row.code)
        if test == "exists":
            f = _exists(rule, t, row, subject, lookup, path)
        elif subject is None:
            continue
        elif test == "name":
            f = None if _name_known(catalog, economic, row.code, row.label) else _name(rule, t, row, subject, path)
        elif test == "fund":
            f = _fund(rule, t, row, catalog, path)
        else:
            f = _side(rule, t, row, subject, path, panels)
        if f is not None:
            out.append(f)
    return out


# Every workbook prints much the same codes and names; parsing and normalising them once per process saves
# most of the work. Keyed on the catalogue object (immutable, identity-hashed) and the text itself.
@lru_cache(maxsize=16384)
def _subject(catalog, economic: bool, code: str):
    """The catalogue's subject for a printed code (economic or functional), or None."""
    return catalog.economic(code) if economic else catalog.functional(code)


@lru_cache(maxsize=16384)
def _fund_of(catalog, code: str) -> str | None:
    return catalog.fund_of(code)


@lru_cache(maxsize=16384)
def _name_known(catalog, economic: bool, code: str, label: str) -> bool:
    """Whether a row's printed name passes for its subject's: blank once normalised (ordinal and (类)/(款)/(项)
    dropped), or one of the subject's current and earlier names. Asked only for codes the catalogue lists."""
    label = norm(strip_ordinal(label)).replace("(类)", "").replace("(款)", "").replace("(项)", "")
    return not label or label in {norm(n) for n in _subject(catalog, economic, code).names}


def _finding(rule, t, row: Row, severity: Severity, detail: str, path: str, anchor: str) -> Finding:
    cell = next(iter(row.cells.values()), None)
    return Finding(
        rule=rule.id,
        severity=severity,
        verdict=Verdict.INVALID,
        message=f"{t.title}〔{row.display}〕{detail}",
        detail=f"〔{row.display}〕{detail}",
        file=path,
        sheet=t.sheet,
        cell=cell.a1 if cell else None,
        cells=(CellRef(t.sheet, cell.a1, None if cell.value is None else format(cell.value, "f"), "cell"),) if cell else (),
        table_id=t.table_id,
        anchor=f"{row.code}|{anchor}",
    )


def _exists(rule, t, row: Row, subject, lookup, path: str) -> Finding | None:
    if subject is not None:
        return None
    code = row.code
    parent = lookup(code[:-2]) if len(code) > 3 else None
    if len(code) == 3:
        severity, detail = rule.severity, f"科目编码 {code} 在 {rule.year_text} 的政府收支分类科目中不存在"
    elif parent is None:
        severity, detail = rule.severity, f"科目编码 {code} 的上级科目 {code[:-2]} 不存在"
    else:
        # a 款/项 the catalogue does not list, under a known parent: likely a gap in our list, so say less
        severity = Severity.WARNING if len(code) == 5 else Severity.INFO
        detail = f"科目编码 {code} 不在已收录的 {parent.code} {parent.name} 的下级科目中，请核对当年科目"
    return _finding(rule, t, row, severity, detail, path, "exists")


def _name(rule, t, row: Row, subject, path: str) -> Finding:
    """The finding for a name that is not the subject's (see `_name_known`)."""
    severity = rule.severity if subject.confirmed else _LOWER[rule.severity]
    return _finding(rule, t, row, severity, f"名称「{row.label}」与科目编码 {subject.code} 的名称「{subject.name}」不符", path, "name")


def _fund(rule, t, row: Row, catalog, path: str) -> Finding | None:
    fund = _fund_of(catalog, row.code)
    if fund is None or fund == rule.fund:
        return None
    kuan = _subject(catalog, False, row.code[:5]) if len(row.code) >= 5 else None
    sure = kuan is not None and kuan.confirmed
    severity = rule.severity if sure else _LOWER[rule.severity]
    detail = f"是{fund}预算科目，不应列入{rule.fund}的表（{t.title}）"
    return _finding(rule, t, row, severity, detail, path, "fund")


def _side(rule, t, row: Row, subject, path: str, panels: list[str]) -> Finding | None:
    if len(panels) < 2 or subject.group is None or row.panel not in ("人员经费", "公用经费") or subject.group == row.panel:
        return None
    top = subject if subject.level == "类" else None
    severity = rule.severity if (top or subject).confirmed else _LOWER[rule.severity]
    return _finding(rule, t, row, severity, f"属于{subject.group}，却列在{row.panel}栏", path, "side")
