"""Turn one block of a sheet into a Table: header rows flattened to paths, columns classified into
code / label / amount columns grouped in panels, and data rows keyed by code and label."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import NamedTuple

from qidong_audit.address import column_letters
from qidong_audit.model import Cell, Row, new_cell, new_row
from qidong_audit.numbers import parse_amount
from qidong_audit.recognise.amounts import BLANK, Amounts
from qidong_audit.recognise.blocks import Block, is_meta_text, match_title
from qidong_audit.recognise.grid import Line
from qidong_audit.recognise.spec import TableSet, TableSpec
from qidong_audit.recognise.text import SHORT_TEXT, cell_text, is_subset_label, norm, strip_ordinal, strip_subset, text_cache

QUALIFIERS = frozenset({"预算数", "决算数"})
LABEL_HEADERS = frozenset({"项目", "科目名称", "名称", "项目名称", "科目", "功能分类科目名称", "经济分类科目名称", "支出功能分类科目名称"})
TOTAL_LABELS = frozenset({"合计", "总计", "小计", "本年收入合计", "本年支出合计", "人员经费合计", "公用经费合计"})
_CODE_TEXT = re.compile(r"^\[?(\d{3}(?:\s*\d{2}){0,2})\]?$")
_CODE_IN_LABEL = re.compile(r"^\[?(\d{3}(?:\s?\d{2}){0,2})\]?\s*(.*)$")
_NOTE = re.compile(r"^(?:注|备注|说明)[:：0-9一、]|无数据|本表为空|无此项|无相关数据|本表无")
_MAX_HEADER_ROWS = 6


def _whole(value: object) -> int | None:
    """A number that is a whole number (codes, 栏次), as int; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return None


@text_cache(maxsize=4096)  # codes recur in every row of every file
def _code_text(value: object) -> str | None:
    """A classification code as digits ("2080505", "208 05 05", 2080505.0), else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (float, Decimal)):
        value = _whole(value)
        if value is None:
            return None
    s = norm(str(value))
    m = _CODE_TEXT.match(s)
    return m.group(1).replace(" ", "") if m else None


@text_cache(maxsize=4096)
def _suffix(value: object) -> str | None:
    """款/项 suffix: "05", or 5 when Excel dropped the leading zero of a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (float, Decimal)):
        value = _whole(value)
        if value is None:
            return None
    s = norm(str(value))
    return s.zfill(2) if s.isdigit() and len(s) in (1, 2, 3, 5, 7) else None


@dataclass
class ColumnRole:
    col: int
    path: list[str]  # normalised, alias-mapped header parts
    printed: str
    role: str  # "code" | "code类" | "code款" | "code项" | "label" | "rownum" | "amount" | "none"
    panel: int = 0
    key: str = ""


@dataclass
class Layout:
    header_rows: list[int]
    label_rows: list[int]  # header rows holding labels (not the 栏次 row)
    data_rows: list[int]
    columns: list[ColumnRole]
    panel_names: list[str]
    note: str | None
    end_row: int  # last row used (0-based, inclusive)
    issues: list[tuple[str, int, int, str]] = field(default_factory=list)  # (kind, row, col, text)


_COLUMN_NUMBER_HEADS = ("栏次", "行次")


def _is_column_number_row(line: Line) -> bool:
    """The 栏次/行次 row: "栏次" and 1, 2, 3 … under the amount columns."""
    if line.strings:  # text there must all be 栏次/行次: a text is no number of the sequence
        for s in line.strings:
            if norm(s) not in _COLUMN_NUMBER_HEADS:
                return False
        return True
    if len(line.values) < 2:
        return False
    seq = [_whole(v) for v in line.values]
    if None in seq:
        return False
    return seq[0] in (0, 1) and seq == list(range(seq[0], seq[0] + len(seq)))


