"""Publish a workbook as departments do: a PDF with a 情况说明 page of text, then every table with its title,
unit line and ruled grid (merged header cells kept), written with reportlab's built-in Chinese font."""

from __future__ import annotations

from pathlib import Path

from tests.formats import _text, grid


def to_pdf(path: Path, out: Path, text: list[str] = ()) -> Path:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = getSampleStyleSheet()["Normal"]
    style.fontName, style.fontSize, style.leading = "STSong-Light", 9, 12
    story = [Paragraph(line, style) for line in text]
    if story:
        story.append(PageBreak())
    for _name, rows, merges in grid(path):
        width = max((len(r) for r in rows), default=0)
        # rows up to the first merged-across title/unit lines become paragraphs; the rest is the grid
        head = 0
        while head < len(rows) and sum(1 for v in rows[head] if v is not None) <= 2 and not _is_header(rows, head, merges):
            for v in rows[head]:
                if v is not None:
                    story.append(Paragraph(_text(v), style))
            head += 1
        body = [[_text(v) for v in r] + [""] * (width - len(r)) for r in rows[head:]]
        if not body:
            continue
        spans = [("SPAN", (c0, r0 - head), (c1, r1 - head)) for r0, c0, r1, c1 in merges if r0 >= head]
        table = Table(body, repeatRows=0)
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"), ("FONTSIZE", (0, 0), (-1, -1), 6),
                                   ("GRID", (0, 0), (-1, -1), 0.4, "black"), *spans]))
        story += [table, PageBreak()]
    SimpleDocTemplate(str(out), pagesize=landscape(A4), leftMargin=20, rightMargin=20).build(story)
    return out


def _is_header(rows, i, merges) -> bool:
    """The first row of the grid: one with a merge spanning less than the whole width, or several cells."""
    return any(r0 == i and c1 > c0 and c1 - c0 + 1 < len(rows[i]) for r0, c0, r1, c1 in merges)
