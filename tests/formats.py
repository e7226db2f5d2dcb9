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


def rewrite(path: Path, out: Path, *, offset: tuple[int, int] = (0, 0), yuan: tuple[str, ...] = (),
            blank_rows_at: int | None = None, continue_sheet: str | None = None) -> Path:
    """The same workbook as people retype it: shifted by blank rows/columns, some tables in 元 instead of
    万元 (amounts × 10000, unit line changed), blank rows inside the data, or one table continued on a
    second "page" with its title (续), unit line and header repeated."""
    from decimal import Decimal

    import openpyxl

    src = openpyxl.load_workbook(path)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    dr, dc = offset
    for ws in src.worksheets:
        new = wb.create_sheet(ws.title)
        rows = [[c for c in row] for row in ws.iter_rows()]
        header_end = next((i for i, row in enumerate(rows) if any(c.number_format == "#,##0.00" and isinstance(c.value, (int, float)) for c in row)), len(rows))
        out_rows: list[list[object]] = []
        for i, row in enumerate(rows):
            values = []
            for c in row:
                v = c.value
                if ws.title in yuan and c.number_format == "#,##0.00" and isinstance(v, (int, float)):
                    v = Decimal(repr(v)) * 10000
                if ws.title in yuan and isinstance(v, str) and "万元" in v:
                    v = v.replace("万元", "元")
                values.append(v)
            out_rows.append(values)
            if blank_rows_at is not None and i == header_end + blank_rows_at:
                out_rows.append([None] * len(values))
        if ws.title == continue_sheet:
            cut = header_end + 3
            repeat = [[ws.cell(1, 1).value + "（续）"], out_rows[2]] + out_rows[3:header_end]
            out_rows = out_rows[:cut] + [[None]] + repeat + out_rows[cut:]
        for i, values in enumerate(out_rows):
            for j, v in enumerate(values):
                if v is not None:
                    new.cell(i + 1 + dr, j + 1 + dc, v)
        if ws.title != continue_sheet:
            ins = header_end + blank_rows_at if blank_rows_at is not None else len(rows)
            for m in ws.merged_cells.ranges:
                shift = 1 if m.min_row - 1 > ins else 0
                new.merge_cells(start_row=m.min_row + dr + shift, start_column=m.min_col + dc,
                                end_row=m.max_row + dr + shift, end_column=m.max_col + dc)
    wb.save(out)
    return out