def _plainly_data(line: Line) -> bool:
    """A table body's common row — text first, and a number, date or boolean in it — that opens no note and is
    no 栏次 row: _is_note_row and _is_repeat both say no to it, and this says so with one look at its first value
    (a table body is a few hundred of these)."""
    first = line.values[0]
    return (not line.only_text and first.__class__ is str and not _opens_note(first)
            and norm(first) not in _COLUMN_NUMBER_HEADS)


def _is_note_row(line: Line) -> str | None:
    if not line.values:
        return None
    if _opens_note(line.values[0]) and not any(parse_amount(v).number for v in line.values if not isinstance(v, str)):
        return "".join(line.texts)
    return None


@text_cache(maxsize=8192)  # asked of every row's first cell: its code or label
def _opens_note(value: object) -> bool:
    """The first cell of a note: "注：…", "说明…", "本表无数据" …"""
    return bool(_NOTE.search(norm(cell_text(value).strip())))


def _is_data_row(line: Line) -> bool:
    for v in line.values:
        if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            return True
        if _reads_as_data(cell_text(v).strip()):
            return True
    texts = [norm(cell_text(v)) for v in line.values]
    if texts and strip_ordinal(texts[0]) != texts[0]:
        return True
    return len(texts) == 1 and texts[0] in TOTAL_LABELS


@text_cache(maxsize=4096)  # header words, the same in every file
def _reads_as_data(text: str) -> bool:
    """A code or an amount, written as text."""
    return bool(_code_text(text) or parse_amount(text).number)


def _merge_map(block: Block, rows: list[int]) -> dict[tuple[int, int], tuple[int, int]]:
    """Each cell covered by a merged range (but not its anchor) → the anchor, for the given rows."""
    out: dict[tuple[int, int], tuple[int, int]] = {}
    if not rows:
        return out
    wanted = set(rows)
    low, high = min(rows), max(rows)
    for (r0, c0), (r1, c1) in block.sheet.merges or []:
        if r1 < low or r0 > high:
            continue  # a merge elsewhere in the sheet
        for r in range(max(r0, low), min(r1, high) + 1):
            if r not in wanted:
                continue
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    out[(r, c)] = (r0, c0)
    return out


def _header_grid(block: Block, header_rows: list[int], width: int) -> list[list[str]]:
    """The texts of the header rows, `width` columns each: a merged cell shows its anchor's text; without merge
    information a group header spans its sub-headers (_forward_fill)."""
    merged = _merge_map(block, header_rows)
    rows = block.sheet.rows
    grid: list[list[str]] = []
    for r in header_rows:
        row = rows[r] if r < len(rows) else []
        line = [cell_text(v).strip() if v is not None else "" for v in row[:width]]
        line += [""] * (width - len(line))
        grid.append(line)
    for (r, c), (ar, ac) in merged.items():
        if c < width:
            source = rows[ar] if ar < len(rows) else []
            v = source[ac] if ac < len(source) else None
            grid[header_rows.index(r)][c] = cell_text(v).strip() if v is not None else ""
    if block.sheet.merges is None:
        _forward_fill(grid)
    return grid


def _header_paths(grid: list[list[str]], width: int, tables: TableSet) -> list[tuple[list[str], str]]:
    """Each column's header path: its canonical header parts from top to bottom, and as printed."""
    out = []
    for c in range(width):
        parts: list[str] = []
        printed: list[str] = []
        for line in grid:
            t = line[c]
            if not t:
                continue
            p = tables.canon(t)
            if p and (not parts or parts[-1] != p):
                parts.append(p)
                printed.append(" ".join(t.split()))
        out.append((parts, "/".join(printed)))
    return out


def _forward_fill(grid: list[list[str]]) -> None:
    """Without merge information (ods), a group header printed once spans the columns to its right
    until the next group header, where the row below has sub-headers."""
    for i in range(len(grid) - 1):
        line, below = grid[i], grid[i + 1]
        last = ""
        for c in range(len(line)):
            if line[c]:
                last = line[c]
            elif last and below[c]:
                line[c] = last
            else:
                last = ""


