"""A report's figures against its workbook (`report --tables`): every figure that names a table item must equal
the table's value, under the rounding model. The tables are read and recognised by the library (audit.py);
cells are found through the rule engine's TableIndex."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from qidong_audit.claims.items import CellSpec, Item
from qidong_audit.claims.model import Figure
from qidong_audit.model import Cell, CellRef, FileResult, Table
from qidong_audit.numbers import half_unit
from qidong_audit.recognise.spec import load_tables
from qidong_audit.rules.index import UNIT_FACTOR, TableIndex, build_indexes


@dataclass(frozen=True, slots=True)
class TableValue:
    table: Table
    cell: Cell
    column: str

    @property
    def factor(self) -> Decimal:
        return UNIT_FACTOR.get(self.table.unit, Decimal(1))

    @property
    def wan(self) -> Decimal:
        return self.cell.amount * self.factor

    @property
    def half(self) -> Decimal:
        """A blank cell is an exact zero; a printed amount stands for ± half its table's last digit."""
        return Decimal(0) if self.cell.value is None else half_unit(self.table.decimals) * self.factor

    @property
    def ref(self) -> CellRef:
        shown = "0" if self.cell.value is None else format(self.cell.value, "f")
        return CellRef(self.cell.sheet, self.cell.a1, shown, "cell")

    @property
    def where(self) -> str:
        t = self.table
        if self.cell.sheet == t.title:
            return f"{t.title}!{self.cell.a1}"
        return f"{t.title}（工作表「{self.cell.sheet}」）{self.cell.a1}"

    def shown(self) -> str:
        from qidong_audit.numbers import fmt

        return f"{fmt(self.cell.amount, self.table.decimals)}{self.table.unit}"


class Workbook:
    """The recognised tables of one workbook, looked up by report item."""

    def __init__(self, result: FileResult) -> None:
        self.result = result
        self.indexes: dict[str, TableIndex] = build_indexes(result.tables, load_tables())[0] if result.tables else {}

    def values(self, item: Item, basis: str, fiscal: bool) -> list[TableValue]:
        """The cells holding an item, fiscal tables first when the sentence is about 财政拨款."""
        if basis not in ("决算", "预算"):
            return []
        specs = sorted(item.cells, key=lambda s: (s.fiscal != fiscal,))
        out: list[TableValue] = []
        for spec in specs:
            if basis == "预算" and (spec.column is None or "{basis}" not in spec.column):
                continue  # the 决算 tables hold no budget figure for this item
            found = self._cell(spec, basis)
            if found is not None:
                out.append(found)
        return out

    def _cell(self, spec: CellSpec, basis: str) -> TableValue | None:
        ix = self.indexes.get(spec.table)
        if ix is None:
            return None
        if spec.code:
            row = ix.row_by_code(spec.panel, spec.code)
        elif spec.row:
            row = ix.row_by_label(spec.panel, spec.row)
        else:
            row = next((r for r in ix.table.rows if r.cells), None)
        if row is None:
            return None
        column = spec.column.format(basis=basis) if spec.column else None
        key, cell = ix.column(row, column)
        if cell is None or cell.unknown:
            return None
        return TableValue(ix.table, cell, key or "")


def figure_is_fiscal(fig: Figure) -> bool:
    return "财政拨款" in fig.context or "财政拨款" in fig.name
