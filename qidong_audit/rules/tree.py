"""Hierarchy checks derived from the codes present: 合计 = Σ类, 类 = Σ款, 款 = Σ项, in every amount column.

A code's parent is its nearest present ancestor (a 项 whose 款 row is missing rolls up into the 类).
"其中" rows are subsets and never summed. A code printed twice is reported, and only its first row used.
"""

from __future__ import annotations

from decimal import Decimal

from qidong_audit.model import CellRef, Finding, Row, Severity, Verdict
from qidong_audit.numbers import RoundingPolicy, Term, at_precision, fmt, half_unit, holds_exactly
from qidong_audit.rules.index import TableIndex
from qidong_audit.rules.relation import Coef, Relation, RelationLog
from qidong_audit.rules.terms import NO_TERM, UNKNOWN, CellTerms, settles

_TOTAL_KEYS = ("合计", "总计")
_ZERO = Decimal(0)


def _parent(code: str, present: set[str]) -> str | None:
    for n in (5, 3):
        if len(code) > n and code[:n] in present:
            return code[:n]
    return None


def check_tree(rule, ix: TableIndex, policy: RoundingPolicy, path: str, relations: RelationLog | None = None,
               terms: CellTerms | None = None) -> list[Finding]:
    """Findings of the hierarchy checks of one table; `terms` may carry the workbook's memoised cell terms."""
    t = ix.table
    quick = settles(policy)
    terms = terms or CellTerms(ix)
    out: list[Finding] = []
    for row in ix.duplicates:
        out.append(
            Finding(
                rule=rule.id,
                severity=Severity.WARNING,
                verdict=Verdict.INVALID,
                message=f"{t.title} 科目编码 {row.code} 重复出现（第{row.row + 1}行），只按第一次出现的行检查",
                file=path,
                sheet=t.sheet,
                cell=next(iter(row.cells.values())).a1 if row.cells else None,
                table_id=t.table_id,
                anchor=f"duplicate|{row.code}",
            )
        )
    for panel in ix.panels(None):
        coded = {code: r for (p, code), r in ix.by_code.items() if p == panel}
        present = set(coded)
        children: dict[str | None, list[Row]] = {}
        for code, r in coded.items():
            children.setdefault(_parent(code, present), []).append(r)
        totals = [r for r in ix.rows(panel) if r.kind == "total" and r.key in _TOTAL_KEYS and not r.code]
        groups: list[tuple[Row, list[Row], str]] = []
        for parent_code, kids in children.items():
            if parent_code is not None:
                groups.append((coded[parent_code], kids, "下级科目"))
        if totals and None in children:
            groups.append((totals[0], children[None], "各类"))
        for parent, kids, what in sorted(groups, key=lambda g: g[0].row):
            for key, total_cell in parent.cells.items():
                parts = [k.cells[key] for k in kids if key in k.cells]
                if quick and _settle(rule, ix, terms, policy, total_cell, parts, relations):
                    continue
                f = _judge(rule, ix, policy, path, parent, key, total_cell, parts, what, relations)
                if f is not None:
                    out.append(f)
    return out


def _settle(rule, ix: TableIndex, terms: CellTerms, policy: RoundingPolicy, total, parts, relations) -> bool:
    """Settle a sum that holds exactly (leaving the recipe of its relation) and return True; return False,
    having changed nothing, for every other one (`_judge` then judges it and writes the finding).

    Both sides are summed from Decimal(0) cell by cell, as `judge` sums (each 1·v, which is v)."""
    memo = terms.values
    v = memo.get(id(total))
    if v is None:
        v = terms.value(total)
    if v is UNKNOWN:
        return False
    left = _ZERO if v is NO_TERM else _ZERO + v  # type: ignore[operator]
    right = _ZERO
    for cell in parts:
        v = memo.get(id(cell))
        if v is None:
            v = terms.value(cell)
        if v is UNKNOWN:
            return False
        if v is not NO_TERM:
            right = right + v  # type: ignore[operator]
    diff = left - right
    if not holds_exactly("=", diff):
        return False
    if relations is not None:
        relations.defer((_relation, rule.id, ix, terms, policy, total, parts, diff))
    return True