def _classify(parts: list[str]) -> str:
    if not parts:
        return "none"
    leaf = parts[-1]
    if leaf in ("行次", "栏次"):
        return "rownum"
    if leaf in ("类", "款", "项"):
        return "code" + leaf
    if any("编码" in p or "代码" in p for p in parts):
        return "code"
    if leaf in LABEL_HEADERS or leaf.endswith("名称"):
        return "label"
    return "amount"


def _assign_key(spec: TableSpec, parts: list[str]) -> str:
    """The canonical key whose pattern fits the header path best. The pattern must include the column's
    most specific part (ignoring 预算数/决算数 qualifiers; "人员经费/决算数" falls back to 决算数)."""
    have = set(parts)
    leaves = [next((p for p in reversed(parts) if p not in QUALIFIERS), parts[-1]), parts[-1]]
    for leaf in leaves:
        best: tuple[int, str] | None = None
        for col in spec.columns:
            for pattern in col.patterns:
                if leaf in pattern and pattern <= have and (best is None or len(pattern) > best[0]):
                    best = (len(pattern), col.key)
        if best:
            return best[1]
    return "/".join(parts)


def analyse(block: Block, spec: TableSpec, tables: TableSet) -> Layout:
    rows = block.sheet.rows
    lines = block.lines
    r = block.title_row + 1
    # Meta lines (单位, 部门, 公开0X表, year) between the title and the header.
    while r < block.end:
        line = lines[r]
        if line.values and not (line.only_text and all(is_meta_text(v) for v in line.strings)):
            break
        r += 1
    header_rows: list[int] = []
    number_rows: list[int] = []
    while r < block.end and len(header_rows) < _MAX_HEADER_ROWS:
        line = lines[r]
        if _is_note_row(line):
            break
        if not line.values:
            r += 1
            continue
        numbers = _is_column_number_row(line)
        if not numbers and _is_data_row(line):
            break
        header_rows.append(r)
        if numbers:
            number_rows.append(r)
        r += 1
    width = max(map(len, rows[block.title_row:block.end]), default=0)
    label_rows = [h for h in header_rows if h not in number_rows]
    columns, names = _header(block, label_rows, width, spec, tables)
    data_rows: list[int] = []
    note = None
    end_row = max(header_rows, default=block.title_row)
    header_texts = {t for h in label_rows for t in lines[h].norms}
    while r < block.end:
        line = lines[r]
        if not line.values:  # a blank row is neither a note nor data
            r += 1
            continue
        if note is None and _plainly_data(line):
            data_rows.append(r)
            end_row = r
            r += 1
            continue
        found = _is_note_row(line)
        if found:
            note = note or found
            end_row = r
        elif note is None:
            if not _is_repeat(line, header_texts, spec, tables):
                data_rows.append(r)
            end_row = r
        r += 1
    return Layout(header_rows, label_rows, data_rows, columns, names, note, end_row)


_Header = tuple[tuple[tuple[int, tuple[str, ...], str, str, int, str], ...], tuple[str, ...]]
_HEADERS: dict[tuple[int, int], tuple[TableSpec, TableSet, dict[tuple[int, tuple[tuple[str, ...], ...]], _Header]]] = {}
_MAX_HEADERS = 1024  # distinct headers remembered per table; the memo starts over beyond that
_MAX_HEADER_WIDTH = 64  # a printed form's header is a few dozen columns of short words; others are not kept


def _header(block: Block, label_rows: list[int], width: int, spec: TableSpec, tables: TableSet) -> tuple[list[ColumnRole], list[str]]:
    """The columns and panel names of a block's header: `_header_layout` of its `_header_grid`, remembered (with
    that memo) by what the grid is made of (`_header_key`), so that a form's header seen before costs no text
    work at all."""
    seen = _header_key(block, label_rows, width)
    known = _header_memo(spec, tables)
    header = known.get(seen) if seen is not None else None
    if header is None:
        columns, names = _header_layout(_header_grid(block, label_rows, width), width, spec, tables)
        if seen is None:
            return columns, names
        if len(known) >= _MAX_HEADERS:
            known.clear()
        header = known[seen] = _described(columns, names)
    return _columns(header)


