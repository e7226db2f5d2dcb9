"""A rule pack's references worked out once per pack and table set, not once per check and workbook.

Resolving `JS01[收入:本年收入合计]` means splitting off the panel, reading the selector and canonicalising the
labels through the table set's aliases: the same for every workbook. A `RefPlan` holds the outcome, and the
engine only looks the row and the cell up in each workbook's index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from qidong_audit.recognise.spec import TableSet
from qidong_audit.rules.expr import Check, Const, Ref
from qidong_audit.rules.pack import Rule, RulePack

_PANEL = re.compile(r"^([^:：]+)[:：](.+)$")


def split_panel(sel: str) -> tuple[str | None, str]:
    """"收入:总计" → ("收入", "总计"); a selector without a panel → (None, selector)."""
    m = _PANEL.match(sel)
    return (m.group(1), m.group(2)) if m else (None, sel)


def canon_path(tables: TableSet, text: str) -> str:
    """A label or column key in canonical form, part by part ("决算数/公务接待费")."""
    return "/".join(tables.canon(p) for p in text.split("/"))


@dataclass(frozen=True, slots=True, eq=False)  # compared by identity: the engine memoises per plan
class RefPlan:
    """A reference with its workbook-independent parts resolved."""

    table: str
    single_row: bool  # a single-row table (三公): the one selector is the column
    panel: str | None
    kind: str  # "$" the current row, "@" every row of a level, "#" a code, "" a label (never "=", a ConstPlan)
    arg: str  # the level, the code or the canonical label
    column: str | None  # canonical column key; None = the row's only amount column
    optional: bool


@dataclass(frozen=True, slots=True, eq=False)
class ConstPlan:
    """A number written in the check."""

    value: Decimal
    kind: str = "="


Term = tuple[int, "RefPlan | ConstPlan"]  # (sign, term)


RowTerm = tuple[int, str, bool]  # (sign, column, optional): a term "$" of the row's table, column named


@dataclass(frozen=True, slots=True)
class CheckPlan:
    left: tuple[Term, ...]
    op: str
    right: tuple[Term, ...]
    # The commonest shape — every term the current row of one table, each naming its column (a row's total =
    # Σ its parts): that table, and each side's terms as RowTerms. The engine then looks the row up once.
    refs: bool = field(default=True, compare=False)  # the check refers to cells (not only to constants)
    row_table: str | None = field(default=None, compare=False)
    row_left: tuple[RowTerm, ...] = field(default=(), compare=False)
    row_right: tuple[RowTerm, ...] = field(default=(), compare=False)

    @classmethod
    def of(cls, left: tuple[Term, ...], op: str, right: tuple[Term, ...]) -> CheckPlan:
        """The plan, with its row shape where it has one."""
        terms = [t for _, t in left + right]
        refs = any(t.kind != "=" for t in terms)
        if terms and all(t.kind == "$" and t.column is not None and t.table == terms[0].table for t in terms):
            return cls(left, op, right, refs, terms[0].table,  # type: ignore[union-attr]
                       tuple((s, t.column, t.optional) for s, t in left),  # type: ignore[union-attr]
                       tuple((s, t.column, t.optional) for s, t in right))  # type: ignore[union-attr]
        return cls(left, op, right, refs)


@dataclass(frozen=True, slots=True)
class RulePlan:
    """Per instance of the rule, its check's plan; None where a reference could not be planned (the full
    evaluation then meets, and reports, the same problem)."""

    instances: tuple[CheckPlan | None, ...]
    tables: frozenset[str] = frozenset()  # every table the rule refers to (its cells lie there)
    dated: dict[int, Rule] = field(default_factory=dict, compare=False)  # a catalogue rule per catalogue year

    def for_year(self, rule: Rule, year: int) -> Rule:
        """A catalogue rule that names the catalogue's year in its messages (made once per year)."""
        dated = self.dated.get(year)
        if dated is None:
            dated = self.dated[year] = replace(rule, year_text=f"{year}年")
        return dated


def plan_ref(ref: Ref, tables: TableSet) -> RefPlan:
    """What `engine._resolve` works out from the reference alone, in the same way."""
    spec = tables.by_id(ref.table)
    if spec is not None and spec.single_row:
        column = canon_path(tables, ref.column or ref.row or "")
        return RefPlan(ref.table, True, None, "", "", column, ref.optional)
    panel, sel = split_panel(ref.row or "")
    column = canon_path(tables, ref.column) if ref.column else None
    if sel == "$":
        kind, arg = "$", ""
    elif sel.startswith("@"):
        kind, arg = "@", sel[1:]
    elif sel.startswith("#"):
        kind, arg = "#", sel[1:]
    else:
        kind, arg = "", tables.canon(sel) if "/" not in sel else canon_path(tables, sel)
    return RefPlan(ref.table, False, panel, kind, arg, column, ref.optional)


def plan_pack(pack: RulePack, tables: TableSet) -> tuple[RulePlan, ...]:
    """One plan per rule of the pack, in order. Equal references share one plan, so a workbook looks
    each of them up once."""
    shared: dict[Ref, RefPlan] = {}

    def term(sign: int, t: Ref | Const) -> Term:
        if isinstance(t, Const):
            return sign, ConstPlan(t.value)
        if t not in shared:
            shared[t] = plan_ref(t, tables)
        return sign, shared[t]

    def check(c: Check) -> CheckPlan | None:
        try:
            return CheckPlan.of(tuple(term(s, t) for s, t in c.left), c.op, tuple(term(s, t) for s, t in c.right))
        except Exception:  # noqa: BLE001 - left to the full evaluation, which reports it as the rule's error
            return None

    def tables_of(rule: Rule) -> frozenset[str]:
        return frozenset([r.table for inst in rule.instances for r in inst.check.refs()]
                         + [r.table for r in rule.iterate])

    return tuple(RulePlan(tuple(check(inst.check) for inst in rule.instances), tables_of(rule)) for rule in pack.rules)


_PLANS: dict[tuple[int, int], tuple[RulePack, TableSet, tuple[RulePlan, ...]]] = {}
_MAX_PLANS = 16


def plans_for(pack: RulePack, tables: TableSet) -> tuple[RulePlan, ...]:
    """`plan_pack`, memoised on the pack and the table set themselves (both are immutable; the entry keeps
    them alive, so their ids cannot be reused while it is cached)."""
    key = (id(pack), id(tables))
    hit = _PLANS.get(key)
    if hit is not None and hit[0] is pack and hit[1] is tables:
        return hit[2]
    plans = plan_pack(pack, tables)
    if len(_PLANS) >= _MAX_PLANS:
        del _PLANS[next(iter(_PLANS))]
    _PLANS[key] = (pack, tables, plans)
    return plans
