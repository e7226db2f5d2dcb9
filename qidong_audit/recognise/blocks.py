"""Find the standard tables in a sheet: title rows start blocks; meta lines give unit and department.

Sheet names and order carry no meaning; a sheet may hold one table or several stacked ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qidong_audit.io import RawSheet
from qidong_audit.recognise.grid import Line, lines_of
from qidong_audit.recognise.spec import TableSet, TableSpec
from qidong_audit.recognise.text import SHORT_TEXT, norm, text_cache

_UNIT = re.compile(r"单位[:：]?\s*[(（]?\s*(亿元|万元|千元|元)")
_DEPT = re.compile(r"^(?:部门|部门名称|单位名称|编制单位|填报单位|预算单位|单位)[:：]\s*(.+)$")
_LABEL = re.compile(r"^(?:公开\d+表|财决\d+表|表\d+|附表\d*|[zZ]\d+)")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_YEAR_LINE = re.compile(r"[(（]?(?:19|20)\d{2}年度?[)）]?")
_MAX_TITLE_CELLS = 3
_TITLE_PUNCT = str.maketrans("", "", "、,，·.")  # "“三公”经费及会议费、培训费支出决算表"
_MAX_TITLE_LEN = 80


@dataclass(frozen=True, slots=True)
class Block:
    spec: TableSpec
    sheet: RawSheet
    title_row: int  # 0-based
    end: int  # exclusive
    printed_title: str
    lines: list[Line] = field(repr=False, compare=False)  # the sheet's rows, read once (grid.lines_of)


def match_title(text: str, tables: TableSet) -> TableSpec | None:
    """The table whose longest alias occurs in the text ("财政拨款收入支出决算总表" beats "收入支出决算总表")."""
    if len(text) > 20 * _MAX_TITLE_LEN:  # no title, however spaced out; spares normalising huge cells
        return None
    index = _title_index(tables)
    hit = index.seen.get(text, _UNSEEN)
    if hit is _UNSEEN:
        hit = _match_title(text, index.aliases)
        if len(text) <= SHORT_TEXT:
            if len(index.seen) >= _MAX_SEEN:
                index.seen.clear()
            index.seen[text] = hit
    return hit


def _match_title(text: str, aliases: list[tuple[str, TableSpec]]) -> TableSpec | None:
    n = norm(text)
    if not n or n.startswith(("注", "说明")) or len(n) > _MAX_TITLE_LEN:
        return None
    n = n.translate(_TITLE_PUNCT)
    best: tuple[int, TableSpec] | None = None
    for alias, spec in aliases:
        if alias in n and (best is None or len(alias) > best[0]):
            best = (len(alias), spec)
    return best[1] if best else None


@dataclass(slots=True)
class _TitleIndex:
    tables: TableSet
    aliases: list[tuple[str, TableSpec]]  # every alias without list punctuation
    seen: dict[str, TableSpec | None]  # text → its match: the same titles, units and headers recur in every file


_UNSEEN = object()
_MAX_SEEN = 8192  # texts remembered per table set; the memo starts over beyond that
_INDEXES: dict[int, _TitleIndex] = {}


def _title_index(tables: TableSet) -> _TitleIndex:
    """Computed once per table set (match_title runs on every text row)."""
    hit = _INDEXES.get(id(tables))
    if hit is None or hit.tables is not tables:
        aliases = [(a.translate(_TITLE_PUNCT), s) for s in tables.tables for a in s.aliases]
        hit = _INDEXES[id(tables)] = _TitleIndex(tables, aliases, {})
    return hit


def find_blocks(sheet: RawSheet, tables: TableSet, lines: list[Line] | None = None) -> list[Block]:
    """The blocks of the sheet, each from a title row to the next; `lines` are the sheet's rows if already read."""
    lines = lines_of(sheet.rows) if lines is None else lines
    starts: list[tuple[int, TableSpec, str]] = []
    for r, line in enumerate(lines):
        texts = line.strings
        if not texts or not line.only_text or len(texts) > _MAX_TITLE_CELLS:
            continue  # a title row holds text only
        joined = "".join(texts)
        spec = match_title(joined, tables)
        if spec is not None:
            if starts and starts[-1][1] is spec and "续" in joined:
                continue  # "支出决算表（续）": the same table goes on after a page break
            starts.append((r, spec, joined.strip()))
    blocks = []
    for i, (r, spec, title) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(sheet.rows)
        blocks.append(Block(spec, sheet, r, end, title, lines))
    return blocks


def unit_of(texts: list[str]) -> str | None:
    for t in texts:
        unit = _unit_in(t)
        if unit:
            return unit
    return None


@text_cache(maxsize=4096)  # the lines above every table: unit, department, form label, header words
def _unit_in(text: str) -> str | None:
    m = _UNIT.search(norm(text))
    return m.group(1) if m else None


def department_of(texts: list[str]) -> str | None:
    for t in texts:
        department = _department_in(t)
        if department is not None:
            return department
    return None


@text_cache(maxsize=4096)
def _department_in(text: str) -> str | None:
    n = norm(text)
    m = _DEPT.match(n)
    return m.group(1) if m and not _UNIT.search(n) else None


def year_of(texts: list[str]) -> int | None:
    for t in texts:
        m = _YEAR.search(t)
        if m:
            return int(m.group(1))
    return None


@text_cache(maxsize=4096)  # unit, department and form-label lines recur in every file
def is_meta_text(text: str) -> bool:
    n = norm(text)
    return bool(_UNIT.search(n) or _DEPT.match(n) or _LABEL.match(n) or _YEAR_LINE.fullmatch(n))