def _header_key(block: Block, label_rows: list[int], width: int) -> tuple | None:
    """What a header grid is made of: the header rows' cells as read, the merges over them and their anchors'
    values. None for a header with anything but short text in it (1 == 1.0 == True, which print differently)."""
    rows = block.sheet.rows
    cells = tuple(tuple(rows[r][:width]) if r < len(rows) else () for r in label_rows)
    if width > _MAX_HEADER_WIDTH or not all(_short_text(v) for line in cells for v in line):
        return None
    merges = block.sheet.merges
    if merges is not None and label_rows:
        low, high = min(label_rows), max(label_rows)
        over = tuple(((r0, c0), (r1, c1)) for (r0, c0), (r1, c1) in merges if not (r1 < low or r0 > high))
        anchors = tuple(rows[r0][c0] if r0 < len(rows) and c0 < len(rows[r0]) else None for (r0, c0), _end in over)
        if not all(map(_short_text, anchors)):
            return None
        merged: object = (over, anchors)
    else:
        merged = merges is None
    return ("cells", width, tuple(label_rows), cells, merged)


def _short_text(v: object) -> bool:
    return v is None or (v.__class__ is str and len(v) <= SHORT_TEXT)


def _header_memo(spec: TableSpec, tables: TableSet) -> dict:
    """The remembered headers of one table of one pack."""
    slot = _HEADERS.get((id(spec), id(tables)))
    if slot is None or slot[0] is not spec or slot[1] is not tables:
        slot = _HEADERS[(id(spec), id(tables))] = (spec, tables, {})
    return slot[2]


def _described(columns: list[ColumnRole], names: list[str]) -> _Header:
    return tuple((c.col, tuple(c.path), c.printed, c.role, c.panel, c.key) for c in columns), tuple(names)


def _columns(header: _Header) -> tuple[list[ColumnRole], list[str]]:
    described, names = header
    return [ColumnRole(col, list(path), printed, role, panel, key) for col, path, printed, role, panel, key in described], list(names)


def _header_layout(grid: list[list[str]], width: int, spec: TableSpec, tables: TableSet) -> tuple[list[ColumnRole], list[str]]:
    """The columns (roles, panels, keys) and panel names a header grid gives. They depend on the header texts
    alone, and every file of a form prints the same header: remembered per (table, pack)."""
    if width > _MAX_HEADER_WIDTH or any(len(t) > SHORT_TEXT for line in grid for t in line):
        return _read_header(grid, width, spec, tables)
    known = _header_memo(spec, tables)
    seen = (width, tuple(map(tuple, grid)))
    header = known.get(seen)
    if header is None:
        if len(known) >= _MAX_HEADERS:
            known.clear()
        header = known[seen] = _described(*_read_header(grid, width, spec, tables))
    return _columns(header)


def _read_header(grid: list[list[str]], width: int, spec: TableSpec, tables: TableSet) -> tuple[list[ColumnRole], list[str]]:
    """Classify each column by its header path, group the columns into panels and give amount columns their keys."""
    paths = _header_paths(grid, width, tables)
    columns = [ColumnRole(c, parts, printed, _classify(parts)) for c, (parts, printed) in enumerate(paths)]
    _group_panels(columns)
    names = _panel_names(spec, columns)
    per_panel: dict[tuple[int, str], int] = {}
    for col in columns:
        if col.role == "amount":
            key = _assign_key(spec, col.path)
            n = per_panel.get((col.panel, key), 0)
            per_panel[(col.panel, key)] = n + 1
            col.key = key if n == 0 else f"{key}#{n + 1}"
    return columns, names


def _is_repeat(line: Line, header_texts: set[str], spec: TableSpec, tables: TableSet) -> bool:
    """A table continued on the next page repeats its title ("（续）"), unit line, header and 栏次 row."""
    if _is_column_number_row(line):
        return True
    if not line.only_text:
        return False
    texts = line.norms
    if len(texts) <= 3 and (match_title("".join(texts), tables) is spec or all(is_meta_text(t) for t in texts)):
        return True
    return len(texts) >= 2 and all(t in header_texts for t in texts)


