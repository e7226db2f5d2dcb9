"""Findings for people: one rich table per file and standard table, in the tables' own language."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table as RichTable
from rich.text import Text

from qidong_audit.model import FileResult, Finding, Report, Severity, Verdict
from qidong_audit.numbers import fmt

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_MODE = {"interval": "区间（四舍五入容差）", "exact": "精确", "tolerance": "固定容差"}


def _label(f: Finding) -> Text:
    if f.verdict is Verdict.ROUNDING:
        return Text("舍入", style="cyan")
    if f.verdict is Verdict.NOT_ASSESSABLE:
        return Text("无法检查", style="dim")
    return Text(f.severity.zh, style=_STYLE[f.severity])


def _cells(f: Finding) -> str:
    if not f.cell:
        return ""
    others = len({(c.sheet, c.cell) for c in f.cells} - {(f.sheet, f.cell)})
    return f"{f.sheet}!{f.cell}" + (f" 等{others + 1}格" if others else "")


def render_report(report: Report, verbose: bool = False) -> list:
    """Renderables for a rich Console (the CLI prints them or records them to a file)."""
    out: list = [Text(f"舍入判定：{_MODE.get(report.rounding_mode, report.rounding_mode)}"
                      + (f"，容差 {report.tolerance}" if report.tolerance is not None else ""), style="dim")]
    by_file: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_file.setdefault(f.file, []).append(f)
    for fr in report.files:
        out.append(_file_heading(fr, by_file.get(fr.path, [])))
        if fr.error:
            continue
        findings = by_file.get(fr.path, [])
        hidden = [f for f in findings if f.verdict is Verdict.NOT_ASSESSABLE and not verbose]
        shown = [f for f in findings if f not in hidden]
        titles = {t.table_id: f"{t.table_id} {t.title}（工作表「{t.sheet}」，单位：{t.unit}）" for t in fr.tables}
        groups: dict[str, list[Finding]] = {}
        for f in shown:
            groups.setdefault(f.table_id or "", []).append(f)
        for table_id, items in groups.items():
            out.append(_table(titles.get(table_id, "工作簿 / 表间") if table_id else "工作簿 / 表间", items))
        if hidden:
            out.append(Text(f"另有 {len(hidden)} 条规则因缺少表或行无法检查（加 --verbose 查看）", style="dim"))
        if not shown:
            out.append(Text("未发现问题。", style="green"))
    return out


def _file_heading(fr: FileResult, findings: list[Finding]) -> Text:
    t = Text()
    t.append(f"\n{fr.path}", style="bold")
    if fr.error:
        t.append(f"\n  无法审核：{fr.error}", style="bold red")
        return t
    bits = []
    if fr.department:
        bits.append(fr.department)
    if fr.year:
        bits.append(f"{fr.year}年度")
    bits.append(f"识别 {len(fr.tables)} 张表")
    if fr.unrecognised:
        bits.append(f"未识别工作表：{'、'.join(fr.unrecognised)}")
    t.append("  " + " · ".join(bits), style="dim")
    return t


def _table(title: str, findings: list[Finding]) -> RichTable:
    """One table per standard table; each rule's title heads its findings."""
    table = RichTable(title=title, title_justify="left", title_style="bold", show_lines=False, expand=False)
    table.add_column("级别", no_wrap=True)
    table.add_column("单元格", no_wrap=True)
    table.add_column("应为", justify="right", no_wrap=True)
    table.add_column("实为", justify="right", no_wrap=True)
    table.add_column("差额", justify="right", no_wrap=True)
    table.add_column("说明", ratio=1, min_width=24)
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    for n, (rule, items) in enumerate(by_rule.items()):
        if n:
            table.add_section()
        head = items[0].message[: len(items[0].message) - len(items[0].detail)].rstrip("：") if items[0].detail else ""
        table.add_row(Text(rule, style="bold"), "", "", "", "", Text(head, style="bold"))
        for f in items:
            table.add_row(_label(f), _cells(f), fmt(f.expected), fmt(f.actual), fmt(f.difference), f.detail or f.message)
    return table


def summary_line(report: Report) -> str:
    e, w, i = (report.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO))
    bad = sum(1 for f in report.files if f.error)
    line = f"{len(report.files)} 个文件：{e} 个错误，{w} 个提示，{i} 条信息"
    if bad:
        line += f"；{bad} 个文件无法审核"
    return line


def render_inspection(files: list[FileResult]) -> list:
    out: list = []
    for fr in files:
        out.append(_file_heading(fr, []))
        if fr.error:
            continue
        table = RichTable(show_lines=False)
        for col in ("表", "标题", "工作表", "单位", "区域", "表头行", "数据行", "金额列"):
            table.add_column(col)
        for t in fr.tables:
            cols = "；".join(f"{c.a1}={(c.panel + ':') if c.panel else ''}{c.key}" for c in t.columns)
            table.add_row(
                t.table_id,
                t.title if t.printed_title == t.title else f"{t.title}\n（原标题：{t.printed_title}）",
                t.sheet,
                t.unit + ("" if t.unit_known else "（未注明）"),
                t.range,
                ",".join(str(r) for r in t.header_rows),
                str(len(t.rows)),
                cols,
            )
        out.append(Group(table))
    return out
