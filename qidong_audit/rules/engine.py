"""Evaluate a rule pack over one workbook's tables and return findings (never prints, never raises for data)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from qidong_audit.model import Cell, CellRef, Finding, Row, Severity, Verdict
from qidong_audit.numbers import RoundingPolicy, Term, at_precision, fmt, half_unit
from qidong_audit.recognise.spec import TableSet
from qidong_audit.rules.expr import Const, Ref
from qidong_audit.rules.index import TableIndex
from qidong_audit.rules.pack import Rule, RulePack
from qidong_audit.rules.relation import Coef, Relation
from qidong_audit.rules.catalog_rules import check_catalog
from qidong_audit.rules.tree import check_tree

_PANEL = re.compile(r"^([^:：]+)[:：](.+)$")


@dataclass
class _Resolved:
    """Cells a reference stands for (None = an absent row that counts as exact zero)."""

    index: TableIndex | None
    cells: list[Cell] = field(default_factory=list)
    missing: str | None = None
    desc: str = ""


@dataclass(frozen=True)
class Current:
    """The row a `for` rule is looking at: its code or label, and the row itself per table."""

    code: str | None
    key: str
    rows: dict[str, Row]
    display: str


def run_pack(pack: RulePack, indexes: dict[str, TableIndex], tables: TableSet, policy: RoundingPolicy, path: str,
             catalog=None, relations: list[Relation] | None = None) -> list[Finding]:
    """Findings of every rule; with `relations`, every evaluated identity is also collected there."""
    findings: list[Finding] = []
    for rule in pack.rules:
        try:
            if rule.kind == "catalog":
                if catalog is not None:
                    year_rule = replace(rule, year_text=f"{catalog.year}年")
                    for tid in rule.tables:
                        if tid in indexes:
                            findings.extend(check_catalog(year_rule, indexes[tid], catalog, path))
                continue
            if rule.kind == "tree":
                ix = indexes.get(rule.table or "")
                if ix is not None:
                    findings.extend(check_tree(rule, ix, policy, path, relations))
                continue
            findings.extend(_run_rule(rule, indexes, tables, policy, path, relations))
        except Exception as exc:  # a rule that crashes is one finding; the others still run
            findings.append(
                Finding(
                    rule=rule.id,
                    severity=Severity.ERROR,
                    verdict=Verdict.INVALID,
                    message=f"规则 {rule.id} 执行出错，未能检查：{type(exc).__name__}: {exc}",
                    file=path,
                    anchor="internal",
                )
            )
    return findings


def _run_rule(rule: Rule, indexes, tables: TableSet, policy: RoundingPolicy, path: str, relations=None) -> list[Finding]:
    out: list[Finding] = []
    missing: dict[str, None] = {}
    for inst in rule.instances:
        currents: list[Current | None] = [None]
        if rule.iterate:
            absent = [r.table for r in rule.iterate if r.table not in indexes]
            if len(absent) == len(rule.iterate):
                missing[_missing_table(absent[0], tables)] = None
                continue
            currents = list(_iterate(rule.iterate, indexes, tables))
        for current in currents:
            f = _evaluate(rule, inst.each, inst.check, current, indexes, tables, policy, path, missing, relations)
            if f is not None:
                out.append(f)
    for reason in missing:
        out.append(
            Finding(
                rule=rule.id,
                severity=Severity.INFO,
                verdict=Verdict.NOT_ASSESSABLE,
                message=f"{rule.title}：无法检查，{reason}",
                file=path,
                anchor=f"missing|{reason}",
            )
        )
    return out


def _missing_table(table_id: str, tables: TableSet) -> str:
    spec = tables.by_id(table_id)
    return f"工作簿中没有{spec.title if spec else table_id}（{table_id}）"


def _split_panel(sel: str) -> tuple[str | None, str]:
    m = _PANEL.match(sel)
    return (m.group(1), m.group(2)) if m else (None, sel)


def _iterate(selectors: tuple[Ref, ...], indexes, tables: TableSet):
    """Rows to iterate over: the union of every selector's rows, matched by code, else by label."""
    order: list[tuple[str, str]] = []
    found: dict[tuple[str, str], Current] = {}
    for ref in selectors:
        ix = indexes.get(ref.table)
        if ix is None:
            continue
        panel, sel = _split_panel(ref.row or "*")
        rows = ix.rows(panel) if sel == "*" else ix.rows_at(panel, sel[1:])
        for row in rows:
            ident = ("code", row.code) if row.code else ("key", f"{row.panel}|{row.key}|{row.row}")
            if ident not in found:
                order.append(ident)
                found[ident] = Current(row.code, row.key, {}, row.display)
            found[ident].rows.setdefault(ref.table, row)
    for ident in order:
        yield found[ident]


