"""Every evaluated check as a linear relation over cells — the input of diagnosis (which cell is wrong).

A relation says: diff = Σ coefᵢ·xᵢ (left side minus right side, in 万元) must satisfy `op` within `tol`.
Passing checks are kept too: they constrain which corrections are possible.

Both classes are values — never changed once made; diagnosis derives changed copies with dataclasses.replace —
but not frozen dataclasses: a workbook's checks make ~500 relations and ~1,000 coefficients, and a frozen
dataclass's __init__ (object.__setattr__ per field) made building them most of the cost of rule evaluation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
    """One workbook's relations in evaluation order, each built only when diagnosis asks for it.

    Diagnosis reads relations only when some check failed (and 舍位平衡 advice only when some check was off by
    rounding); such checks, like every check that carries a finding, are judged by the full evaluation and
    their relations made at once (`add`). A clean workbook — most of them — has no such check, so the checks
    settled on the quick route (which all hold exactly) leave a recipe here instead of a Relation (`defer`): a
    tuple (function, *arguments) whose call `function(*arguments, wanted)` builds the same relation later, from
    the same workbook and the same memos — or returns None, building nothing, when `wanted` (a test on cells)
    picks none of its cells. Diagnosis only ever reads the relations that share a cell with a failing check,
    so it asks for those (`touching`), in evaluation order, which diagnosis depends on."""

    __slots__ = ("_built", "_entries", "defer", "judged")

    def __init__(self) -> None:
        self._entries: list[Relation | tuple] = []
        self.judged: list[Relation] = []  # relations of the full evaluation: the only ones with a finding
        self._built: dict[int, Relation] = {}  # position in _entries → the relation its recipe built
        # The list's own append: the quick route leaves one recipe per settled check, ~500 a workbook, so a
        # recipe costs what an append costs.
        self.defer: Callable[[tuple], None] = self._entries.append

    def add(self, relation: Relation) -> None:
        """A relation judged by the full evaluation (made at once: it may carry a finding)."""
        self._entries.append(relation)
        self.judged.append(relation)

    def all(self) -> list[Relation]:
        """Every relation, in evaluation order."""
        return [self._relation(i, None) for i in range(len(self._entries))]  # type: ignore[misc]

    def touching(self, wanted: Callable[[Cell], bool]) -> list[Relation]:
        """The relations with a cell that `wanted` picks, in evaluation order (only those are built)."""
        out = []
        for i in range(len(self._entries)):
            rel = self._relation(i, wanted)
            if rel is not None:
                out.append(rel)
        return out

    def _relation(self, i: int, wanted: Callable[[Cell], bool] | None) -> Relation | None:
        e = self._entries[i]
        if type(e) is Relation:
            return e if wanted is None or any(wanted(c.cell) for c in e.coefs) else None
        rel = self._built.get(i)
        if rel is None:
            rel = e[0](*e[1:], wanted)
            if rel is None:
                return None
            self._built[i] = rel
        return rel if wanted is None or any(wanted(c.cell) for c in rel.coefs) else None

    def __len__(self) -> int:
        return len(self._entries)


def judged(relations: list[Relation] | RelationLog) -> list[Relation]:
    """The relations that may carry a finding, without building any deferred one."""
    return relations.judged if isinstance(relations, RelationLog) else relations
