"""Look-ups over a workbook's recognised tables: rows by label and by code, cells by column key."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from qidong_audit.model import Cell, Row, Table
from qidong_audit.recognise.spec import TableSet

UNIT_FACTOR = {"万元": Decimal(1), "元": Decimal("0.0001"), "千元": Decimal("0.1"), "亿元": Decimal(10000)}


@dataclass
class TableIndex:
    table: Table
    by_code: dict[tuple[str, str], Row] = field(default_factory=dict)  # (panel, code)
    by_key: dict[tuple[str, str], Row] = field(default_factory=dict)  # (panel, key)
    duplicates: list[Row] = field(default_factory=list)

    @classmethod
    def build(cls, table: Table) -> TableIndex:
        ix = cls(table)
        ix.factor = UNIT_FACTOR.get(table.unit, Decimal(1))
        ix.empty = not any(c.value is not None for r in table.rows for c in r.cells.values())
        for row in table.rows:
            if row.code and row.kind != "subset":
                if (row.panel, row.code) in ix.by_code:
                    ix.duplicates.append(row)
                else:
                    ix.by_code[(row.panel, row.code)] = row
            if row.key and (row.panel, row.key) not in ix.by_key:
                ix.by_key[(row.panel, row.key)] = row
        return ix

    factor: Decimal = Decimal(1)  # the table's unit in 万元
    empty: bool = True  # no amount at all (a table published empty)
    # worked out on first use (the table is frozen, so they never go stale)
    _panel_names: tuple[str, ...] | None = field(default=None, repr=False, compare=False)
    _by_class: dict[tuple[str, str], list[Row]] | None = field(default=None, repr=False, compare=False)
    _levels: dict[tuple[str | None, str], tuple[Row, ...]] = field(default_factory=dict, repr=False, compare=False)

    def panels(self, panel: str | None) -> list[str]:
        names = self._panel_names
        if names is None:
            names = self._panel_names = tuple(self.table.panels() or [""])
        if panel is None:
            return list(names)
        return [panel] if panel in names else []

    def row_by_label(self, panel: str | None, key: str) -> Row | None:
        for p in self.panels(panel):
            row = self.by_key.get((p, key))
            if row is not None:
                return row
        return None

    def row_by_code(self, panel: str | None, code: str) -> Row | None:
        for p in self.panels(panel):
            row = self.by_code.get((p, code))
            if row is not None:
                return row
        return None

    def descendants(self, panel: str | None, code: str) -> list[Row]:
        """The nearest rows below an absent code: its 款 rows, or its 项 rows where the 款 are absent too."""
        for p in self.panels(panel):
            if len(code) >= 3:  # only codes of the same 类 can lie below it
                under = [r for r in self._class_codes().get((p, code[:3]), ())
                         if r.code.startswith(code) and r.code != code]  # type: ignore[union-attr]
            else:
                under = [r for (pp, c), r in self.by_code.items() if pp == p and c.startswith(code) and c != code]
            if under:
                shortest = min(len(r.code) for r in under)
                return [r for r in under if len(r.code) == shortest]
        return []

    def _class_codes(self) -> dict[tuple[str, str], list[Row]]:
        """(panel, first three digits) → the coded rows of that 类, in table order (a row's code is its key)."""
        if self._by_class is None:
            self._by_class = {}
            for (p, c), r in self.by_code.items():
                self._by_class.setdefault((p, c[:3]), []).append(r)
        return self._by_class

    def rows_at(self, panel: str | None, level: str) -> list[Row]:
        key = (panel, level)
        rows = self._levels.get(key)
        if rows is None:  # rules ask for the same level once per column
            wanted = set(self.panels(panel))
            rows = self._levels[key] = tuple(
                r for r in self.table.rows if r.panel in wanted and r.level == level and r.kind == "data")
        return list(rows)

    def rows(self, panel: str | None) -> list[Row]:
        wanted = set(self.panels(panel))
        return [r for r in self.table.rows if r.panel in wanted]

    def sheets(self) -> set[str]:
        """The sheets the table's cells lie on (worked out when asked: only diagnosis asks)."""
        return {cell.sheet for row in self.table.rows for cell in row.cells.values()}

    def column(self, row: Row, key: str | None) -> tuple[str | None, Cell | None]:
        """The cell of a row in a column; with no column given, the row's only amount column."""
        if key is None:
            if len(row.cells) == 1:
                k = next(iter(row.cells))
                return k, row.cells[k]
            return None, None
        return key, row.cells.get(key)


def build_indexes(tables: tuple[Table, ...], table_set: TableSet) -> tuple[dict[str, TableIndex], list[Table]]:
    """The first table of each id is the one checked; later ones with the same id are returned as duplicates."""
    out: dict[str, TableIndex] = {}
    dupes: list[Table] = []
    for t in tables:
        if t.table_id in out:
            dupes.append(t)
        else:
            out[t.table_id] = TableIndex.build(t)
    return out, dupes
