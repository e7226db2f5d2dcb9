"""Cells as terms of checks, memoised per workbook, and the shortcut for checks that hold exactly.

Most checks of a workbook pass with both sides equal to the cent. For those the verdict needs no interval
arithmetic (an exact identity is OK under every rounding mode) and no message, so the engine and the tree
checks settle them here and leave every other check — rounding, inconsistent, not assessable — to the full
evaluation, which judges with `RoundingPolicy.judge` and writes the finding. Both routes do the same Decimal
operations in the same order (the quick one leaves out adding Decimal("0"), which changes nothing, see
`CellTerms`), so differences and tolerances come out digit for digit the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from qidong_audit.model import Cell
from qidong_audit.numbers import RoundingPolicy, half_unit
from qidong_audit.rules.index import TableIndex
from qidong_audit.rules.relation import Coef

_ZERO = Decimal(0)
# memo entries, compared by identity: a cell whose value is unknown; a blank that adds nothing to any sum
_UNKNOWN: tuple = ("unknown",)
_NO_TERM: tuple = ("blank",)


class CellTerms:
    """One table's cells as they enter checks, for one workbook: value and rounding half-width in 万元
    (what `Term` holds), and the relation coefficient. A cell takes part in several checks (its row's
    identity, the tree, cross-table checks); this works each out once.

    Keyed by the cell's identity: the cells belong to the table, which outlives the evaluation."""

    __slots__ = ("_blank", "_coefs", "_terms", "_units", "_widths", "decimals", "factor", "index")

    def __init__(self, ix: TableIndex):
        self.index = ix
        self.factor = ix.factor
        self.decimals = ix.table.decimals
        self._terms: dict[int, tuple] = {}  # id(cell) → (value, half-width), _UNKNOWN or _NO_TERM
        self._coefs: dict[int, dict[int, Coef]] = {1: {}, -1: {}}
        # ∂diff/∂value of a cell on the left (+1) or right (−1) side, as the full evaluation computes it
        self._units = {1: 1 * ix.factor, -1: -1 * ix.factor}
        # A blank cell counts as 0·factor. Where that is Decimal("0") itself (万元, 亿元) it is left out of the sums:
        # they start at Decimal(0), their exponent never rises above 0 and they are never −0, so adding "0"
        # changes nothing. A zero like "0.0000" (a table in 元) lowers the exponent, so it is added as judge adds it.
        zero = _ZERO * ix.factor
        self._blank = _NO_TERM if zero.as_tuple() == _ZERO.as_tuple() else (zero, zero)
        self._widths: dict[int, Decimal] = {}  # the cell's decimals → its half-width in 万元

    def add(self, cells: Sequence[Cell], sign: int, side: int, values: list[Decimal], widths: list[Decimal],
            coefs: list[Coef] | None) -> bool:
        """Append each cell's signed value, half-width and (with `coefs`) coefficient, for a term with this
        sign on the left (side +1) or right (side −1); False as soon as a cell's value is unknown."""
        memo = self._terms
        own = self._coefs[side * sign] if coefs is not None else None
        for cell in cells:
            key = id(cell)
            term = memo.get(key)
            if term is None:
                term = memo[key] = self._term(cell)
            if term is _UNKNOWN:
                return False
            if term is not _NO_TERM:
                values.append(term[0] if sign == 1 else sign * term[0])  # 1·v is v: v is already at context precision
                widths.append(term[1])
            if own is not None:
                coef = own.get(key)
                if coef is None:
                    coef = own[key] = Coef(cell, self._units[side * sign], self.decimals)
                coefs.append(coef)  # type: ignore[union-attr]
        return True

    def _term(self, cell: Cell) -> tuple:
        if cell.unknown:
            return _UNKNOWN
        if cell.value is None:
            return self._blank
        hw = self._widths.get(cell.decimals)
        if hw is None:
            hw = self._widths[cell.decimals] = half_unit(max(self.decimals, cell.decimals)) * self.factor
        return cell.value * self.factor, hw


def settles(policy: RoundingPolicy) -> bool:
    """Whether checks under this policy may be settled here; a policy of another kind is always asked."""
    return type(policy) is RoundingPolicy
