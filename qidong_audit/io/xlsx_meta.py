"""What python-calamine cannot tell about an xlsx: formulas without a cached value, error values
(#DIV/0!, #REF! — calamine reads both as empty), the decimals each number format displays, hidden rows,
and — before calamine allocates a sheet as one dense grid — how many rows × columns the sheet spans.

Regular expressions over the raw bytes of the sheet XML, a few MiB at a time (about 1.0 ms for a standard
workbook of nine sheets and 2,000 cells, about 1.4 s per million cells); nothing is evaluated and no entity is
ever expanded.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from posixpath import join, normpath

from qidong_audit.address import a1, column_number
from qidong_audit.io.limits import ReadError

# Built-in number formats (ECMA-376 §18.8.30) → decimals shown; None = General (shows what it has).
_BUILTIN_DECIMALS = {0: None, 1: 0, 2: 2, 3: 0, 4: 2, 9: 0, 10: 2, 37: 0, 38: 0, 39: 2, 40: 2, 41: 0, 42: 0, 43: 2, 44: 2}
_ATTR = re.compile(r'([\w:]+)\s*=\s*"([^"]*)"')
_SHEET = re.compile(r"<(?:\w+:)?sheet\b([^>]*)/?>")
_REL = re.compile(r"<(?:\w+:)?Relationship\b([^>]*)/?>")
_NUMFMT = re.compile(r"<(?:\w+:)?numFmt\b([^>]*)/?>")
_CELLXFS = re.compile(r"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", re.S)
_XF = re.compile(r"<(?:\w+:)?xf\b([^>]*)/?>")

# Sheet XML, as bytes. One match per cell tag, giving the address and style of cells written `<c r="B7" …>` — r
# first, as the schema orders it and every known writer keeps it — and letters b"" for any other cell (no r, r
# later, r="" or r="12"). The optional part cannot run past a "<", so one tag never hides the next one inside it.
# The lookbehind keeps `<c/` and `<c>` from taking an address; the possessive quantifiers (*+, ++) cannot change
# what matches here — letters, digits and the closing quote never overlap — but save re its backtracking
# bookkeeping on every cell. Two spellings: unprefixed tags (every common writer) start with a literal, which re
# finds several times faster; "<x:c" prefixed tags take the general one.
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")
_CELL = re.compile(rb'<(?:\w++:)?c[\s/>](?:(?<=\s)\s*+r="([A-Za-z]*+)(\d{0,12}+)"(?:[^<>]*?\ss="(\d++)")?)?')
_CELL_PLAIN = re.compile(rb'<c[\s/>](?:(?<=\s)\s*+r="([A-Za-z]*+)(\d{0,12}+)"(?:[^<>]*?\ss="(\d++)")?)?')
_LETTERS, _DIGITS, _STYLE = itemgetter(0), itemgetter(1), itemgetter(2)  # of a _CELL match
_PREFIXED_CELL = re.compile(rb":c[\s/>]")  # also "<x:c/>" and "<x:c\tr=…" (a search from the rare ":" is cheap)
_FORMULA_HINT = re.compile(rb"f[\s/>]")  # every formula tag ends so; a search from "f" is cheaper than "<f" / ":f"
_HIDDEN_HINT = re.compile(rb"hidden=")
_ERROR_HINT = re.compile(rb't="e"')
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\s([^>]*?\bhidden="(?:1|true)"[^>]*)>')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s/>]")
_ERROR_TYPE = re.compile(rb'\st="e"')
_OPEN_CELL = re.compile(rb"<(?:\w+:)?c\s([^>]*?)/?>")
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?v>)")
_END_CELL = re.compile(rb"</(?:\w+:)?c>|<(?:\w+:)?c[\s/>]")
_ROW_OR_CELL = re.compile(rb"<(?:\w+:)?(row|c)(?=[\s/>])([^>]*?)/?>")
_CHUNK = 4 << 20
_MAX_ROWS, _MAX_COLS = 1_048_576, 16_384  # Excel's own grid


@dataclass
class SheetMeta:
    formula_without_value: set[tuple[int, int]] = field(default_factory=set)  # 0-based (row, col)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    decimals: dict[str, int] = field(default_factory=dict)  # by A1 address: decimals the number format shows
    hidden_rows: set[int] = field(default_factory=set)
    formulas: int = 0


def _attrs(text: str) -> dict[str, str]:
    return {k.split(":")[-1]: v for k, v in _ATTR.findall(text)}


def _battrs(text: bytes) -> dict[str, str]:
    return _attrs(text.decode("utf-8", "replace"))


def _col(letters: bytes) -> int:
    """b"C" → 3 (1-based)."""
    return column_number(letters.decode("ascii"))


def _rc(ref: str) -> tuple[int, int] | None:
    m = re.match(r"^([A-Z]{1,3})(\d{1,7})$", ref)
    if not m:
        return None
    return int(m.group(2)) - 1, column_number(m.group(1)) - 1


def format_decimals(code: str) -> int | None:
    """Decimals a format code displays ("#,##0.00_ " → 2, "0" → 0, "General" → None)."""
    section = code.split(";")[0]
    section = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", section)
    if section.strip().lower() in ("general", ""):
        return None
    m = re.search(r"\.([0#?]+)", section)
    return len(m.group(1)) if m else 0


class _Parts:
    """Reads parts of `zf` by name, taking those already read whole from `whole`."""

    def __init__(self, zf: zipfile.ZipFile, whole: Mapping[str, bytes]) -> None:
        self._zf, self._whole = zf, whole

    def read(self, name: str) -> bytes:
        data = self._whole.get(name)
        return self._zf.read(name) if data is None else data


def _shown(zf: zipfile.ZipFile | _Parts, names: set[str]) -> dict[bytes, int]:
    """Style index (as written in `s="…"`) → decimals its number format shows, for the styles that show a fixed
    number (General shows what it has and is left out)."""
    if "xl/styles.xml" not in names:
        return {}
    return _remembered(_shown_in, zf.read("xl/styles.xml"))


def _shown_in(styles: bytes) -> dict[bytes, int]:
    xml = styles.decode("utf-8", "replace")
    custom = {}
    for a in map(_attrs, _NUMFMT.findall(xml)):
        try:
            custom[int(a.get("numFmtId", "-1"))] = format_decimals(a.get("formatCode", ""))
        except ValueError:
            continue
    m = _CELLXFS.search(xml)
    out: list[int | None] = []
    for a in map(_attrs, _XF.findall(m.group(1) if m else "")):
        try:
            fid = int(a.get("numFmtId", "0"))
        except ValueError:
            fid = 0
        out.append(custom[fid] if fid in custom else _BUILTIN_DECIMALS.get(fid))
    return {str(i).encode(): d for i, d in enumerate(out) if d is not None}


def sheet_paths(zf: zipfile.ZipFile | _Parts, names: set[str]) -> dict[str, str]:
    """Sheet name → part name inside the zip."""
    if "xl/workbook.xml" not in names:
        return {}
    rels = zf.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
    return {sheet: path for sheet, path in _remembered(_sheet_targets, zf.read("xl/workbook.xml"), rels)
            if path in names}


def _sheet_targets(workbook: bytes, relationships: bytes) -> tuple[tuple[str, str], ...]:
    """(sheet name, the part its relationship points to) for every sheet the workbook lists, in order."""
    rels = {}
    for a in map(_attrs, _REL.findall(relationships.decode("utf-8", "replace"))):
        target = a.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else normpath(join("xl", target))
        rels[a.get("Id", "")] = path
    out = []
    for a in map(_attrs, _SHEET.findall(workbook.decode("utf-8", "replace"))):
        path = rels.get(a.get("id", ""))
        if path:
            out.append((_unescape(a.get("name", "")), path))
    return tuple(out)


# What the styles, workbook and relationship parts say, by their bytes: the workbooks of one county's departments
# come from one template, and these parts recur from file to file. Small parts only, and a bounded number of them.
_REMEMBERED: dict[tuple, object] = {}
_MAX_REMEMBERED, _MAX_REMEMBERED_PART = 64, 64 * 1024  # at most 4 MiB of parts held


def _remembered(work, *parts: bytes):
    """work(*parts), remembered by the parts' bytes. Callers never change what it returns."""
    if sum(map(len, parts)) > _MAX_REMEMBERED_PART:
        return work(*parts)
    key = (work, *parts)
    found = _REMEMBERED.get(key)
    if found is None:
        if len(_REMEMBERED) >= _MAX_REMEMBERED:
            _REMEMBERED.clear()
        found = _REMEMBERED[key] = work(*parts)
    return found


def _unescape(s: str) -> str:
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def scan(zf: zipfile.ZipFile, max_cells: int, whole: Mapping[str, bytes] | None = None) -> dict[str, SheetMeta]:
    """Every sheet's metadata. Raises ReadError when the sheets would span more than max_cells rows × columns
    (in total), before calamine is asked to allocate them. `whole`: parts already read from `zf` (bounds.check_zip
    returns them), used instead of inflating them again."""
    parts = _Parts(zf, whole or {})
    names = set(zf.namelist())
    shown = _shown(parts, names)
    out: dict[str, SheetMeta] = {}
    total = 0
    for sheet, path in sheet_paths(parts, names).items():
        xml = parts.read(path)
        meta = SheetMeta()
        rows, cols = _extent(xml, sheet, max_cells - total, meta, shown)
        total += rows * cols
        # A quick search for a literal spares sheets without hidden rows, formulas or error cells the slower
        # searches (re finds these literals faster than `in` does)
        if _HIDDEN_HINT.search(xml):
            for attrs in _HIDDEN_ROW.findall(xml):
                r = _battrs(attrs).get("r", "")
                if r.isdigit():
                    meta.hidden_rows.add(int(r) - 1)
        if _FORMULA_HINT.search(xml):
            _formulas(xml, meta)
        if _ERROR_HINT.search(xml):
            _errors(xml, meta)
        out[sheet] = meta
    return out


def _chunks(xml: bytes) -> Iterator[bytes]:
    """The XML in pieces of a few MiB, cut just before a cell tag so that no tag is split."""
    start = 0
    while start < len(xml):
        end = start + _CHUNK
        if end < len(xml):
            m = _CELL_TAG.search(xml, end)
            end = m.start() if m else len(xml)
        yield xml[start:end]
        start = end


def _extent(xml: bytes, sheet: str, budget: int, meta: SheetMeta, shown: dict[bytes, int]) -> tuple[int, int]:
    """(rows, columns) the sheet spans from A1, as calamine will lay it out; records number-format decimals
    on the way. Raises ReadError as soon as the extent passes the budget or leaves Excel's grid.

    The fast path reads the address of cells written `<c r="B7" …>`; a sheet with any other cell is laid out
    again tag by tag, like calamine does. Per cell there is only the regex match and a few steps in C (map,
    set): columns and rows are worked out once per distinct letters and row number. Decimals are kept by the
    address as written where every address is spelt as A1 spells it (upper case, no leading zero), so that
    a cell's key is its letters and digits joined (a comprehension: chains of map() cost more here). (zip(*found) would look
    neater, but it makes an iterator per cell, and on the 100,000 cells of a 4 MiB chunk the garbage collector
    walking them makes it cost superlinearly.)"""
    cell = _CELL if _PREFIXED_CELL.search(xml) else _CELL_PLAIN
    rows = cols = 0
    unaddressed = False
    col_of: dict[bytes, int] = {}
    for chunk in _chunks(xml):
        found = cell.findall(chunk)
        here = set(map(_LETTERS, found))
        if b"" in here:  # a cell without a usable address: laid out below; the others still count here
            unaddressed = True
            found = [f for f in found if f[0]]
            here.discard(b"")
        if not found:
            continue
        for x in here - col_of.keys():
            col_of[x] = _col(x) if len(x) <= 3 else _MAX_COLS + 1
        cols = max(cols, max(map(col_of.__getitem__, here)))
        numbers = set(map(_DIGITS, found))
        plain = b"" not in numbers and all(map(bytes.isupper, here))  # every address spelt as A1 spells it …
        numbers.discard(b"")  # r="A" has no row
        if numbers:
            rows = max(rows, max(map(int, numbers)))
        _check(sheet, rows, cols, budget)
        if shown:
            # … without leading zeros (digits only: one starts with "0" exactly when the least of them does)
            if plain and numbers and not min(numbers).startswith(b"0"):  # then the address as written is the key
                meta.decimals.update({(c + d).decode(): shown[s] for c, d, s in found if s in shown})
            else:
                meta.decimals.update({a1(int(d) - 1, col_of[c] - 1): shown[s] for c, d, s in found if s in shown and d})
    if unaddressed:  # cells without an address take the next place in their row: lay them out
        rows, cols = _extent_unaddressed(xml, sheet, budget)
    return rows, cols


def _extent_unaddressed(xml: bytes, sheet: str, budget: int) -> tuple[int, int]:
    row = rows = cols = 0
    col = 0
    for m in _ROW_OR_CELL.finditer(xml):
        tag, a = m.group(1), _battrs(m.group(2))
        ref = a.get("r", "")
        if tag == b"row":
            row = int(ref) if ref.isdigit() and len(ref) <= 7 else row + 1
            col = 0
            continue
        rc = re.match(r"^([A-Za-z]*)(\d*)$", ref)
        if ref and rc:
            col = column_number(rc.group(1)) if 0 < len(rc.group(1)) <= 3 else _MAX_COLS + 1
            if rc.group(2):
                row = int(rc.group(2)) if len(rc.group(2)) <= 7 else _MAX_ROWS + 1
        else:
            col += 1
        rows, cols = max(rows, row), max(cols, col)
        _check(sheet, rows, cols, budget)
    return rows, cols


def _check(sheet: str, rows: int, cols: int, budget: int) -> None:
    if rows > _MAX_ROWS or cols > _MAX_COLS:
        raise ReadError(f"工作表「{sheet}」的单元格地址超出 Excel 的范围（1,048,576 行 × 16,384 列），文件已损坏")
    if rows * cols > budget:
        raise ReadError(
            f"工作表「{sheet}」过大：至少 {rows:,} 行 × {cols:,} 列，超过单元格上限 {budget:,}"
            "（可用环境变量 QIDONG_AUDIT_MAX_CELLS 调整）"
        )


def _cell_around(xml: bytes, pos: int) -> tuple[tuple[int, int] | None, bytes]:
    """The address and body of the cell whose content holds position `pos` (None outside cells, e.g. the
    <xm:f> of a data validation)."""
    start = max(xml.rfind(b"<c ", 0, pos), xml.rfind(b":c ", 0, pos))
    if start < 0:
        return None, b""
    m = _OPEN_CELL.match(xml, start if xml[start:start + 1] == b"<" else xml.rfind(b"<", 0, start))
    if m is None or m.end() > pos or xml[m.end() - 2:m.end()] == b"/>":
        return None, b""
    end = _END_CELL.search(xml, m.end())
    stop = end.start() if end else len(xml)
    if stop < pos:
        return None, b""
    return _rc(_battrs(m.group(1)).get("r", "")), xml[m.end():stop]


def _formulas(xml: bytes, meta: SheetMeta) -> None:
    for f in _FORMULA.finditer(xml):
        rc, body = _cell_around(xml, f.start())
        if rc is None or rc in meta.formula_without_value:
            continue
        meta.formulas += 1
        v = _VALUE.search(body)
        if v is None or not (v.group(1) or b"").strip():
            meta.formula_without_value.add(rc)


def _errors(xml: bytes, meta: SheetMeta) -> None:
    for t in _ERROR_TYPE.finditer(xml):
        tag = xml.rfind(b"<", 0, t.start())
        m = _OPEN_CELL.match(xml, tag)
        if m is None or m.end() < t.end():
            continue
        rc = _rc(_battrs(m.group(1)).get("r", ""))
        if rc is None:
            continue
        end = _END_CELL.search(xml, m.end())
        v = _VALUE.search(xml[m.end():end.start() if end else len(xml)])
        meta.errors[rc] = _unescape(((v.group(1) if v else b"") or b"#\xe9\x94\x99\xe8\xaf\xaf").decode("utf-8", "replace"))
