"""Find the standard tables in a sheet: title rows start blocks; meta lines give unit and department.

Sheet names and order carry no meaning; a sheet may hold one table or several stacked ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qidong_audit.io import RawSheet
from qidong_audit.recognise.spec import TableSet, TableSpec
from qidong_audit.recognise.text import norm

_UNIT = re.compile(r"单位[:：]?\s*[(（]?\s*(亿元|万元|千元|元)")
_DEPT = re.compile(r"^(?:部门|部门名称|单位名称|编制单位|填报单位|预算单位|单位)[:：]\s*(.+)$")
_LABEL = re.compile(r"^(?:公开\d+表|财决\d+表|表\d+|附表\d*|[zZ]\d+)")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
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


def match_title(text: str, tables: TableSet) -> TableSpec | None:
    """The table whose longest alias occurs in the text ("财政拨款收入支出决算总表" beats "收入支出决算总表")."""
    if len(text) > 20 * _MAX_TITLE_LEN:  # no title, however spaced out; spares normalising huge cells
        return None
    n = norm(text)
    if not n or n.startswith(("注", "说明")) or len(n) > _MAX_TITLE_LEN:
        return None
    n = n.translate(_TITLE_PUNCT)
    best: tuple[int, TableSpec] | None = None
    for alias, spec in _title_aliases(tables):
        if alias in n and (best is None or len(alias) > best[0]):
            best = (len(alias), spec)
    return best[1] if best else None


_ALIASES: dict[int, tuple[TableSet, list[tuple[str, TableSpec]]]] = {}


def _title_aliases(tables: TableSet) -> list[tuple[str, TableSpec]]:
    """Every alias without list punctuation, computed once per table set (match_title runs on every text row)."""
    hit = _ALIASES.get(id(tables))
    if hit is None or hit[0] is not tables:
        hit = _ALIASES[id(tables)] = (tables, [(a.translate(_TITLE_PUNCT), s) for s in tables.tables for a in s.aliases])
    return hit[1]


def find_blocks(sheet: RawSheet, tables: TableSet) -> list[Block]:
    starts: list[tuple[int, TableSpec, str]] = []
    for r, row in enumerate(sheet.rows):
        if any(v is not None and not isinstance(v, str) for v in row):
            continue  # a title row holds text only
        texts = [v for v in row if v is not None and v.strip()]
        if not texts or len(texts) > _MAX_TITLE_CELLS:
            continue
        joined = "".join(texts)
        spec = match_title(joined, tables)
        if spec is not None:
            if starts and starts[-1][1] is spec and "续" in joined:
                continue  # "支出决算表（续）": the same table goes on after a page break
            starts.append((r, spec, joined.strip()))
    blocks = []
    for i, (r, spec, title) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(sheet.rows)
        blocks.append(Block(spec, sheet, r, end, title))
    return blocks


def unit_of(texts: list[str]) -> str | None:
    for t in texts:
        m = _UNIT.search(norm(t))
        if m:
            return m.group(1)
    return None


def department_of(texts: list[str]) -> str | None:
    for t in texts:
        m = _DEPT.match(norm(t))
        if m and not _UNIT.search(norm(t)):
            return m.group(1)
    return None


def year_of(texts: list[str]) -> int | None:
    for t in texts:
        m = _YEAR.search(t)
        if m:
            return int(m.group(1))
    return None


def is_meta_text(text: str) -> bool:
    n = norm(text)
    return bool(
        _UNIT.search(n) or _DEPT.match(n) or _LABEL.match(n) or re.fullmatch(r"[(（]?(?:19|20)\d{2}年度?[)）]?", n)
    )