def _group_panels(columns: list[ColumnRole]) -> None:
    """Side-by-side panels (收入 | 支出; 人员经费 | 公用经费): a code or label column after amounts opens a new one."""
    panel, seen_amount = 0, False
    for col in columns:
        if col.role.startswith("code") or col.role == "label":
            if seen_amount:
                panel, seen_amount = panel + 1, False
        elif col.role == "amount":
            seen_amount = True
        col.panel = panel


def _panel_names(spec: TableSpec, columns: list[ColumnRole]) -> list[str]:
    """收入/支出 where the table has meaningful panels; otherwise column groups are layout only ("")."""
    count = max((c.panel for c in columns), default=0) + 1
    if not spec.panels:
        return [""] * count
    tops: list[set[str]] = [set() for _ in range(count)]  # each panel's top header parts, in one pass
    for c in columns:
        if c.path:
            tops[c.panel].add(c.path[0])
    names = []
    for i in range(count):
        named = [p for p in spec.panels if p in tops[i]]
        if named:
            names.append(named[0])
        elif i < len(spec.panels):
            names.append(spec.panels[i])
        elif count == 1:
            names.append("")
        else:
            names.append(str(i + 1))
    return names


@dataclass
class _CodeState:
    lei: str | None = None
    kuan: str | None = None


_NAMING_ROLES = frozenset({"label", "code", "code类", "code款", "code项"})  # the columns that name a row


@dataclass(frozen=True, slots=True)
class _Panel:
    """One panel's columns as every data row reads them, sorted out once per table."""

    keys: list[tuple[int, str]]  # (col, role) of the label and code columns, in column order
    amounts: list[tuple[int, str, str]]  # (col, key, column letters) of the amount columns, in column order


def _panels(layout: Layout) -> list[_Panel]:
    out = [_Panel([], []) for _ in layout.panel_names]
    for c in layout.columns:  # in column order, so each panel's lists are too
        if c.role in _NAMING_ROLES:
            out[c.panel].keys.append((c.col, c.role))
        elif c.role == "amount":
            out[c.panel].amounts.append((c.col, c.key, column_letters(c.col)))
    return out


class _RowNames:
    """Each panel row's name (label, code, kind, key, level), remembered per form.

    Rows are named from their label and code cells alone — plus, in split 类/款/项 columns, the 类 and 款 above
    (_CodeState) — and the same rows ("行政运行" under 2010101, "合计") recur in a workbook's tables and in every
    department's workbook of a county. Rows whose naming cells are all text (or blank) are remembered, keyed by
    those texts and the 类/款 above; a number in a naming cell (1 == 1.0 == True, yet they read differently) is
    worked out every time."""

    __slots__ = ("_class_code", "_cols", "_forms", "_known", "_panels", "_spec", "_states", "_tables")

    def __init__(self, spec: TableSpec, panel_names: list[str], panels: list[_Panel], states: dict[int, _CodeState],
                 tables: TableSet, class_code) -> None:
        self._spec, self._tables, self._class_code, self._states = spec, tables, class_code, states
        self._panels = [(name, panels[p].keys) for p, name in enumerate(panel_names)]
        self._cols = [tuple(col for col, _role in keys) for _name, keys in self._panels]
        # what naming reads besides the texts: the panel, and the role of each naming column in order
        self._forms = [(name, tuple(role for _col, role in keys)) for name, keys in self._panels]
        self._known = _names_memo(spec, tables, class_code)

    def of(self, p: int, raw: list[object], width: int) -> tuple[str, bool, str | None, str, str, str | None]:
        """(label, whether a code is printed, code, kind, key, level): the code as kept (a malformed code is
        printed, and names the row, but is not kept)."""
        state = self._states[p]
        texts = []
        for col in self._cols[p]:
            v = raw[col] if col < width else None
            if v is not None and (v.__class__ is not str or len(v) > SHORT_TEXT):
                return self._work_out(p, raw, state)
            texts.append(v)
        seen = (self._forms[p], tuple(texts), state.lei, state.kuan)
        hit = self._known.get(seen)
        if hit is None:
            if len(self._known) >= _MAX_NAMES:
                self._known.clear()
            named = self._work_out(p, raw, state)
            hit = self._known[seen] = (named, state.lei, state.kuan)
        named, state.lei, state.kuan = hit
        return named

    def _work_out(self, p: int, raw: list[object], state: _CodeState) -> tuple[str, bool, str | None, str, str, str | None]:
        pname, keys = self._panels[p]
        label, printed = _row_name(raw, keys, state)
        kind, key, level, code = _row_identity(self._spec, pname, label, printed, self._tables, self._class_code)
        return label, printed is not None, code, kind, key, level


