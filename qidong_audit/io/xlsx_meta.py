"""What python-calamine cannot tell about an xlsx: formulas without a cached value, error values
(#DIV/0!, #REF! — calamine reads both as empty), the decimals each number format displays, and hidden rows.

A single pass of regular expressions over the sheet XML (about 1 ms for a standard workbook); nothing is
evaluated and no entity is ever expanded.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from posixpath import dirname, join, normpath

# Built-in number formats (ECMA-376 §18.8.30) → decimals shown; None = General (shows what it has).
_BUILTIN_DECIMALS = {0: None, 1: 0, 2: 2, 3: 0, 4: 2, 9: 0, 10: 2, 37: 0, 38: 0, 39: 2, 40: 2, 41: 0, 42: 0, 43: 2, 44: 2}
_ATTR = re.compile(r'([\w:]+)\s*=\s*"([^"]*)"')
_SHEET = re.compile(r"<(?:\w+:)?sheet\b([^>]*)/?>")
_REL = re.compile(r"<(?:\w+:)?Relationship\b([^>]*)/?>")
_NUMFMT = re.compile(r"<(?:\w+:)?numFmt\b([^>]*)/?>")
_CELLXFS = re.compile(r"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", re.S)
_XF = re.compile(r"<(?:\w+:)?xf\b([^>]*)/?>")
_ROW = re.compile(r"<(?:\w+:)?row\b([^>]*)>")
_CELL = re.compile(r"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_F = re.compile(r"<(?:\w+:)?f\b")
_V = re.compile(r"<(?:\w+:)?v\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?v>)", re.S)
_A1 = re.compile(r"^([A-Z]{1,3})(\d+)$")


@dataclass
class SheetMeta:
    formula_without_value: set[tuple[int, int]] = field(default_factory=set)  # 0-based (row, col)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    decimals: dict[tuple[int, int], int] = field(default_factory=dict)  # decimals the number format shows
    hidden_rows: set[int] = field(default_factory=set)
    formulas: int = 0


def _attrs(text: str) -> dict[str, str]:
    return {k.split(":")[-1]: v for k, v in _ATTR.findall(text)}


def _rc(ref: str) -> tuple[int, int] | None:
    m = _A1.match(ref)
    if not m:
        return None
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def format_decimals(code: str) -> int | None:
    """Decimals a format code displays ("#,##0.00_ " → 2, "0" → 0, "General" → None)."""
    section = code.split(";")[0]
    section = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", section)
    if section.strip().lower() in ("general", ""):
        return None
    m = re.search(r"\.([0#?]+)", section)
    return len(m.group(1)) if m else 0


def _style_decimals(zf: zipfile.ZipFile, names: set[str]) -> list[int | None]:
    if "xl/styles.xml" not in names:
        return []
    xml = zf.read("xl/styles.xml").decode("utf-8", "replace")
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
    return out


def _sheet_paths(zf: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Sheet name → part name inside the zip."""
    if "xl/workbook.xml" not in names:
        return {}
    wb = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for a in map(_attrs, _REL.findall(zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace"))):
            target = a.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else normpath(join("xl", target))
            rels[a.get("Id", "")] = path
    out = {}
    for a in map(_attrs, _SHEET.findall(wb)):
        path = rels.get(a.get("id", ""))
        if path and path in names:
            out[_unescape(a.get("name", ""))] = path
    return out


def _unescape(s: str) -> str:
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def scan(zf: zipfile.ZipFile) -> dict[str, SheetMeta]:
    names = set(zf.namelist())
    styles = _style_decimals(zf, names)
    out: dict[str, SheetMeta] = {}
    for sheet, path in _sheet_paths(zf, names).items():
        xml = zf.read(path).decode("utf-8", "replace")
        meta = SheetMeta()
        for a in map(_attrs, _ROW.findall(xml)):
            if a.get("hidden") in ("1", "true") and a.get("r", "").isdigit():
                meta.hidden_rows.add(int(a["r"]) - 1)
        for attrs, body in _CELL.findall(xml):
            a = _attrs(attrs)
            rc = _rc(a.get("r", ""))
            if rc is None:
                continue
            body = body or ""
            if _F.search(body):
                meta.formulas += 1
                v = _V.search(body)
                if v is None or not (v.group(1) or "").strip():
                    meta.formula_without_value.add(rc)
            if a.get("t") == "e":
                v = _V.search(body)
                meta.errors[rc] = _unescape((v.group(1) if v else "") or "#错误")
            s = a.get("s")
            if s is not None and s.isdigit() and int(s) < len(styles) and styles[int(s)] is not None:
                meta.decimals[rc] = styles[int(s)]
        out[sheet] = meta
    return out
