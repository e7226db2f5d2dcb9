"""Every evaluated check as a linear relation over cells — the input of diagnosis (which cell is wrong).

A relation says: diff = Σ coefᵢ·xᵢ (left side minus right side, in 万元) must satisfy `op` within `tol`.
Passing checks are kept too: they constrain which corrections are possible.

Both classes are values — never changed once made; diagnosis derives changed copies with dataclasses.replace —
but not frozen dataclasses: a workbook's checks make ~500 relations and ~1,000 coefficients, and a frozen
dataclass's __init__ (object.__setattr__ per field) made building them most of the cost of rule evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from decimal import Decimal

from qidong_audit.model import Cell, Finding


@dataclass(slots=True)
class Coef:
    cell: Cell
    coef: Decimal  # ∂diff/∂value: ±(the cell's unit in 万元)
    decimals: int  # the precision the cell's table publishes


@dataclass(slots=True)
class Relation:
    rule: str
    op: str  # "=" | "<=" | ">="
    coefs: tuple[Coef, ...]
    diff: Decimal  # left − right, 万元
    tol: Decimal  # 万元
    finding: Finding | None  # the finding this check produced, if it failed

    @property
    def failing(self) -> bool:
        return self.finding is not None and self.finding.verdict.value == "inconsistent"


class RelationLog:
    """One workbook's relations in evaluation order, the settled checks' built only when diagnosis asks for them.

    Diagnosis reads relations only when some check failed (and 舍位平衡 advice only when some check was off by
    rounding); such checks, like every check that carries a finding, are judged by the full evaluation, which
    makes their relations at once. A clean workbook — most of them — has no such check. So a rule's checks are
    recorded in a RelationBlock: each settled check (they all hold exactly) leaves only its difference, and its
    relation is rebuilt from the rule's walk over the workbook when it is asked for. Diagnosis only ever reads
    the relations that share a cell with a failing check, so it asks for those (`touching`), in evaluation
    order, which diagnosis depends on."""

    __slots__ = ("_entries", "judged")

    def __init__(self) -> None:
        self._entries: list[Relation | RelationBlock] = []
        self.judged: list[Relation] = []  # relations of the full evaluation: the only ones with a finding

    def add(self, relation: Relation) -> None:
        """A relation judged by the full evaluation, outside any block."""
        self._entries.append(relation)
        self.judged.append(relation)

    def block(self, contexts: Callable[[], Iterable[tuple]], build: Callable[..., Relation | None],
              tables: Collection[object] = (), sheets_of: Callable[[Any], Collection[str]] | None = None
              ) -> RelationBlock:
        """A new block, after everything recorded so far (see RelationBlock)."""
        block = RelationBlock(contexts, build, self.judged, tables, sheets_of)
        self._entries.append(block)
        return block

    def all(self) -> list[Relation]:
        """Every relation, in evaluation order."""
        out: list[Relation] = []
        for e in self._entries:
            if type(e) is Relation:
                out.append(e)
            else:
                out.extend(e.relations(None))  # type: ignore[union-attr]
        return out

    def touching(self, cells: Mapping[str, Collection[str]]) -> list[Relation]:
        """The relations with one of these cells (sheet → A1s), in evaluation order; of the settled checks'
        relations, only those are built, and a block whose tables lie on none of these sheets is not walked."""
        def wanted(cell: Cell) -> bool:
            a1s = cells.get(cell.sheet)
            return a1s is not None and cell.a1 in a1s

        out: list[Relation] = []
        for e in self._entries:
            if type(e) is Relation:
                if any(wanted(c.cell) for c in e.coefs):
                    out.append(e)
            elif e.may_touch(cells):  # type: ignore[union-attr]
                out.extend(e.relations(wanted))  # type: ignore[union-attr]
        return out

    def built(self) -> int:
        """How many relations of settled checks have been built so far."""
        return sum(len(e._built) for e in self._entries if type(e) is RelationBlock)


class RelationBlock:
    """The relations of one rule's checks on one workbook, in evaluation order.

    The rule appends one item to `items` per check it evaluates: the difference of a check settled on the quick
    route (a Decimal), the Relation of a judged one (`add`, which also tells the log), or None for a check that
    has no relation (not assessable). `contexts()` walks the same checks again, in the same order, giving for
    each the leading arguments of `build`; `build(*context, difference, wanted)` makes a settled check's
    relation — or returns None, building nothing, when `wanted` picks none of its cells.

    A settled check so costs one list append of a Decimal, which the garbage collector does not track: a
    workbook's ~500 settled checks leave no object behind.

    `tables` are where the block's cells lie (every check of a rule refers to the same few tables), and
    `sheets_of(table)` the sheets of one of them: diagnosis walks only the blocks on the sheets of its cells."""

    __slots__ = ("_build", "_built", "_contexts", "_judged", "_sheets_of", "_tables", "items")

    def __init__(self, contexts: Callable[[], Iterable[tuple]], build: Callable[..., Relation | None],
                 judged: list[Relation], tables: Collection[object] = (),
                 sheets_of: Callable[[Any], Collection[str]] | None = None) -> None:
        self._contexts, self._build, self._judged = contexts, build, judged
        self._tables, self._sheets_of = tables, sheets_of
        self.items: list[Decimal | Relation | None] = []
        self._built: dict[int, Relation] = {}  # item position → the relation built for it

    def add(self, relation: Relation) -> None:
        """The relation of a check the full evaluation judged."""
        self.items.append(relation)
        self._judged.append(relation)

    def may_touch(self, cells: Mapping[str, Collection[str]]) -> bool:
        """Whether a cell of the block can be among these (sheet → A1s); True where its tables are not known."""
        if self._sheets_of is None:
            return True
        return any(sheet in cells for table in self._tables for sheet in self._sheets_of(table))

    def relations(self, wanted: Callable[[Cell], bool] | None) -> list[Relation]:
        """The block's relations with a cell that `wanted` picks (all for None), in order."""
        out: list[Relation] = []
        i = -1
        for i, (context, item) in enumerate(zip(self._contexts(), self.items)):
            if item is None:
                continue
            if type(item) is Relation:
                rel: Relation | None = item
            else:
                rel = self._built.get(i)
                if rel is None:
                    rel = self._build(*context, item, wanted)
                    if rel is None:
                        continue
                    self._built[i] = rel
            if wanted is None or any(wanted(c.cell) for c in rel.coefs):  # type: ignore[union-attr]
                out.append(rel)  # type: ignore[arg-type]
        # The walk may go on past the last item (a rule that crashed stopped recording), never stop before it.
        if i != len(self.items) - 1:
            raise AssertionError("walked again, a rule's checks are fewer than those recorded")
        return out


def judged(relations: list[Relation] | RelationLog) -> list[Relation]:
    """The relations that may carry a finding, without building any other."""
    return relations.judged if isinstance(relations, RelationLog) else relations