_NAMES: dict[tuple[int, int, int], tuple[object, object, object, dict]] = {}
_MAX_NAMES = 16384  # distinct rows remembered per table and pack; the memo starts over beyond that


def _names_memo(spec: TableSpec, tables: TableSet, class_code) -> dict:
    """The remembered row names of one table of one pack with one catalogue (whose 类 names name 总表 rows)."""
    ident = (id(spec), id(tables), id(class_code))
    slot = _NAMES.get(ident)
    if slot is None or slot[0] is not spec or slot[1] is not tables or slot[2] is not class_code:
        slot = _NAMES[ident] = (spec, tables, class_code, {})
    return slot[3]


class BuiltRows(NamedTuple):
    rows: list[Row]
    bad: list[Cell]  # cells that are not amounts
    valued: list[Cell]  # the rows' cells with a value, in row and column order
    unknown: list[Cell]  # the rows' cells whose value the file lacks (an error, a formula without its result)


def build_rows(
    block: Block, spec: TableSpec, layout: Layout, tables: TableSet, class_code, amounts: Amounts | None = None
) -> BuiltRows:
    """Rows per panel with their amount cells, and those cells sorted out as the table's checks of its cells
    need them (one pass over the cells instead of one per check). `amounts` reads the workbook's amount cells
    (shared by its tables)."""
    if amounts is None:
        amounts = Amounts()
    sheet = block.sheet
    rows = sheet.rows
    out: list[Row] = []
    bad: list[Cell] = []
    numbers: list[Cell] = []
    unknowns: list[Cell] = []
    states = {p: _CodeState() for p in range(len(layout.panel_names))}
    seen_labels: dict[int, dict[str, int]] = {p: {} for p in states}
    last_plain: dict[int, str] = {}
    data_rows = list(layout.data_rows)
    if spec.single_row and not data_rows:
        # An all-blank 三公 row still stands for zeros: address the row right under the header.
        after = (layout.header_rows[-1] + 1) if layout.header_rows else block.title_row + 1
        if after < block.end:
            data_rows = [after]
    merge_end = {(r0, c0): c1 for (r0, c0), (_r1, c1) in (sheet.merges or []) if c1 > c0}
    merged_rows = {r0 for r0, _c0 in merge_end}  # rows where a label may span the next panels
    unmerged = sheet.merges is None
    meta = sheet.meta
    shown_at = meta.decimals if meta is not None else {}
    errors = meta.errors if meta is not None else {}
    uncached = meta.formula_without_value if meta is not None else set()
    read = amounts.read
    shown_get = shown_at.get
    panels = _panels(layout)  # once, not per row
    names_of = _RowNames(spec, layout.panel_names, panels, states, tables, class_code).of
    names = list(enumerate(layout.panel_names))
    keep_empty = spec.single_row
    for r in data_rows:
        raw = rows[r] if r < len(rows) else []
        width = len(raw)
        row_number = str(r + 1)
        where = sheet.row_labels[r] if sheet.row_labels else sheet.name  # PDF rows carry their page
        absorbed: set[int] = set()
        for p, pname in names:
            if p in absorbed:
                continue
            amount_panel = _absorb(panels, p, r, merge_end, absorbed) if r in merged_rows else p
            if unmerged and amount_panel == p:
                amount_panel = _absorb_unmerged(panels, p, raw, absorbed)
            label, coded, code, kind, row_key, level = names_of(p, raw, width)
            amount_cols = panels[amount_panel].amounts
            named = label or coded or keep_empty
            if not named and all(col >= width or raw[col] is None for col, _key, _letters in amount_cols):
                continue  # nothing in this panel's part of the row: no row, and no cell to build or report
            cells: dict[str, Cell] = {}
            valued = False
            lacking: list[Cell] | None = None
            for col, key, letters in amount_cols:
                v = raw[col] if col < width else None
                value, text, decimals, invalid, blank = BLANK if v is None else read(v)
                unknown = None
                if errors or uncached:
                    at = (r, col)
                    unknown = errors.get(at) if errors else None
                    if unknown is None and uncached and blank and at in uncached:
                        unknown = "公式无缓存值"
                    if unknown is not None:  # a value the file lacks: reported as unknown, not as no amount
                        text, invalid = text or unknown, False
                ref = letters + row_number
                cell = cells[key] = new_cell(Cell, (where, ref, r, col, value, text, decimals, shown_get(ref), unknown))
                if invalid:
                    bad.append(cell)
                if value is not None:
                    valued = True
                    numbers.append(cell)
                if unknown:
                    if lacking is None:  # rare: a list only for the rows that need one
                        lacking = []
                    lacking.append(cell)
            if named or valued:
                out.append(_make_row(pname, p, r, label, code, kind, row_key, level, cells, seen_labels, last_plain))
                if lacking:
                    unknowns += lacking
    if spec.class_rows_before:
        out = _mark_class_rows(out, tables.canon(spec.class_rows_before))
    return BuiltRows(out, bad, numbers, unknowns)


