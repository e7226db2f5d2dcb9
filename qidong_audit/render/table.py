"""Findings for people: one rich table per file and standard table, in the tables' own language."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table as RichTable
from rich.text import Text

from qidong_audit.model import FileResult, Finding, Report, Severity, Verdict
from qidong_audit.numbers import fmt
from qidong_audit.render import Context, by_file
from qidong_audit.render import summary_line as _summary

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _label(f: Finding, ctx: Context) -> Text:
    if f.waiver is not None:
        return Text(ctx.label(f), style="dim")
    if f.verdict is Verdict.ROUNDING:
        return Text(ctx.label(f), style="cyan")
    if f.verdict is Verdict.NOT_ASSESSABLE:
        return Text(ctx.label(f), style="dim")
    return Text(ctx.label(f), style=_STYLE[f.severity])


def _cells(f: Finding, ctx: Context) -> str:
    if not f.cell:
        return ctx.place(f)
    others = len({(c.sheet, c.cell) for c in f.cells} - {(f.sheet, f.cell)})
    if not others:
        return f"{f.sheet}!{f.cell}"
    return f"{f.sheet}!{f.cell}" + (f" 等{others + 1}格" if ctx.lang == "zh" else f" +{others} more")


def render_report(report: Report, verbose: bool = False, ctx: Context | None = None) -> list:
    """Renderables for a rich Console (the CLI prints them or records them to a file)."""
    ctx = ctx or Context(verbose=verbose)
    verbose = verbose or ctx.verbose
    out: list = [Text(ctx.mode(report), style="dim")]
    files = {fr.path: fr for fr in report.files}
    for path, findings in by_file(report).items():
        fr = files.get(path)
        out.append(_file_heading(fr, ctx) if fr else Text(f"\n{path}", style="bold"))
        if fr is not None and fr.error:
            continue
        hidden = [f for f in findings if f.verdict is Verdict.NOT_ASSESSABLE and not verbose]
        shown = [f for f in findings if f not in hidden]
        titles = {} if fr is None else {t.table_id: _table_heading(t, ctx) for t in fr.tables}
        groups: dict[str, list[Finding]] = {}
        for f in shown:
            groups.setdefault(f.table_id or "", []).append(f)
        for table_id, items in groups.items():
            title = titles.get(table_id, ctx.word("workbook")) if table_id else (ctx.word("workbook") if fr else path)
            out.append(_table(title, items, ctx))
        if hidden:
            out.append(Text(ctx.word("hidden", n=len(hidden)), style="dim"))
        if not shown:
            out.append(Text(ctx.word("clean"), style="green"))
    return out


def _table_heading(t, ctx: Context) -> str:
    title = ctx.table_title(t.table_id, t.title)
    if ctx.lang == "en":
        return f"{t.table_id} {title} (sheet “{t.sheet}”, unit: {ctx.unit(t.unit)})"
    return f"{t.table_id} {title}（工作表「{t.sheet}」，单位：{t.unit}）"


def _file_heading(fr: FileResult, ctx: Context | None = None) -> Text:
    ctx = ctx or Context()
    t = Text()
    t.append(f"\n{fr.path}", style="bold")
    if fr.error:
        t.append(f"\n  {ctx.word('unreadable')}：{fr.error}" if ctx.lang == "zh" else f"\n  {ctx.word('unreadable')}: {fr.error}", style="bold red")
        return t
    bits = []
    if fr.department:
        bits.append(fr.department)
    if fr.year:
        bits.append(ctx.word("year", year=fr.year))
    if fr.tables or fr.unrecognised:  # a written report beside the workbooks (compare --report) has no tables
        bits.append(ctx.word("recognised", n=len(fr.tables)))
    if fr.unrecognised:
        bits.append(ctx.word("unrecognised", names="、".join(fr.unrecognised)))
    t.append("  " + " · ".join(bits), style="dim")
    return t


def _table(title: str, findings: list[Finding], ctx: Context) -> RichTable:
    """One table per standard table; each rule's title heads its findings."""
    table = RichTable(title=title, title_justify="left", title_style="bold", show_lines=False, expand=False)
    table.add_column(ctx.word("level"), no_wrap=True)
    table.add_column(ctx.word("cell"), no_wrap=True)
    table.add_column(ctx.word("expected"), justify="right", no_wrap=True)
    table.add_column(ctx.word("actual"), justify="right", no_wrap=True)
    table.add_column(ctx.word("difference"), justify="right", no_wrap=True)
    table.add_column(ctx.word("message"), ratio=1, min_width=24)
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    for n, (rule, items) in enumerate(by_rule.items()):
        if n:
            table.add_section()
        if ctx.lang == "en":
            head = ctx.title(rule)
        else:
            head = items[0].message[: len(items[0].message) - len(items[0].detail)].rstrip("：") if items[0].detail else ""
        table.add_row(Text(rule, style="bold"), "", "", "", "", Text(head, style="bold"))
        for f in items:
            text = Text(ctx.detail(f), style="dim" if f.explained_by else "")
            if f.waiver is not None:
                text.append(f"\n{ctx.waiver_note(f)}")
            if f.diagnosis or f.explained_by:
                text.append(f"\n{ctx.diagnosis(f)}", style="dim" if f.explained_by else "bold yellow")
            table.add_row(_label(f, ctx), _cells(f, ctx), fmt(f.expected), fmt(f.actual), fmt(f.difference), text)
    return table


