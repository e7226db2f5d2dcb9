"""Published PDFs: the tables and the text of a 决算 publication, from its text layer (pdfplumber, the `pdf` extra).

All pages become one grid, top to bottom, so a table continued on the next page stays one table; every row
remembers its page, and cells are located as "第3页!E12" (a synthetic A1 in the extracted grid). Text outside
the tables (the 情况说明) is kept as one-cell rows and, separately, as numbered lines for the report checks.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from qidong_audit.io.textual import typed

# A line of an unruled table: two amounts side by side, separated by nothing but spaces.
_TABLE_LINE = re.compile(r"\d\.\d{2}\s+-?[\d,]+\.\d{2}")


@dataclass(frozen=True, slots=True)
class PdfContent:
    rows: list[list[object]]  # the grid: table rows and one-cell text rows
    row_pages: list[int]  # 1-based page of each row
    lines: list[tuple[int, str]]  # (page, text) of every text line outside the tables
    pages: int
    tables_per_page: dict[int, int]


class PdfError(Exception):
    pass


def is_pdf(head: bytes) -> bool:
    return head.lstrip(b"\x00\t\r\n ").startswith(b"%PDF-")


def read_pdf(data: bytes) -> PdfContent:
    try:
        import pdfplumber
    except ImportError:
        raise PdfError("读取 PDF 需要安装可选组件：pip install 'qidong-audit[pdf]'") from None
    rows: list[list[object]] = []
    row_pages: list[int] = []
    lines: list[tuple[int, str]] = []
    per_page: dict[int, int] = {}
    chars = 0
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            count = len(pdf.pages)
            for number, page in enumerate(pdf.pages, 1):
                chars += len(page.chars)
                items = _page_items(page)
                per_page[number] = sum(1 for kind, _, _ in items if kind == "table")
                for kind, _top, content in items:
                    if kind == "text":
                        lines.append((number, content))
                        rows.append([content])
                        row_pages.append(number)
                    else:
                        for r in content:
                            rows.append([_cell(v) for v in r])
                            row_pages.append(number)
    except PdfError:
        raise
    except Exception as exc:  # pdfminer raises many kinds for damaged files
        raise PdfError(f"PDF 文件无法解析：{type(exc).__name__}: {str(exc)[:160]}") from None
    if chars == 0:
        raise PdfError("PDF 没有文字层（可能是扫描件），无法读取表格和文字")
    return PdfContent(rows, row_pages, lines, count, per_page)


def _cell(v: object) -> object:
    if v is None:
        return None
    text = " ".join(str(v).split())
    return typed(text.replace(",", "")) if _looks_number(text) else (text or None)


def _looks_number(text: str) -> bool:
    return bool(re.fullmatch(r"-?[\d,]+(\.\d+)?", text)) and not re.fullmatch(r"0\d+", text)


def _page_items(page) -> list[tuple[str, float, object]]:
    """Tables (ruled, or aligned text when a page has none) and the text lines around them, in reading order."""
    tables = page.find_tables()
    text = page.extract_text() or ""
    if not tables and sum(1 for line in text.splitlines() if _TABLE_LINE.search(line)) >= 3:
        tables = page.find_tables({"vertical_strategy": "text", "horizontal_strategy": "text"})
    items: list[tuple[str, float, object]] = []
    boxes = []
    for t in tables:
        data = t.extract()
        if data and any(any(c for c in r) for r in data):
            items.append(("table", t.bbox[1], data))
            boxes.append(t.bbox)

    def outside(obj) -> bool:
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and y0 <= cy <= y1 for x0, y0, x1, y1 in boxes)

    text_page = page.filter(outside) if boxes else page
    for line in text_page.extract_text_lines(keep_blank_chars=False):
        text = " ".join(line["text"].split())
        if text:
            items.append(("text", line["top"], text))
    items.sort(key=lambda item: item[1])
    return items