def _resolve(ref: Ref, current: Current | None, indexes, tables: TableSet) -> _Resolved:
    ix = indexes.get(ref.table)
    spec = tables.by_id(ref.table)
    if ix is None:  # "?" covers a missing row or column, never a missing table
        return _Resolved(None, missing=_missing_table(ref.table, tables))
    title = spec.title if spec else ref.table
    if spec is not None and spec.single_row:
        column = "/".join(tables.canon(p) for p in (ref.column or ref.row or "").split("/"))
        rows = ix.table.rows
        if not rows:
            return _Resolved(ix, desc=column)
        cell = rows[0].cells.get(column)
        if cell is None:
            return _Resolved(ix, desc=column) if ref.optional else _Resolved(ix, missing=f"{title}没有「{column}」栏", desc=column)
        return _Resolved(ix, [cell], desc=column)
    panel, sel = _split_panel(ref.row or "")
    column = "/".join(tables.canon(p) for p in ref.column.split("/")) if ref.column else None
    if ix.empty and not ix.table.rows:
        return _Resolved(ix, desc=sel)
    rows: list[Row] = []
    desc = sel
    if sel == "$":
        assert current is not None
        row = current.rows.get(ref.table)
        if row is None and current.code:
            row = ix.row_by_code(panel, current.code)
        if row is None and not current.code:
            row = ix.row_by_label(panel, current.key)
        desc = "" if ref.table in current.rows else current.display
        if row is None:
            if current.code:
                rows = ix.descendants(panel, current.code)
            elif not ref.optional:
                return _Resolved(ix, missing=f"{title}没有「{current.key}」行", desc=desc)
        else:
            rows = [row]
    elif sel.startswith("@"):
        rows = ix.rows_at(panel, sel[1:])
    elif sel.startswith("#"):
        code = sel[1:]
        row = ix.row_by_code(panel, code)
        rows = [row] if row is not None else ix.descendants(panel, code)
        desc = row.display if row is not None else code
    else:
        key = tables.canon(sel) if "/" not in sel else "/".join(tables.canon(p) for p in sel.split("/"))
        row = ix.row_by_label(panel, key)
        if row is None:
            if ref.optional or not ix.table.rows:
                return _Resolved(ix, desc=key)
            return _Resolved(ix, missing=f"{title}没有「{key}」行", desc=key)
        rows = [row]
        desc = key
    cells: list[Cell] = []
    for row in rows:
        key, cell = ix.column(row, column)
        if cell is None:
            if key is None and column is None:
                return _Resolved(ix, missing=f"{title}「{row.display}」行有多个金额列，规则须指明列", desc=desc)
            if ref.optional or not _has_column(ix, row.panel, column):
                if ref.optional:
                    continue
                return _Resolved(ix, missing=f"{title}没有「{column}」栏", desc=desc)
            continue
        cells.append(cell)
    if sel.startswith("@"):
        desc = f"各{sel[1:]}{'（' + column + '）' if column else ''}之和"
    elif column:
        desc = f"{desc}·{column}" if desc else column
    elif not desc:
        desc = rows[0].display if rows else sel
    return _Resolved(ix, cells, desc=desc)


def _has_column(ix: TableIndex, panel: str, column: str | None) -> bool:
    return any(c.key == column and c.panel == panel for c in ix.table.columns)


