"""Evaluate a rule pack over one workbook's tables and return findings (never prints, never raises for data).

A check is first tried on the quick route (`_Run.settle`): references planned once per pack (rules/plan.py),
cells looked up, sums taken. A check that holds exactly is settled there. Anything else — a failed or merely
rounding-consistent check, a missing row, an unknown value, an error — goes to the full evaluation
(`_evaluate`), which judges it and writes the finding exactly as it always has.

Every evaluated check is also a relation for diagnosis (rules/relation.py). A settled check only leaves its
difference in the rule's RelationBlock; `_Builder.relation` builds the relation if diagnosis asks, which it
does only for workbooks with a failing check, and then only for the relations near the failure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from dataclasses import dataclass, field
from decimal import Decimal

from qidong_audit.model import Cell, CellRef, Finding, Row, Severity, Verdict
from qidong_audit.numbers import RoundingPolicy, Term, at_precision, fmt, half_unit, holds_exactly
from qidong_audit.recognise.spec import TableSet
from qidong_audit.rules.catalog_rules import check_catalog
from qidong_audit.rules.expr import Const, Ref
from qidong_audit.rules.index import TableIndex
from qidong_audit.rules.pack import Rule, RulePack
from qidong_audit.rules.plan import CheckPlan, RefPlan, RulePlan, plans_for, split_panel
from qidong_audit.rules.plan import Term as PlanTerm
from qidong_audit.rules.relation import Coef, Relation, RelationBlock, RelationLog
from qidong_audit.rules.terms import NO_TERM, UNKNOWN, CellTerms, settles
from qidong_audit.rules.tree import check_tree

_ZERO = Decimal(0)
_ONCE: tuple[None] = (None,)  # the one "current row" of a rule without `for`


@dataclass
class _Resolved:
    """Cells a reference stands for (None = an absent row that counts as exact zero)."""

    index: TableIndex | None
    cells: list[Cell] = field(default_factory=list)
    missing: str | None = None
    desc: str = ""


class Current:
    """The row a `for` rule is looking at: its code or label, and the row itself per table."""

    __slots__ = ("_found", "code", "first", "key", "rows")

    def __init__(self, code: str | None, key: str, rows: dict[str, Row], first: Row):
        self.code, self.key, self.rows, self.first = code, key, rows, first
        self._found: dict[str | tuple[str, str], list[Row] | None] | None = None  # made on first use

    def rows_in(self, table: str, ix: TableIndex, panel: str | None) -> list[Row] | None:
        """This row in a table (with its index): itself if the table was walked, else the row with its code (or the
        nearest rows below an absent code) or with its label; None when no row has the label. Several rules
        walking the same rows look for them in the same tables."""
        key = table if panel is None else (table, panel)  # a str and a tuple never meet
        if self._found is None:
            self._found = {}
        found = self._found.get(key, False)
        if found is False:
            row = self.rows.get(table)
            if row is None and self.code:
                row = ix.row_by_code(panel, self.code)
            if row is None and not self.code:
                row = ix.row_by_label(panel, self.key)
            if row is not None:
                found = [row]
            elif self.code:
                found = ix.descendants(panel, self.code)
            else:
                found = None
            self._found[key] = found
        return found  # type: ignore[return-value]

    @property
    def display(self) -> str:
        """How messages name the row (only needed when there is something to say)."""
        return self.first.display


def run_pack(pack: RulePack, indexes: dict[str, TableIndex], tables: TableSet, policy: RoundingPolicy, path: str,
             catalog=None, relations: list[Relation] | RelationLog | None = None) -> list[Finding]:
    """Findings of every rule; with `relations`, every evaluated identity is also collected there: in a
    RelationLog, where the relations of checks that hold exactly are built only if diagnosis needs them, or in a
    list, as Relations."""
    findings: list[Finding] = []
    log = relations if relations is None or isinstance(relations, RelationLog) else RelationLog()
    run = _Run(indexes, tables, policy, path, log)
    for rule, plan in zip(pack.rules, plans_for(pack, tables)):
        try:
            if rule.kind == "catalog":
                if catalog is not None:
                    year_rule = plan.for_year(rule, catalog.year)
                    for tid in rule.tables:
                        if tid in indexes:
                            findings.extend(check_catalog(year_rule, indexes[tid], catalog, path))
                continue
            if rule.kind == "tree":
                ix = indexes.get(rule.table or "")
                if ix is not None:
                    findings.extend(check_tree(rule, ix, policy, path, log, run.terms(ix)))
                continue
            findings.extend(_run_rule(rule, plan, run))
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
    if log is not relations:
        relations.extend(log.all())  # type: ignore[union-attr]
    return findings


class _Run:
    """One workbook's evaluation of one pack: its indexes, and what is worth working out only once for it
    (the rows a `for` walks, the cells of references that do not depend on the current row, cell terms)."""

    def __init__(self, indexes: dict[str, TableIndex], tables: TableSet, policy: RoundingPolicy, path: str,
                 relations: RelationLog | None):
        self.indexes, self.tables, self.policy, self.path, self.relations = indexes, tables, policy, path, relations
        self.quick = settles(policy)
        self._tables = {tid: CellTerms(ix) for tid, ix in indexes.items()}
        self._values = {tid: terms.values for tid, terms in self._tables.items()}
        self._static: dict[RefPlan, list[Cell] | None] = {}  # cells of references without `$`
        self._currents: dict[tuple[Ref, ...], list[Current]] = {}
        builder = _Builder(indexes, self._tables, self._static, policy)
        self.build, self.sheets_of = builder.relation, builder.sheets  # bound once: every rule's block takes them

    def terms(self, ix: TableIndex) -> CellTerms:
        terms = self._tables.get(ix.table.table_id)
        return terms if terms is not None and terms.index is ix else CellTerms(ix)

    def currents(self, selectors: tuple[Ref, ...]) -> list[Current]:
        """The rows a `for` walks; several rules walk the same ones."""
        found = self._currents.get(selectors)
        if found is None:
            found = self._currents[selectors] = _iterate(selectors, self.indexes, self.tables)
        return found

    def settle(self, check: CheckPlan, current: Current | None) -> Decimal | None:
        """The difference of a check that holds exactly (its relation is built from it if diagnosis asks); None,
        having changed nothing, for every other check.

        Each side is summed from Decimal(0), term by term and cell by cell, each value v added as v (sign +1) or
        −1·v: the very operations of `RoundingPolicy.judge`, so the verdict is its verdict. Nothing else is
        worked out here — no half-widths, tolerance or coefficients: they are the relation's, built by
        `_Builder.relation`. The cells of each term are `_Builder.term_cells`, written out inline with the
        common `$` case first (this runs ~260 times a workbook). The commonest shape, a row's total = Σ its
        parts, looks its row up once (`_settle_row`)."""
        if check.row_table is not None:
            row = current.rows.get(check.row_table)  # type: ignore[union-attr]
            if row is not None:
                settled = self._settle_row(check, row)
                if settled is not None:
                    return None if settled is False else settled  # type: ignore[return-value]
        if not check.refs:  # a check of constants alone is left to the full evaluation, as before
            return None
        left = self._side(check.left, current)
        if left is None:
            return None
        right = self._side(check.right, current)
        if right is None:
            return None
        diff = left - right
        return diff if holds_exactly(check.op, diff) else None

    def _side(self, terms: tuple[PlanTerm, ...], current: Current | None) -> Decimal | None:
        """One side's sum for `settle`, or None where the check cannot be settled (a reference without cells,
        an unknown value)."""
        acc = _ZERO
        for sign, term in terms:
            kind = term.kind
            if kind == "$":
                # the common case first: the current row is in this table and has the column
                row = current.rows.get(term.table)  # type: ignore[union-attr]
                cell = None
                if row is not None:
                    column = term.column
                    if column is not None:
                        cell = row.cells.get(column)
                    elif len(row.cells) == 1:  # no column named: the row's only amount column
                        cell = next(iter(row.cells.values()))
                if cell is not None:
                    cells = (cell,)
                elif row is not None and term.column is not None and term.optional:
                    continue  # "?": the row lacks the column, which counts as zero
                else:
                    cells = _cells(term, current, self.indexes)
            elif kind == "=":  # a constant
                acc = acc + sign * term.value
                continue
            else:
                cells = self._static.get(term, False)
                if cells is False:
                    cells = self._static[term] = _cells(term, None, self.indexes)
            if cells is None:
                return None
            memo = self._values[term.table]
            for cell in cells:
                v = memo.get(id(cell))
                if v is None:
                    v = self._tables[term.table].value(cell)
                if v is UNKNOWN:
                    return None
                if v is not NO_TERM:
                    acc = acc + (v if sign == 1 else sign * v)  # type: ignore[operator]
        return acc

    def _settle_row(self, check: CheckPlan, row: Row) -> Decimal | bool | None:
        """`settle` for a check of the row shape (plan.py) on a row of its table: the difference where the check
        holds exactly, False where it does not, None where the row lacks a column the check needs (the general
        route then finds out whether the table has that column)."""
        terms = self._tables[check.row_table]  # type: ignore[index]
        values = terms.rows.get(id(row))
        if values is None:
            values = terms.row(row)
        left = _row_side(values, check.row_left)
        if left is None or left is False:
            return left
        right = _row_side(values, check.row_right)
        if right is None or right is False:
            return right
        diff = left - right
        return diff if holds_exactly(check.op, diff) else False


def _row_side(values: dict, terms: tuple) -> Decimal | bool | None:
    """One side of a row-shaped check (`_settle_row`): its sum; None where the row lacks a column the side needs,
    False where one of its values is unknown."""
    acc = _ZERO
    for sign, column, optional in terms:
        v = values.get(column)
        if v is None:
            if optional:
                continue
            return None
        if v is UNKNOWN:
            return False
        if v is not NO_TERM:
            acc = acc + (v if sign == 1 else sign * v)  # type: ignore[operator]
    return acc


class _Builder:
    """What building the relation of a settled check needs: the workbook's indexes, cell terms and memos, shared
    with its `_Run` — but never the RelationLog that keeps the blocks. A way back from the blocks to the log
    would make every workbook's tables and cells a reference cycle, left to the garbage collector (whose
    passes over them then cost more than building the relations ever did) instead of freed with the log."""

    __slots__ = ("_sheets", "indexes", "policy", "static", "tables")

    def __init__(self, indexes: dict[str, TableIndex], tables: dict[str, CellTerms],
                 static: dict[RefPlan, list[Cell] | None], policy: RoundingPolicy):
        self.indexes, self.tables, self.static, self.policy = indexes, tables, static, policy
        self._sheets: dict[str, set[str]] = {}

    def sheets(self, table_id: str) -> set[str]:
        """The sheets a table's cells lie on (none for a table the workbook lacks)."""
        found = self._sheets.get(table_id)
        if found is None:
            ix = self.indexes.get(table_id)
            found = self._sheets[table_id] = ix.sheets() if ix is not None else set()
        return found

    def relation(self, rule_id: str, check: CheckPlan, current: Current | None, diff: Decimal,
                 wanted: Callable[[Cell], bool] | None = None) -> Relation | None:
        """The relation of a check `_Run.settle` settled with this difference: coefficients and tolerance as the
        full evaluation (`_evaluate`) would record them — the same cells in the same order, the same
        half-widths summed in the same order. None, with nothing built, when `wanted` picks none of its cells."""
        terms = [(side * sign, term, None if term.kind == "=" else self.term_cells(term, current))
                 for side, side_terms in ((1, check.left), (-1, check.right)) for sign, term in side_terms]
        if wanted is not None and not any(wanted(cell) for _, _, cells in terms if cells for cell in cells):
            return None
        coefs: list[Coef] = []
        primary: CellTerms | None = None
        lw: list[Decimal] = []
        rw: list[Decimal] = []
        n_left = len(check.left)
        for i, (way, term, cells) in enumerate(terms):
            widths = lw if i < n_left else rw
            if cells is None:  # a constant
                widths.append(_ZERO)
                continue
            table = self.tables[term.table]
            if primary is None:
                primary = table
            entries = table.entries
            pick = 1 if way == 1 else 2  # the coefficient on the left, or on the right
            for cell in cells:
                e = entries.get(id(cell)) or table.entry(cell)
                if e[0] is not None:
                    widths.append(e[0])
                coefs.append(e[pick])
        assert primary is not None
        return Relation(rule_id, check.op, tuple(coefs), diff, self.policy.tolerance_for(lw, rw, primary.factor), None)

    def term_cells(self, term: RefPlan, current: Current | None) -> Sequence[Cell] | None:
        """The cells a planned reference stands for: `_cells`, with the current row's own cell looked up
        directly where the row is in the reference's table (`_Run.settle` does the same inline)."""
        if term.kind == "$":
            row = current.rows.get(term.table)  # type: ignore[union-attr]
            if row is not None:
                if term.column is not None:
                    cell = row.cells.get(term.column)
                    if cell is not None:
                        return (cell,)
                    if term.optional:
                        return ()
                elif len(row.cells) == 1:
                    return tuple(row.cells.values())
            return _cells(term, current, self.indexes)
        cells = self.static.get(term, False)
        if cells is False:
            cells = self.static[term] = _cells(term, None, self.indexes)
        return cells