def summary_line(report: Report, ctx: Context | None = None) -> str:
    return _summary(report, ctx)


def render_inspection(files: list[FileResult]) -> list:
    out: list = []
    for fr in files:
        out.append(_file_heading(fr))
        if fr.error:
            continue
        table = RichTable(show_lines=False)
        for col in ("表", "标题", "工作表", "单位", "区域", "表头行", "编码", "数据行", "金额列"):
            table.add_column(col, overflow="fold", no_wrap=col in ("表", "单位", "区域", "数据行"))
        for t in fr.tables:
            cols = "\n".join(f"{c.a1}={(c.panel + ':') if c.panel else ''}{c.key}" for c in t.columns)
            table.add_row(
                t.table_id,
                t.title if t.printed_title == t.title else f"{t.title}\n（原标题：{t.printed_title}）",
                t.sheet,
                t.unit + ("" if t.unit_known else "（未注明）"),
                t.range,
                ",".join(str(r) for r in t.header_rows),
                {"": "无", "单列": "单列"}.get(t.code_layout, f"分列 {t.code_layout}"),
                str(len(t.rows)),
                cols,
            )
        out.append(Group(table))
        for name in fr.unrecognised:
            out.append(Text(f"未识别的工作表「{name}」：没有找到部门决算公开表的标题（如「支出决算表」）", style="yellow"))
    return out


def render_lines(comparison, ctx: Context | None = None) -> RichTable:
    """`compare` (上年 → 本年, 增减额, 增减率) or `check --cycle` (预算 → 决算, 差额, 完成率): items, then the 类."""
    ctx = ctx or Context()
    zh = ctx.lang == "zh"
    if comparison.kind == "change":
        heads = ("上年", "本年", "增减额", "增减率") if zh else ("Last year", "This year", "Change", "Change %")
        title = "与上年比较" if zh else "Change on last year"
    else:
        heads = ("预算数", "决算数", "差额", "完成率") if zh else ("Budget", "Final", "Difference", "Completion")
        title = "预算完成情况" if zh else "Budget completion"
    table = RichTable(title=title, title_justify="left", title_style="bold", show_lines=False, expand=False)
    table.add_column("项目" if zh else "Item")
    table.add_column(ctx.word("unit"), no_wrap=True)
    for head in heads:
        table.add_column(head, justify="right", no_wrap=True)
    group = None
    for x in comparison.lines:
        if group is not None and x.group != group:
            table.add_section()
        group = x.group
        pct = "—" if x.percent is None else f"{x.percent}%"
        table.add_row(x.item, ctx.unit(x.unit), fmt(x.left, x.decimals) if x.left is not None else "—",
                      fmt(x.right, x.decimals) if x.right is not None else "—",
                      fmt(x.difference, x.decimals) if x.difference is not None else "—", pct)
    return table
