"""Hierarchy checks derived from the codes present: 合计 = Σ类, 类 = Σ款, 款 = Σ项, in every amount column.

A code's parent is its nearest present ancestor (a 项 whose 款 row is missing rolls up into the 类).
"其中" rows are subsets and never summed. A code printed twice is reported, and only its first row used.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from functools import partial

from qidong_audit.model import CellRef, Finding, Row, Severity, Verdict
from qidong_audit.numbers import RoundingPolicy, Term, at_precision, fmt, half_unit, holds_exactly
from qidong_audit.rules.index import TableIndex
from qidong_audit.rules.relation import Coef, Relation, RelationBlock, RelationLog
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
    block = None
    if relations is not None:
        block = relations.block(partial(_walk, rule.id, ix, terms, policy), _relation, (ix,), TableIndex.sheets)
    for parent, kids, what in _groups(ix):
        if quick:
            sums = _column_sums(terms, kids)
            totals = terms.rows.get(id(parent)) or terms.row(parent)
        for key, total_cell in parent.cells.items():
            if quick:
                # settled as `judge` would: Σ from Decimal(0) on each side, each 1·v (which is v)
                total, part = totals[key], sums.get(key, _ZERO)
                if total is not UNKNOWN and part is not UNKNOWN:
                    diff = (_ZERO if total is NO_TERM else _ZERO + total) - part  # type: ignore[operator]
                    if holds_exactly("=", diff):
                        if block is not None:
                            block.items.append(diff)
                        continue
            parts = [k.cells[key] for k in kids if key in k.cells]
            before = len(block.items) if block is not None else 0
            f = _judge(rule, ix, policy, path, parent, key, total_cell, parts, what, block)
            if block is not None and len(block.items) == before:
                block.items.append(None)  # no relation (a value unknown): the walk again must still meet it
            if f is not None:
                out.append(f)
    return out


def _groups(ix: TableIndex) -> Iterator[tuple[Row, list[Row], str]]:
    """Each sum the tree checks — (parent row, its child rows, what they are) — panel by panel, in row order."""
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
        yield from sorted(groups, key=lambda g: g[0].row)


def _walk(rule_id: str, ix: TableIndex, terms: CellTerms, policy: RoundingPolicy):
    """The sums `check_tree` evaluates, in its order, as the leading arguments of `_relation`."""
    for parent, kids, _ in _groups(ix):
        for key, total_cell in parent.cells.items():
            yield rule_id, ix, terms, policy, total_cell, kids, key


def _column_sums(terms: CellTerms, kids: list[Row]) -> dict[str, object]:
    """Per column, the sum of the rows' cells from Decimal(0) in row order (blanks that add nothing left out),
    or UNKNOWN where one of them is unknown: every column's right side at once, as `judge` would sum it."""
    sums: dict[str, object] = {}
    rows = terms.rows
    for kid in kids:
        values = rows.get(id(kid))
        if values is None:
            values = terms.row(kid)
        for key, v in values.items():
            if v is NO_TERM:
                continue
            if v is UNKNOWN:
                sums[key] = UNKNOWN
                continue
            s = sums.get(key, _ZERO)
            if s is not UNKNOWN:
                sums[key] = s + v  # type: ignore[operator]
    return sums


def _relation(rule_id: str, ix: TableIndex, terms: CellTerms, policy: RoundingPolicy, total, kids: list[Row],
              key: str, diff: Decimal, wanted=None) -> Relation | None:
    """The relation of a sum settled with this difference, as `_judge` would record it; None, with nothing
    built, when `wanted` picks none of its cells."""
    parts = [k.cells[key] for k in kids if key in k.cells]
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


def _judge(rule, ix: TableIndex, policy, path, parent: Row, key: str, total, parts, what: str,
           relations: RelationBlock | None = None) -> Finding | None:
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
