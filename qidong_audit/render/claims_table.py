"""Findings on a written report, for people: each finding with its line, and the sentence quoted with the
figures the check used highlighted (long sentences are shortened around them)."""

from __future__ import annotations

from decimal import Decimal

from rich.table import Table as RichTable
from rich.text import Text

from qidong_audit.model import FileResult, Finding, Report, Severity, Verdict
from qidong_audit.render import Context

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_MARK = {Severity.ERROR: "bold white on red", Severity.WARNING: "bold black on yellow", Severity.INFO: "bold black on cyan"}
_WINDOW = 28  # characters kept on each side of a highlighted figure in a long sentence
_LONG = 120


def render_report(report: Report, ctx: Context | None = None) -> list:
    ctx = ctx or Context()
    zh = ctx.lang == "zh"
    out: list = [Text(ctx.mode(report), style="dim")]
    text_files, workbooks = report.files[:1], report.files[1:]  # the report, then the workbook it is checked against
    for fr in text_files:
        out.append(_heading(fr, workbooks, ctx))
        if fr.error:
            continue
        findings = [f for f in report.findings if f.file == fr.path]
        if not findings:
            out.append(Text(ctx.word("clean"), style="green"))
            continue
        table = RichTable(show_lines=True, expand=False)
        table.add_column(ctx.word("level"), no_wrap=True)
        table.add_column("位置" if zh else "Where", no_wrap=True)
        table.add_column(ctx.word("rule"), no_wrap=True)
        table.add_column(ctx.word("message"), ratio=1, min_width=40)
        for f in findings:
            body = Text(_message(f, ctx))
            if f.excerpt:
                body.append("\n")
                body.append_text(quote(f))
            table.add_row(_label(f, ctx), ctx.place(f), f.rule, body)
        out.append(table)
    return out


def _heading(fr: FileResult, workbooks: list[FileResult], ctx: Context) -> Text:
    t = Text()
    t.append(f"\n{fr.path}", style="bold")
    if fr.error:
        t.append(f"\n  {ctx.word('unreadable')}：{fr.error}", style="bold red")
        return t
    for wb in workbooks:
        if wb.error:
            t.append(f"\n  对照工作簿 {wb.path}：{ctx.word('unreadable')}：{wb.error}" if ctx.lang == "zh"
                     else f"\n  against {wb.path}: {ctx.word('unreadable')}: {wb.error}", style="bold red")
        else:
            t.append(f"  对照 {wb.path}（{ctx.word('recognised', n=len(wb.tables))}）" if ctx.lang == "zh"
                     else f"  against {wb.path} ({ctx.word('recognised', n=len(wb.tables))})", style="dim")
    return t


def _message(f: Finding, ctx: Context) -> str:
    """The library's Chinese message; in English the rule's title and the structured fields (the place has its
    own column). What cannot be checked is explained only in the library's words."""
    if ctx.lang == "zh" or f.verdict is Verdict.NOT_ASSESSABLE:
        return f.message
    return f"{ctx.title(f.rule)}: {ctx.detail(f)}"


def _label(f: Finding, ctx: Context) -> Text:
    if f.verdict is Verdict.ROUNDING:
        return Text(ctx.label(f), style="cyan")
    if f.verdict is Verdict.NOT_ASSESSABLE:
        return Text(ctx.label(f), style="dim")
    return Text(ctx.label(f), style=_STYLE[f.severity])


def quote(f: Finding) -> Text:
    """「the sentence」 with the figures named in the finding's text cells highlighted."""
    from qidong_audit.claims.tokens import tokenize

    sentence = f.excerpt or ""
    wanted: set[Decimal] = set()
    for c in f.cells:
        if c.sheet is None and c.cell is None and c.value is not None:
            try:
                wanted.add(Decimal(c.value))
            except ArithmeticError:
                continue
    spans = [(t.start, t.end) for t in tokenize(sentence) if t.quantity and t.value in wanted]
    style = "dim" if f.verdict is Verdict.NOT_ASSESSABLE else (
        _MARK[Severity.INFO] if f.verdict is Verdict.ROUNDING else _MARK[f.severity])
    pieces = _windows(sentence, spans)
    out = Text("「", style="dim")
    for k, (a, b) in enumerate(pieces):
        if k or a > 0:
            out.append("…", style="dim")
        pos = a
        for s, e in spans:
            if s < a or e > b:
                continue
            out.append(sentence[pos:s], style="italic")
            out.append(sentence[s:e], style=style)
            pos = e
        out.append(sentence[pos:b], style="italic")
    if pieces and pieces[-1][1] < len(sentence):
        out.append("…", style="dim")
    out.append("」", style="dim")
    return out


def _windows(sentence: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The stretches of a long sentence worth showing: around each highlighted figure, merged."""
    if len(sentence) <= _LONG or not spans:
        return [(0, len(sentence))]
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        a, b = max(0, s - _WINDOW), min(len(sentence), e + _WINDOW)
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged
