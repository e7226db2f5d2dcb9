"""The values that flow through the audit: cells, recognised tables, findings and the report.

Everything here is a frozen value; this module imports nothing from the other layers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter
from typing import NamedTuple


def by_fields(self) -> tuple:
    """__reduce__ for a frozen dataclass: pickle it as a call of its constructor with every field. A batch sends each
    file's result from its worker pickled (and the data cache keeps the catalogue pickled); dataclasses' own
    field-by-field __setstate__ made loading them a third of the parent's work."""
    cls = type(self)
    get = _GETTERS.get(cls)
    if get is None:
        names = [f.name for f in fields(cls)]
        get = _GETTERS[cls] = attrgetter(*names) if len(names) > 1 else (lambda obj, n=names[0]: (getattr(obj, n),))
    return (cls, get(self))


_GETTERS: dict[type, object] = {}


class Severity(StrEnum):
    ERROR = "error"  # 强制
    WARNING = "warning"  # 提示
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]

    @property
    def zh(self) -> str:
        return {"error": "错误", "warning": "提示", "info": "信息"}[self.value]


class Verdict(StrEnum):
    OK = "ok"
    ROUNDING = "rounding"  # not exact, but explainable by rounding
    INCONSISTENT = "inconsistent"
    NOT_ASSESSABLE = "not-assessable"  # an input of the check is missing
    INVALID = "invalid"  # a cell or table is malformed (not an identity check)


class Cell(NamedTuple):
    """One amount cell as read: its place, its exact value and how many decimals it was written with.

    A named tuple, where the other values are frozen dataclasses: a workbook has several hundred amount cells,
    and a tuple is made in one step (`new_cell`) where a frozen dataclass sets its fields one by one. It is
    immutable all the same; nothing compares cells with plain tuples, orders them or unpacks them."""

    sheet: str
    a1: str
    row: int  # 0-based sheet row
    col: int  # 0-based sheet column
    value: Decimal | None  # None = blank (counts as zero, but is remembered as blank)
    text: str  # what the cell showed, for messages
    decimals: int = 0  # decimals the value is written with
    shown: int | None = None  # decimals its number format displays, where the file says
    unknown: str | None = None  # why the value is unknown: a formula without cached value, "#DIV/0!" …

    @property
    def amount(self) -> Decimal:
        return self.value if self.value is not None else Decimal(0)


# Cell(...) from a tuple of every field in order, without the Python frame of a named tuple's __new__: the
# reader's loop over a workbook's amount cells calls it as new_cell(Cell, (sheet, a1, row, …)).
new_cell = tuple.__new__


def _slot_setters(cls: type, names: str) -> tuple:
    """The slot setters of a frozen dataclass's fields, which must be exactly `names`, in field order."""
    assert tuple(f.name for f in fields(cls)) == tuple(names.split()), f"{cls.__name__}: fields changed"
    return tuple(getattr(cls, name).__set__ for name in names.split())


_new = object.__new__


@dataclass(frozen=True, slots=True)
class Column:
    __reduce__ = by_fields

    key: str  # canonical key, e.g. "本年支出合计" or "决算数/公务接待费"
    path: str  # the header as printed, flattened: "本年支出/基本支出"
    col: int
    a1: str  # the header's leaf cell
    panel: str


@dataclass(frozen=True, slots=True)
class Row:
    __reduce__ = by_fields

    panel: str
    key: str  # canonical label (ordinal and noise stripped, aliases applied), qualified if repeated
    label: str  # label as printed
    code: str | None  # full classification code, e.g. "2010601"
    level: str | None  # "类" | "款" | "项" | None
    kind: str  # "data" | "total" | "subset" ("其中" rows are never summed into totals)
    row: int  # 0-based sheet row
    cells: dict[str, Cell] = field(hash=False, compare=False)

    @property
    def display(self) -> str:
        if self.code and self.label and not self.label.startswith(self.code):
            return f"{self.code} {self.label}"
        return self.label or self.code or f"第{self.row + 1}行"


_rp, _rk, _rl, _rc, _rv, _rn, _rr, _rcells = _slot_setters(Row, "panel key label code level kind row cells")


def new_row(panel: str, key: str, label: str, code: str | None, level: str | None, kind: str, row: int,
            cells: dict[str, Cell]) -> Row:
    """Row(...) with every field given, its slots set directly (a frozen dataclass's __init__ calls
    object.__setattr__ per field; a workbook has a few hundred rows)."""
    out = _new(Row)
    _rp(out, panel)
    _rk(out, key)
    _rl(out, label)
    _rc(out, code)
    _rv(out, level)
    _rn(out, kind)
    _rr(out, row)
    _rcells(out, cells)
    return out


@dataclass(frozen=True, slots=True)
class Table:
    __reduce__ = by_fields

    table_id: str
    title: str  # the standard title of the table id
    printed_title: str
    sheet: str
    unit: str  # "元" | "万元" | "亿元"
    unit_known: bool
    decimals: int  # the precision the table's amounts are published with
    range: str  # A1 range of the block
    header_rows: tuple[int, ...]  # 1-based sheet rows
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    department: str | None
    code_system: str | None  # "功能" | "经济" | None
    empty_note: str | None  # "本表无数据" style note, when the table is published empty
    code_layout: str = ""  # "类|款|项" (split columns), "单列" (one code column), "" (no codes)

    def outline(self) -> Table:
        """The table without its rows and columns: what a batch keeps of each table (its report shows the table's
        id, title, sheet, unit and range). Its result travels from a worker to the parent pickled, and the ≈ 50
        columns of a workbook's tables were most of the objects in it: dropping them took ≈ 6 % off the CPU of a
        1,000-workbook batch, a fifth of the parent's (benchmarks/compare.py, five pairs). (dataclasses.replace
        works out the fields and their init flags on every call; this takes them as they are.)"""
        values = list(by_fields(self)[1])
        values[_TABLE_ROWS] = values[_TABLE_COLUMNS] = ()
        return Table(*values)

    def panels(self) -> list[str]:
        seen: list[str] = []
        for c in self.columns:
            if c.panel not in seen:
                seen.append(c.panel)
        return seen


_TABLE_ROWS = [f.name for f in fields(Table)].index("rows")
_TABLE_COLUMNS = [f.name for f in fields(Table)].index("columns")


@dataclass(frozen=True, slots=True)
class CellRef:
    __reduce__ = by_fields

    sheet: str | None
    cell: str | None
    value: str | None
    role: str  # "total" | "part" | "cell"


@dataclass(frozen=True, slots=True)
class Suggestion:
    __reduce__ = by_fields

    sheet: str
    cell: str
    value: str
    kind: str  # transposition | digit | decimal-shift | sign | unit | rounding | other


@dataclass(frozen=True, slots=True)
class Waiver:
    """A reviewed finding, accepted with a reason (from a --waivers file): it stays visible but does not fail."""

    __reduce__ = by_fields

    id: str  # the Finding.id it waives
    reason: str  # 说明
    by: str
    date: str  # ISO date, as written
    source: str  # "file:line" of the [[waiver]] entry


@dataclass(frozen=True, slots=True)
class Finding:
    __reduce__ = by_fields

    rule: str
    severity: Severity
    verdict: Verdict
    message: str
    file: str
    sheet: str | None = None
    cell: str | None = None
    cells: tuple[CellRef, ...] = ()
    expected: Decimal | None = None
    actual: Decimal | None = None
    difference: Decimal | None = None
    tolerance: Decimal | None = None
    suggestion: Suggestion | None = None
    line: int | None = None
    excerpt: str | None = None
    table_id: str | None = None
    anchor: str = ""  # where, in domain terms (table, row key, column key): the basis of the stable id
    detail: str = ""  # the message without the rule's title (for renderers that show the title apart)
    # diagnosis (qidong_audit/diagnose.py): one problem, many symptoms
    diagnosis: str | None = None  # "最可能的错误：支出决算表!E12 2,160.66 → 2,106.66（相邻数字颠倒）"
    candidates: tuple[Suggestion, ...] = ()  # when no single cell can be named: the cells that could explain it
    consequences: tuple[str, ...] = ()  # ids of the other findings this one's located cell explains
    explained_by: str | None = None  # id of the primary finding whose located cell explains this one
    waiver: Waiver | None = None  # set when a waiver accepted this finding; it then counts toward nothing

    @property
    def id(self) -> str:
        """A fingerprint that stays the same for the same problem in the same place, across runs and
        re-ordered sheets: it hashes the rule, the file name and the domain location, not sheet or cell."""
        name = self.file.replace("\\", "/").rsplit("/", 1)[-1]
        basis = "\x1f".join((self.rule, name, self.table_id or "", self.anchor or self.cell or ""))
        import hashlib

        return hashlib.sha1(basis.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class TableInfo:
    __reduce__ = by_fields

    sheet: str
    table_id: str
    title: str
    unit: str
    range: str


@dataclass(frozen=True, slots=True)
class FileResult:
    __reduce__ = by_fields

    path: str
    error: str | None  # set when the file could not be read at all
    tables: tuple[Table, ...] = ()
    unrecognised: tuple[str, ...] = ()  # sheet names holding no standard table
    department: str | None = None
    year: int | None = None


@dataclass(frozen=True, slots=True)
class Report:
    __reduce__ = by_fields

    files: tuple[FileResult, ...]
    findings: tuple[Finding, ...]
    rounding_mode: str  # "interval" | "exact" | "tolerance"
    tolerance: Decimal | None

    def count(self, severity: Severity) -> int:
        """Findings of this severity that count (waived findings do not)."""
        return sum(1 for f in self.findings if f.severity is severity and f.waiver is None)

    @property
    def waived(self) -> int:
        return sum(1 for f in self.findings if f.waiver is not None)

    @property
    def had_read_errors(self) -> bool:
        return any(f.error for f in self.files)

    def worst_at_or_above(self, threshold: Severity | None) -> bool:
        if threshold is None:
            return False
        return any(f.severity.rank >= threshold.rank for f in self.findings if f.waiver is None)