def _row_name(raw: list[object], keys: list[tuple[int, str]], state: _CodeState) -> tuple[str, str | None]:
    """(label, code) of one panel's row, from its label and code columns."""
    label, code = "", None
    parts: dict[str, str | None] = {}
    width = len(raw)
    for col, role in keys:
        v = raw[col] if col < width else None
        if role == "label":
            if v is not None:
                label = " ".join(cell_text(v).split()) or label
        elif role == "code":
            code = _code_text(v) if v is not None else None
            if code is None and v is not None and not label:
                label = " ".join(cell_text(v).split())
        else:
            part = role[-1]
            parts[part] = _suffix(v) if role != "code类" else _code_text(v)
            if parts[part] is None and isinstance(v, str) and v.strip() and not label:
                label = " ".join(v.split())  # "合计" printed across the merged code columns
    if parts:
        code = _join_code(parts, state)
    if code is None and label:
        found = _code_in_label(label)
        if found:
            code, label = found
    return label, code


@text_cache(maxsize=8192)
def _code_in_label(label: str) -> tuple[str, str] | None:
    """("2010101", "行政运行") from "2010101 行政运行": a code printed in front of the label."""
    m = _CODE_IN_LABEL.match(norm(label))
    return (m.group(1).replace(" ", ""), m.group(2)) if m and m.group(2) else None


def _absorb(panels: list[_Panel], p: int, r: int, merge_end: dict, absorbed: set[int]) -> int:
    """A label merged across the next panels' label columns ("公用经费合计" spanning two column groups)
    takes its amount from the last panel it covers; those panels have no row of their own here."""
    ends = [merge_end.get((r, col)) for col, _role in panels[p].keys]
    end = max((e for e in ends if e is not None), default=None)
    if end is None:
        return p
    target = p
    for q in range(p + 1, len(panels)):
        keys = [col for col, _role in panels[q].keys]
        if keys and all(col <= end for col in keys):
            absorbed.add(q)
            target = q
        else:
            break
    return target


