"""Re-write a workbook's sheets (values + merged ranges) in the other formats departments send:
real .xls (BIFF), .ods, HTML and SpreadsheetML 2003 saved as ".xls", CSV/TSV in GBK."""

from __future__ import annotations

import html
from decimal import Decimal
from pathlib import Path


def grid(path: Path) -> list[tuple[str, list[list[object]], list[tuple[int, int, int, int]]]]:
    """[(sheet, rows, merges as 0-based (r0, c0, r1, c1))] of an xlsx."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    out = []
    for ws in wb.worksheets:
        rows = [[c.value for c in row] for row in ws.iter_rows()]
        merges = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
        out.append((ws.title, rows, merges))
    return out


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return str(Decimal(repr(v)))
    return str(v)


def to_html(path: Path, out: Path, encoding: str = "utf-8") -> Path:
    parts = [f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={encoding}"></head><body>']
    for _name, rows, merges in grid(path):
        spans = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in merges}
        covered = {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - set(spans)
        parts.append("<table border=1>")
        for r, row in enumerate(rows):
            parts.append("<tr>")
            for c, v in enumerate(row):
                if (r, c) in covered:
                    continue
                rs, cs = spans.get((r, c), (1, 1))
                attrs = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
                parts.append(f"<td{attrs}>{html.escape(_text(v))}</td>")
            parts.append("</tr>")
        parts.append("</table><br>")
    parts.append("</body></html>")
    out.write_bytes("".join(parts).encode(encoding))
    return out


def to_spreadsheetml(path: Path, out: Path) -> Path:
    ss = "urn:schemas-microsoft-com:office:spreadsheet"
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', f'<Workbook xmlns="{ss}" xmlns:ss="{ss}">']
    for name, rows, merges in grid(path):
        spans = {(r0, c0): (r1 - r0, c1 - c0) for r0, c0, r1, c1 in merges}
        parts.append(f'<Worksheet ss:Name="{html.escape(name)}"><Table>')
        for r, row in enumerate(rows):
            parts.append("<Row>")
            for c, v in enumerate(row):
                if v is None and (r, c) not in spans:
                    continue
                down, across = spans.get((r, c), (0, 0))
                kind = "Number" if isinstance(v, (int, float, Decimal)) else "String"
                attrs = f' ss:Index="{c + 1}"' + (f' ss:MergeAcross="{across}"' if across else "") + (f' ss:MergeDown="{down}"' if down else "")
                parts.append(f'<Cell{attrs}><Data ss:Type="{kind}">{html.escape(_text(v))}</Data></Cell>')
            parts.append("</Row>")
        parts.append("</Table></Worksheet>")
    parts.append("</Workbook>")
    out.write_text("".join(parts), encoding="utf-8")
    return out


def to_xls(path: Path, out: Path) -> Path:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for name, rows, merges in grid(path):
        ws = book.add_sheet(name[:31])
        anchors = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in merges}
        covered = {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if (r, c) in anchors:
                    r1, c1 = anchors[(r, c)]
                    ws.write_merge(r, r1, c, c1, v)
                elif (r, c) not in covered and v is not None:
                    ws.write(r, c, float(v) if isinstance(v, Decimal) else v)
    book.save(str(out))
    return out


def to_ods(path: Path, out: Path) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    for name, rows, merges in grid(path):
        spans = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in merges}
        covered = {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - set(spans)
        table = Table(name=name)
        for r, row in enumerate(rows):
            tr = TableRow()
            for c, v in enumerate(row):
                if (r, c) in covered:
                    tr.addElement(CoveredTableCell())
                    continue
                attrs = {}
                if (r, c) in spans:
                    attrs = {"numberrowsspanned": spans[(r, c)][0], "numbercolumnsspanned": spans[(r, c)][1]}
                if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
                    cell = TableCell(valuetype="float", value=_text(v), **attrs)
                else:
                    cell = TableCell(valuetype="string", **attrs)
                if v is not None:
                    cell.addElement(P(text=_text(v)))
                tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    doc.save(str(out))
    return out


def to_csv(path: Path, sheet: str, out: Path, encoding: str = "gbk", delimiter: str = ",") -> Path:
    import csv
    import io

    rows = next(rows for name, rows, _ in grid(path) if name == sheet)
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows([[_text(v) for v in row] for row in rows])
    out.write_bytes(buf.getvalue().encode(encoding))
    return out