def _cells(ref: RefPlan, current: Current | None, indexes: dict[str, TableIndex]) -> Sequence[Cell] | None:
    """`_resolve` for the common case, with the planned reference: the same rows and cells, or None where
    `_resolve` reports a missing table, row or column."""
    ix = indexes.get(ref.table)
    if ix is None:
        return None
    table_rows = ix.table.rows
    if ref.single_row:
        if not table_rows:
            return []
        cell = table_rows[0].cells.get(ref.column)  # type: ignore[arg-type]
        if cell is None:
            return [] if ref.optional else None
        return [cell]
    if ix.empty and not table_rows:
        return []
    panel = ref.panel
    if ref.kind == "$":
        assert current is not None
        found = current.rows_in(ref.table, ix, panel)
        if found is not None:
            rows = found
        elif ref.optional:
            rows = []
        else:
            return None
    elif ref.kind == "@":
        rows = ix.rows_at(panel, ref.arg)
    elif ref.kind == "#":
        row = ix.row_by_code(panel, ref.arg)
        rows = [row] if row is not None else ix.descendants(panel, ref.arg)
    else:
        row = ix.row_by_label(panel, ref.arg)
        if row is None:
            return [] if ref.optional or not table_rows else None
        rows = [row]
    column = ref.column
    cells: list[Cell] = []
    for row in rows:
        if column is None:
            if len(row.cells) != 1:  # several amount columns: the rule must name one
                return None
            cells.append(next(iter(row.cells.values())))
            continue
        cell = row.cells.get(column)
        if cell is not None:
            cells.append(cell)
        elif not ref.optional and not _has_column(ix, row.panel, column):
            return None
    return cells


