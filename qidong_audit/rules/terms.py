"""Cells as terms of checks, memoised per workbook, and the shortcut for checks that hold exactly.

Most checks of a workbook pass with both sides equal to the cent. For those the verdict needs no interval
arithmetic (an exact identity is OK under every rounding mode) and no message, so the engine and the tree
checks settle them here and leave every other check — rounding, inconsistent, not assessable — to the full
evaluation, which judges with `RoundingPolicy.judge` and writes the finding. Both routes do the same Decimal
operations in the same order (the quick one leaves out adding Decimal("0"), which changes nothing, see
`CellTerms`), so differences and tolerances come out digit for digit the same.
"""

from __future__ import annotations

from decimal import Decimal

from qidong_audit.model import Cell, Row
from qidong_audit.numbers import RoundingPolicy, half_unit
from qidong_audit.rules.index import TableIndex
from qidong_audit.rules.relation import Coef

_ZERO = Decimal(0)
# entries of `CellTerms.values`, compared by identity: a cell whose value is unknown; a blank that adds nothing
UNKNOWN: tuple = ("unknown",)
NO_TERM: tuple = ("blank",)


class CellTerms:
    """One table's cells as they enter checks, for one workbook: value and rounding half-width in 万元
    (what `Term` holds), and the relation coefficient. A cell takes part in several checks (its row's
    identity, the tree, cross-table checks); this works each out once.

    `values` is what the quick route reads (engine `_Run.settle`, tree `check_tree`): per cell its value in 万元,
    `NO_TERM` for a blank that adds nothing to a sum, or `UNKNOWN`. Half-widths and coefficients (`entries`)
    only matter for a relation, which is built only when diagnosis asks for it.

    Keyed by the cell's identity: the cells belong to the table, which outlives the evaluation."""

    __slots__ = ("_blank", "_units", "_widths", "decimals", "entries", "factor", "index", "rows", "values")

    def __init__(self, ix: TableIndex):
        self.index = ix
        self.factor = ix.factor
        self.decimals = ix.table.decimals
        self.values: dict[int, object] = {}  # id(cell) → value in 万元, NO_TERM or UNKNOWN
        self.rows: dict[int, dict[str, object]] = {}  # id(row) → `row`
        self.entries: dict[int, tuple] = {}  # id(cell) → `entry`
        # ∂diff/∂value of a cell on the left (+1) or right (−1) side, as the full evaluation computes it
        self._units = {1: 1 * ix.factor, -1: -1 * ix.factor}
        # A blank cell counts as 0·factor. Where that is Decimal("0") itself (万元, 亿元) it is left out of the sums:
        # they start at Decimal(0), their exponent never rises above 0 and they are never −0, so adding "0"
        # changes nothing. A zero like "0.0000" (a table in 元) lowers the exponent, so it is added as judge adds it.
        zero = _ZERO * ix.factor
        self._blank = NO_TERM if zero.as_tuple() == _ZERO.as_tuple() else zero
        self._widths: dict[int, Decimal] = {}  # the cell's decimals → its half-width in 万元
        self._fill()

    def _fill(self) -> None:
        """Every cell of the table at once, in one loop: checks reach nearly all of them (the row identities
        and the tree alone cover every amount cell), and working each out on first use cost a call per cell."""
        values, rows, factor, blank = self.values, self.rows, self.factor, self._blank
        for row in self.index.table.rows:
            out: dict[str, object] = {}
            for key, cell in row.cells.items():
                if cell.unknown:
                    v: object = UNKNOWN
                elif cell.value is None:
                    v = blank
                else:
                    v = cell.value * factor
                out[key] = values[id(cell)] = v
            rows[id(row)] = out

    def value(self, cell: Cell) -> object:
        """The entry of `values` for a cell that is not the table's own (callers look in `values` first)."""
        if cell.unknown:
            v: object = UNKNOWN
        elif cell.value is None:
            v = self._blank
        else:
            v = cell.value * self.factor
        self.values[id(cell)] = v
        return v

    def row(self, row: Row) -> dict[str, object]:
        """A row's cells as `values` entries by column key, in the row's order (callers look in `rows` first; this
        is for a row that is not the table's own). A row takes part in its own identity, the tree and
        cross-table checks: they look its cells up once."""
        memo = self.values
        out: dict[str, object] = {}
        for key, cell in row.cells.items():
            v = memo.get(id(cell))
            out[key] = v if v is not None else self.value(cell)
        self.rows[id(row)] = out
        return out

    def entry(self, cell: Cell) -> tuple:
        """What a relation needs of a cell that enters a settled check (callers look in `entries` first):
        its rounding half-width (None for a blank left out of the sums; a blank like "0.0000" has width
        "0.0000", as `judge` counts it), and its coefficient on the left (+1) and on the right (−1)."""
        v = self.values.get(id(cell))
        if v is None:
            v = self.value(cell)
        if v is NO_TERM:
            width = None
        elif cell.value is None:
            width = self._blank
        else:
            width = self._widths.get(cell.decimals)
            if width is None:
                width = self._widths[cell.decimals] = half_unit(max(self.decimals, cell.decimals)) * self.factor
        e = self.entries[id(cell)] = (width, Coef(cell, self._units[1], self.decimals),
                                      Coef(cell, self._units[-1], self.decimals))
        return e


def settles(policy: RoundingPolicy) -> bool:
    """Whether checks under this policy may be settled here; a policy of another kind is always asked."""
    return type(policy) is RoundingPolicy
