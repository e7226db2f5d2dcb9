"""Workbooks that are really text: HTML tables and SpreadsheetML 2003 XML saved as ".xls", and CSV/TSV
(UTF-8, GBK/GB18030, with or without BOM). Each becomes raw sheets like calamine's, with merges from spans.

Cells are text; whole numbers without a leading zero become int and decimals become Decimal (exactly as
written), so recognition sees the same kinds of values as from a real workbook. Each reader stops with a
ReadError once the grid it builds passes `max_cells` (spans, ss:Index and long files cannot run away).
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from html.parser import HTMLParser

from qidong_audit.io.limits import ReadError

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
    candidates += ["utf-8"]
    for enc in candidates:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    # GBK, or a file pasted together from UTF-8 and GBK parts: decide line by line (a GBK line is almost
    # never valid UTF-8; "\n" is never part of a GBK character).
    return "".join(_decode_line(line) for line in data.splitlines(keepends=True))


def _decode_line(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("gb18030", "replace")


class _Html(HTMLParser):
    """Rows of every table, with text outside tables (titles, 单位 lines) as one-cell rows."""

    _BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "br", "li", "caption", "title"}

    def __init__(self, max_cells: int) -> None:
        super().__init__(convert_charrefs=True)
        self.budget = max_cells  # cells and rows still allowed (spanned cells count too)
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

    def _spend(self, cells: int) -> None:
        self.budget -= cells
        if self.budget < 0:
            raise ReadError("网页表格过大：行、列和合并单元格展开后超过单元格上限（可用环境变量 QIDONG_AUDIT_MAX_CELLS 调整）")

    def _flush_text(self) -> None:
        t = " ".join("".join(self.text).split())
        self.text = []
        if t and self.depth == 0:
            self._spend(1)
            self.rows.append([t])

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "table":
            self._flush_text()
            self.depth += 1
        elif tag == "tr" and self.depth:
            self._spend(1)
            self.current = []
            self.cursor = 0
            self.rows.append(self.current)
        elif tag in ("td", "th") and self.depth:
            if self.current is None:
                self._spend(1)
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
        self._spend(max(c + colspan - len(row), 0) + rowspan * colspan)
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


def read_html(data: bytes, max_cells: int) -> list[tuple[str, list[list[object]], list]]:
    m = _CHARSET.search(data[:4096])
    parser = _Html(max_cells)
    parser.feed(decode(data, m.group(1) if m else None))
    parser.close()
    rows = [[None if (isinstance(v, str) and not v) else v for v in r] for r in parser.rows]
    return [("网页表格", rows, parser.merges)]


_SS = "urn:schemas-microsoft-com:office:spreadsheet"


def read_spreadsheetml(data: bytes, max_cells: int) -> list[tuple[str, list[list[object]], list]]:
    """SpreadsheetML 2003 (Excel "XML 表格"): Worksheet/Table/Row/Cell/Data with ss:Index and merges."""
    from defusedxml import DefusedXmlException, ElementTree

    try:
        root = ElementTree.fromstring(data)
    except DefusedXmlException:
        raise ReadError("XML 表格含有 DTD/实体声明（可能是“XML 炸弹”），工作簿不会这样写，拒绝读取") from None
    sheets = []
    spent = 0
    for ws in root.iter(f"{{{_SS}}}Worksheet"):
        name = ws.get(f"{{{_SS}}}Name") or f"Sheet{len(sheets) + 1}"
        rows: list[list[object]] = []
        merges = []
        for table in ws.iter(f"{{{_SS}}}Table"):
            r = -1
            for row in table.iter(f"{{{_SS}}}Row"):
                r = _index(row.get(f"{{{_SS}}}Index"), r)
                if r >= len(rows):
                    spent += r + 1 - len(rows)
                    _budget(spent, max_cells, name)
                    rows.extend([] for _ in range(r + 1 - len(rows)))
                line = rows[r]
                c = -1
                for cell in row.iter(f"{{{_SS}}}Cell"):
                    c = _index(cell.get(f"{{{_SS}}}Index"), c)
                    data_el = cell.find(f"{{{_SS}}}Data")
                    text = "".join(data_el.itertext()) if data_el is not None else ""
                    if c >= len(line):
                        spent += c + 1 - len(line)
                        _budget(spent, max_cells, name)
                        line.extend([None] * (c + 1 - len(line)))
                    line[c] = typed(text)
                    across = _count(cell.get(f"{{{_SS}}}MergeAcross"))
                    down = _count(cell.get(f"{{{_SS}}}MergeDown"))
                    if across or down:
                        merges.append(((r, c), (r + down, c + across)))
                    c += across
        sheets.append((name, rows, merges))
    return sheets


def _index(text: str | None, previous: int) -> int:
    """ss:Index is 1-based; without one (or with nonsense) the next place."""
    if text and text.strip().isdigit() and len(text.strip()) <= 7:
        return max(int(text) - 1, 0)
    return previous + 1


def _count(text: str | None) -> int:
    """ss:MergeAcross / ss:MergeDown: how many more columns/rows the cell covers (nonsense reads as 0)."""
    return min(int(text), 16_384) if text and text.strip().isdigit() and len(text.strip()) <= 7 else 0


def _budget(spent: int, max_cells: int, sheet: str) -> None:
    if spent > max_cells:
        raise ReadError(f"XML 表格「{sheet}」过大：超过单元格上限 {max_cells:,}（可用环境变量 QIDONG_AUDIT_MAX_CELLS 调整）")


def read_delimited(data: bytes, name: str, max_cells: int) -> list[tuple[str, list[list[object]], list]]:
    text = decode(data)
    head = text[:4096]
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    rows: list[list[object]] = []
    spent = 0
    try:
        for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):  # "\r" ends lines too (old Mac, Excel)
            spent += max(len(r), 1)
            if spent > max_cells:
                raise ReadError(f"CSV 文件过大：超过单元格上限 {max_cells:,}（可用环境变量 QIDONG_AUDIT_MAX_CELLS 调整）")
            rows.append([typed(v) for v in r])
    except csv.Error as exc:
        raise ReadError(f"CSV 格式错误（第 {len(rows) + 1} 行）：{exc}") from None
    return [(name, rows, None)]


def declared_xml_encoding(data: bytes) -> bytes | None:
    m = _ENCODING.search(data[:200])
    return m.group(1) if m else None