def _run_rule(rule: Rule, plan: RulePlan, run: _Run) -> list[Finding]:
    indexes, tables, policy, path = run.indexes, run.tables, run.policy, run.path
    out: list[Finding] = []
    missing: dict[str, None] = {}
    currents: Sequence[Current | None] | None = _ONCE
    if rule.iterate:
        absent = [r.table for r in rule.iterate if r.table not in indexes]
        if len(absent) == len(rule.iterate):
            currents = None  # every instance is reported as not assessable
        else:
            currents = run.currents(rule.iterate)  # type: ignore[assignment]
    block = None
    if run.relations is not None:
        block = run.relations.block(partial(_walk, rule.id, plan.instances, currents), run.build, plan.tables,
                                    run.sheets_of)
        record = block.items.append
    settle = run.settle if run.quick else None
    for inst, check in zip(rule.instances, plan.instances):
        if currents is None:
            missing[_missing_table(absent[0], tables)] = None
            continue
        quick = settle is not None and check is not None
        for current in currents:
            if quick:
                diff = settle(check, current)  # type: ignore[misc]
                if diff is not None:
                    if block is not None:
                        record(diff)
                    continue
            before = len(block.items) if block is not None else 0
            f = _evaluate(rule, inst.each, inst.check, current, indexes, tables, policy, path, missing, block)
            if block is not None and len(block.items) == before:
                record(None)  # no relation (not assessable): the walk again must still meet this check
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