def _evaluate(rule: Rule, each: str, check, current: Current | None, indexes, tables, policy, path, missing,
              relations: list[Relation] | None = None) -> Finding | None:
    sides: list[list[Term]] = [[], []]
    roles: list[list[tuple[_Resolved, Cell]]] = [[], []]
    descs: list[list[str]] = [[], []]
    signed: list[tuple[int, int, _Resolved, Cell]] = []  # (side, sign, reference, cell)
    primary: TableIndex | None = None
    for s, terms in enumerate((check.left, check.right)):
        for sign, term in terms:
            if isinstance(term, Const):
                sides[s].append(Term(sign, term.value, Decimal(0)))
                descs[s].append(str(term.value))
                continue
            res = _resolve(term, current, indexes, tables)
            if res.missing:
                missing[res.missing] = None
                return None
            if res.index is None:
                continue
            unknown = next((c for c in res.cells if c.unknown), None)
            if unknown is not None:
                missing[f"{unknown.sheet}!{unknown.a1} 的值未知（{unknown.unknown}）"] = None
                return None
            primary = primary or res.index
            prefix = "" if res.index is primary else f"{res.index.table.title}"
            text = ("−" if sign < 0 else "") + prefix + res.desc
            # optional terms that are blank are left out of the message, unless the side would be empty
            if not term.optional or any(c.value is not None for c in res.cells) or not descs[s]:
                descs[s].append(text)
            for cell in res.cells:
                hw = Decimal(0) if cell.value is None else half_unit(max(res.index.table.decimals, cell.decimals))
                sides[s].append(Term(sign, cell.amount * res.index.factor, hw * res.index.factor))
                roles[s].append((res, cell))
                signed.append((s, sign, res, cell))
    if primary is None:
        return None
    judgement = policy.judge(check.op, sides[0], sides[1], primary.factor)
    finding = None if judgement.verdict is Verdict.OK else _finding(
        rule, each, check, current, primary, judgement, sides, roles, descs, path)
    if relations is not None:
        coefs = tuple(
            Coef(cell, (1 if s == 0 else -1) * sign * r.index.factor, r.index.table.decimals)
            for s, sign, r, cell in signed
        )
        relations.append(Relation(rule.id, check.op, coefs, judgement.difference, judgement.tolerance, finding))
    return finding


def _finding(rule, each, check, current, primary, judgement, sides, roles, descs, path) -> Finding:
    factor = primary.factor
    actual = sum((t.weight * t.value for t in sides[0]), Decimal(0)) / factor
    expected = sum((t.weight * t.value for t in sides[1]), Decimal(0)) / factor
    decimals = primary.table.decimals
    actual, expected = at_precision(actual.normalize(), decimals), at_precision(expected.normalize(), decimals)
    diff = at_precision((judgement.difference / factor).normalize(), decimals)
    tol = at_precision((judgement.tolerance / factor).normalize(), decimals)
    rounding = judgement.verdict is Verdict.ROUNDING
    where = f"〔{current.display}〕" if current is not None else ""
    op = {"=": "≠", "<=": ">", ">=": "<"}[check.op]
    tail = f"可由四舍五入解释（容差 ±{fmt(tol, decimals)}）" if rounding else f"容差 ±{fmt(tol, decimals)}"
    detail = (
        f"{where}{_side_text(descs[0])} {fmt(actual, decimals)} {op if not rounding else '≈'} "
        f"{_side_text(descs[1])} {fmt(expected, decimals)}，差额 {fmt(diff, decimals)}，{tail}"
    )
    cells = tuple(
        CellRef(c.sheet, c.a1, _value_text(c, r.index.table.decimals), role)
        for role, pairs in (("total", roles[0]), ("part", roles[1]))
        for r, c in pairs
    )
    first = roles[0][0][1] if roles[0] else (roles[1][0][1] if roles[1] else None)
    anchor = "|".join(x for x in (each, current.code or current.key if current else "") if x)
    return Finding(
        rule=rule.id,
        severity=Severity.INFO if rounding else rule.severity,
        verdict=judgement.verdict,
        message=f"{rule.title}：{detail}",
        detail=detail,
        file=path,
        sheet=first.sheet if first else None,
        cell=first.a1 if first else None,
        cells=cells,
        expected=expected,
        actual=actual,
        difference=diff,
        tolerance=tol,
        table_id=primary.table.table_id,
        anchor=anchor,
    )


def _value_text(cell: Cell, decimals: int) -> str | None:
    if cell.value is None:
        return None
    return f"{cell.value:.{max(decimals, cell.decimals)}f}"


def _side_text(descs: list[str]) -> str:
    if len(descs) > 4:
        return f"{'+'.join(descs[:3])}…等{len(descs)}项之和"
    return "+".join(descs).replace("+−", "−")
