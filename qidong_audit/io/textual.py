"""Workbooks that are really text: HTML tables and SpreadsheetML 2003 XML saved as ".xls", and CSV/TSV
(UTF-8, GBK/GB18030, with or without BOM). Each becomes raw sheets like calamine's, with merges from spans.

Cells are text; whole numbers without a leading zero become int and decimals become Decimal (exactly as
written), so recognition sees the same kinds of values as from a real workbook.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from html.parser import HTMLParser

_INT = re.compile(r"^-?[1-9]\d{0,14}$|^0$")
_DEC = re.compile(r"^-?\d{1,15}\.\d{1,10}$")
_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([\w-]+)""", re.I)
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([\w-]+)["']""", re.I)


def typed(text: str) -> object:
    s = text.strip()
    if not s:
        return None
    if _INT.match(s):
        return int(s)
    if _DEC.match(s):
        return Decimal(s)
    return s


def decode(data: bytes, declared: bytes | None = None) -> str:
    """Text from bytes: BOM first, then a declared charset, then UTF-8, then GB18030 (a superset of GBK)."""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, "replace")
    candidates = []
    if declared:
        name = declared.decode("ascii", "ignore").lower()
        candidates.append("gb18030" if name in ("gb2312", "gbk", "gb18030", "x-gbk") else name)
    candidates += ["utf-8", "gb18030"]
    for enc in candidates:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("gb18030", "replace")


class _Html(HTMLParser):
    """Rows of every table, with text outside tables (titles, 单位 lines) as one-cell rows."""

    _BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "br", "li", "caption", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[object]] = []
        self.merges: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self.depth = 0
        self.text: list[str] = []  # text outside tables, or of the current cell
        self.cell: list[str] | None = None
        self.span = (1, 1)
        self.current: list[object] | None = None
        self.cursor = 0  # next free column in the current row
        self.occupied: dict[tuple[int, int], bool] = {}
        self.skip = 0  # inside <script>/<style>

    def _flush_text(self) -> None:
        t = " ".join("".join(self.text).split())
        self.text = []
        if t and self.depth == 0:
            self.rows.append([t])

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "table":
            self._flush_text()
            self.depth += 1
        elif tag == "tr" and self.depth:
            self.current = []
            self.cursor = 0
            self.rows.append(self.current)
        elif tag in ("td", "th") and self.depth:
            if self.current is None:
                self.current = []
                self.cursor = 0
                self.rows.append(self.current)
            self.cell = []
            self.span = (_int(a.get("rowspan")), _int(a.get("colspan")))
        elif tag in self._BLOCKS and self.depth == 0:
            self._flush_text()

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th") and self.cell is not None and self.current is not None:
            self._place(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr":
            self.current = None
        elif tag == "table" and self.depth:
            self.depth -= 1
        elif tag in self._BLOCKS and self.depth == 0:
            self._flush_text()

    def handle_data(self, data):
        if self.skip:
            return
        if self.cell is not None:
            self.cell.append(data)
        elif self.depth == 0:
            self.text.append(data)

    def _place(self, text: str) -> None:
        r = len(self.rows) - 1
        row = self.current
        c = self.cursor
        while self.occupied.get((r, c)):
            c += 1
        rowspan, colspan = self.span
        while len(row) < c + colspan:
            row.append(None)
        row[c] = typed(text)
        self.cursor = c + colspan
        if rowspan > 1 or colspan > 1:
            self.merges.append(((r, c), (r + rowspan - 1, c + colspan - 1)))
            for dr in range(rowspan):
                for dc in range(colspan):
                    if dr or dc:
                        self.occupied[(r + dr, c + dc)] = True

    def close(self):
        super().close()
        self._flush_text()


def _int(v: str | None) -> int:
    try:
        return max(1, min(int(v or 1), 1000))
    except ValueError:
        return 1


def read_html(data: bytes) -> list[tuple[str, list[list[object]], list]]:
    m = _CHARSET.search(data[:4096])
    parser = _Html()
    parser.feed(decode(data, m.group(1) if m else None))
    parser.close()
    rows = [[None if (isinstance(v, str) and not v) else v for v in r] for r in parser.rows]
    return [("网页表格", rows, parser.merges)]


_SS = "urn:schemas-microsoft-com:office:spreadsheet"


def read_spreadsheetml(data: bytes) -> list[tuple[str, list[list[object]], list]]:
    """SpreadsheetML 2003 (Excel "XML 表格"): Worksheet/Table/Row/Cell/Data with ss:Index and merges."""
    from defusedxml import ElementTree

    root = ElementTree.fromstring(data)
    sheets = []
    for ws in root.iter(f"{{{_SS}}}Worksheet"):
        name = ws.get(f"{{{_SS}}}Name") or f"Sheet{len(sheets) + 1}"
        rows: list[list[object]] = []
        merges = []
        for table in ws.iter(f"{{{_SS}}}Table"):
            r = -1
            for row in table.iter(f"{{{_SS}}}Row"):
                idx = row.get(f"{{{_SS}}}Index")
                r = int(idx) - 1 if idx and idx.isdigit() else r + 1
                while len(rows) <= r:
                    rows.append([])
                line = rows[r]
                c = -1
                for cell in row.iter(f"{{{_SS}}}Cell"):
                    cidx = cell.get(f"{{{_SS}}}Index")
                    c = int(cidx) - 1 if cidx and cidx.isdigit() else c + 1
                    data_el = cell.find(f"{{{_SS}}}Data")
                    text = "".join(data_el.itertext()) if data_el is not None else ""
                    while len(line) <= c:
                        line.append(None)
                    line[c] = typed(text)
                    across = int(cell.get(f"{{{_SS}}}MergeAcross") or 0)
                    down = int(cell.get(f"{{{_SS}}}MergeDown") or 0)
                    if across or down:
                        merges.append(((r, c), (r + down, c + across)))
                    c += across
        sheets.append((name, rows, merges))
    return sheets


def read_delimited(data: bytes, name: str) -> list[tuple[str, list[list[object]], list]]:
    text = decode(data)
    head = text[:4096]
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    rows = [[typed(v) for v in r] for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    return [(name, rows, None)]


def declared_xml_encoding(data: bytes) -> bytes | None:
    m = _ENCODING.search(data[:200])
    return m.group(1) if m else None
