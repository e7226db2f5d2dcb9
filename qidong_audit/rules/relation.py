"""Every evaluated check as a linear relation over cells — the input of diagnosis (which cell is wrong).

A relation says: diff = Σ coefᵢ·xᵢ (left side minus right side, in 万元) must satisfy `op` within `tol`.
Passing checks are kept too: they constrain which corrections are possible.

Both classes are values — never changed once made; diagnosis derives changed copies with dataclasses.replace —
but not frozen dataclasses: a workbook's checks make ~500 relations and ~1,000 coefficients, and a frozen
dataclass's __init__ (object.__setattr__ per field) made building them most of the cost of rule evaluation.
"""

from __future__ import annotations

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