def _relation(rule_id: str, ix: TableIndex, terms: CellTerms, policy: RoundingPolicy, total, parts,
              diff: Decimal, wanted=None) -> Relation | None:
    """The relation of a sum `_settle` settled with this difference, as `_judge` would record it; None, with
    nothing built, when `wanted` picks none of its cells."""
    if wanted is not None and not wanted(total) and not any(wanted(c) for c in parts):
        return None
    entries = terms.entries
    e = entries.get(id(total)) or terms.entry(total)
    left_widths = [e[0]] if e[0] is not None else []
    coefs: list[Coef] = [e[1]]
    widths: list[Decimal] = []
    for cell in parts:
        e = entries.get(id(cell)) or terms.entry(cell)
        if e[0] is not None:
            widths.append(e[0])
        coefs.append(e[2])
    return Relation(rule_id, "=", tuple(coefs), diff, policy.tolerance_for(left_widths, widths, ix.factor), None)


def _judge(rule, ix: TableIndex, policy, path, parent: Row, key: str, total, parts, what: str, relations=None) -> Finding | None:
    t = ix.table
    dec = t.decimals

    def term(cell) -> Term:
        hw = Decimal(0) if cell.value is None else half_unit(max(dec, cell.decimals))
        return Term(1, cell.amount * ix.factor, hw * ix.factor)

    unknown = next((c for c in [total, *parts] if c.unknown), None)
    if unknown is not None:
        return Finding(
            rule=rule.id,
            severity=Severity.INFO,
            verdict=Verdict.NOT_ASSESSABLE,
            message=f"{t.title}〔{parent.display}〕{key}：无法检查，{unknown.sheet}!{unknown.a1} 的值未知（{unknown.unknown}）",
            file=path,
            sheet=total.sheet,
            cell=total.a1,
            table_id=t.table_id,
            anchor=f"{parent.code or parent.key}|{key}|unknown",
        )
    j = policy.judge("=", [term(total)], [term(c) for c in parts], ix.factor)
    finding = None if j.verdict is Verdict.OK else _finding(rule, ix, parent, key, total, parts, what, j, path)
    if relations is not None:
        coefs = (Coef(total, ix.factor, t.decimals),) + tuple(Coef(c, -ix.factor, t.decimals) for c in parts)
        relations.add(Relation(rule.id, "=", coefs, j.difference, j.tolerance, finding))
    return finding


def _finding(rule, ix: TableIndex, parent: Row, key: str, total, parts, what: str, j, path: str) -> Finding:
    t = ix.table
    dec = t.decimals
    expected = at_precision(sum((c.amount for c in parts), Decimal(0)), dec)
    diff = at_precision((j.difference / ix.factor).normalize(), dec)
    tol = at_precision((j.tolerance / ix.factor).normalize(), dec)
    rounding = j.verdict is Verdict.ROUNDING
    tail = f"可由四舍五入解释（容差 ±{fmt(tol, dec)}）" if rounding else f"容差 ±{fmt(tol, dec)}"
    name = parent.display if parent.code else parent.label or parent.key
    detail = (
        f"〔{name}〕{key} {fmt(total.amount, dec)} {'≈' if rounding else '≠'} "
        f"{what}之和 {fmt(expected, dec)}（{len(parts)}项），差额 {fmt(diff, dec)}，{tail}"
    )
    cells = (CellRef(total.sheet, total.a1, _text(total, dec), "total"),) + tuple(
        CellRef(c.sheet, c.a1, _text(c, dec), "part") for c in parts
    )
    return Finding(
        rule=rule.id,
        severity=Severity.INFO if rounding else rule.severity,
        verdict=j.verdict,
        message=f"{t.title}{detail}",
        detail=detail,
        file=path,
        sheet=total.sheet,
        cell=total.a1,
        cells=cells,
        expected=expected,
        actual=at_precision(total.amount, dec),
        difference=diff,
        tolerance=tol,
        table_id=t.table_id,
        anchor=f"{parent.code or parent.key}|{key}",
    )


def _text(cell, dec: int) -> str | None:
    return None if cell.value is None else f"{cell.value:.{max(dec, cell.decimals)}f}"