def _absorb_unmerged(panels: list[_Panel], p: int, raw: list[object], absorbed: set[int]) -> int:
    """Without merge information (ods): a labelled row with no amount of its own, followed by panels whose
    code and label cells are empty, takes the amount printed under the last of them."""
    def keys(q: int) -> list[int]:
        return [col for col, _role in panels[q].keys]

    def amounts(q: int) -> list[object]:
        return [raw[col] for col, _key, _letters in panels[q].amounts if col < len(raw)]

    def filled(cols: list[int]) -> bool:
        return any(c < len(raw) and raw[c] not in (None, "") for c in cols)

    if not filled(keys(p)) or any(v not in (None, "") for v in amounts(p)):
        return p
    target = p
    for q in range(p + 1, len(panels)):
        if filled(keys(q)):
            break
        absorbed.add(q)
        if any(v not in (None, "") for v in amounts(q)):
            target = q
    return target


def _mark_class_rows(rows: list[Row], total_key: str) -> list[Row]:
    """In the 支出 panel of 总表 (JS01/JS04) the rows above 本年支出合计 are the 类 rows, whether or not their
    names are in the catalogue (ordinals and class lists vary by year and region, domain.md §1.2)."""
    ends = {r.panel: r.row for r in rows if r.key == total_key}
    out = []
    for r in rows:
        end = ends.get(r.panel)
        if end is not None and r.row < end and r.kind == "data" and r.level is None:
            r = replace(r, level="类")
        out.append(r)
    return out


def _join_code(parts: dict[str, str | None], state: _CodeState) -> str | None:
    lei, kuan, xiang = parts.get("类"), parts.get("款"), parts.get("项")
    for v in (kuan, xiang):  # a full code typed into the 款 or 项 column
        if v and len(v) in (5, 7):
            return v
    if lei and len(lei) != 3:
        return None
    if lei:
        state.lei, state.kuan = lei, None
    elif kuan or xiang:
        lei = state.lei
    if lei is None:
        return None
    if kuan:
        state.kuan = kuan
        code = lei + kuan
    elif xiang:
        if state.kuan is None:
            return None
        code = lei + state.kuan
    else:
        return lei if parts.get("类") else None
    return code + xiang if xiang else code


_ECONOMIC_LEVELS = {3: "类", 5: "款"}
_FUNCTIONAL_LEVELS = {3: "类", 5: "款", 7: "项"}


@text_cache(maxsize=8192)
def _label_parts(label: str) -> tuple[str, str]:
    """(kind, the label without "其中：" and ordinal, normalised); "" when nothing is left of it."""
    n = norm(label)
    kind = "data"
    if is_subset_label(n):
        kind, n = "subset", strip_subset(n)
    return kind, strip_ordinal(n) if n else ""


def _row_identity(spec, pname, label, code, tables, class_code) -> tuple[str, str, str | None, str | None]:
    """(kind, key, level, code) of a row named `label` and `code`: what it is, before its key is qualified."""
    kind, bare = _label_parts(label)
    key = tables.canon(bare) if bare else (code or "")
    level = None
    if code:
        if spec.code_system == "经济":
            level = _ECONOMIC_LEVELS.get(len(code))
            code = code if level and code.startswith(("3", "5")) else None
        else:
            level = _FUNCTIONAL_LEVELS.get(len(code))
            code = code if level and code.startswith("2") else None
    if code is None and key and spec.code_system is None and pname == "支出" and class_code is not None:
        found = class_code(key)
        if found:
            code, level = found, "类"
    if code is None and key in TOTAL_LABELS:
        kind = "total"
    return kind, key, level, code


def _make_row(pname, p, r, label, code, kind, key, level, cells, seen_labels, last_plain) -> Row:
    """The row, its key qualified by the plain row above when the label repeats in the panel (小计 under each
    group): the one part of naming a row that depends on the rows before it."""
    counts = seen_labels[p]
    if key and kind != "subset":
        if key in counts:
            key = f"{last_plain.get(p, '')}/{key}"
        else:
            counts[key] = 1
            if not code:
                last_plain[p] = key
    return new_row(pname, key, label, code, level, kind, r, cells)