def _walk(rule_id: str, checks: tuple[CheckPlan | None, ...], currents: Sequence[Current | None] | None):
    """The checks `_run_rule` evaluates, in its order, as the leading arguments of `_Builder.relation`."""
    if currents is None:
        return
    for check in checks:
        for current in currents:
            yield rule_id, check, current


def _missing_table(table_id: str, tables: TableSet) -> str:
    spec = tables.by_id(table_id)
    return f"工作簿中没有{spec.title if spec else table_id}（{table_id}）"


def _iterate(selectors: tuple[Ref, ...], indexes, tables: TableSet) -> list[Current]:
    """Rows to iterate over: the union of every selector's rows, matched by code, else by label, in the order
    first met. A coded row is known by its code (a str), any other by a tuple: the two never meet."""
    found: dict[str | tuple[str, str], Current] = {}
    for ref in selectors:
        ix = indexes.get(ref.table)
        if ix is None:
            continue
        table = ref.table
        panel, sel = split_panel(ref.row or "*")
        rows = ix.rows(panel) if sel == "*" else ix.rows_at(panel, sel[1:])
        for row in rows:
            code = row.code
            ident = code if code else ("key", f"{row.panel}|{row.key}|{row.row}")
            current = found.get(ident)
            if current is None:
                found[ident] = Current(code, row.key, {table: row}, row)
            elif table not in current.rows:
                current.rows[table] = row
    return list(found.values())


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
    panel, sel = split_panel(ref.row or "")
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
              relations: RelationBlock | None = None) -> Finding | None:
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
        relations.add(Relation(rule.id, check.op, coefs, judgement.difference, judgement.tolerance, finding))
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
