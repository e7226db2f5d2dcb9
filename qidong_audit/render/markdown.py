"""A pull-request comment (GitHub-flavoured Markdown): a summary table per file, then each file's findings in a
collapsible <details> block (open when the file has errors)."""

from __future__ import annotations

from qidong_audit.model import Finding, Report, Severity
from qidong_audit.numbers import fmt
from qidong_audit.render import Context, by_file, counts, summary_line, visible

_LIMIT = 60_000  # GitHub rejects comments over 65,536 characters; stop listing findings before that


def _cell(text: str) -> str:
    """Text safe inside a table cell: no pipes, no line breaks, no HTML."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
            .replace("\r", "").replace("\n", "<br>"))


def render_report(report: Report, ctx: Context | None = None) -> str:
    ctx = ctx or Context()
    zh = ctx.lang == "zh"
    hidden = sum(1 for f in report.findings if not visible(f, ctx))
    errors = report.count(Severity.ERROR)
    icon = "❌" if errors or report.had_read_errors else ("⚠️" if report.count(Severity.WARNING) else "✅")
    out = [f"### {icon} qidong-audit：{summary_line(report, ctx)}" if zh else f"### {icon} qidong-audit: {summary_line(report, ctx)}",
           "", f"_{ctx.mode(report)}_", ""]
    head = [ctx.word("file"), ctx.word("tables"), ctx.word("error"), ctx.word("warning"), ctx.word("info"), ctx.word("waived")]
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    files = {fr.path: fr for fr in report.files}
    groups = by_file(report)
    for path, findings in groups.items():
        fr = files.get(path)
        if fr is not None and fr.error:
            out.append(f"| {_cell(path)} | ❌ {_cell(ctx.word('unreadable'))}：{_cell(fr.error)} | | | | |")
            continue
        c = counts(findings)
        tables = str(len(fr.tables)) if fr is not None else ""
        out.append(f"| {_cell(path)} | {tables} | {c['error']} | {c['warning']} | {c['info']} | {c['waived']} |")
    size = sum(len(line) + 1 for line in out)
    left_out = 0
    for path, findings in groups.items():
        items = [f for f in findings if visible(f, ctx)]
        if not items:
            continue
        c = counts(items)
        label = (f"{c['error']} 个错误，{c['warning']} 个提示，{c['info']} 条信息" if zh
                 else f"{c['error']} errors, {c['warning']} warnings, {c['info']} info")
        if c["waived"]:
            label += f"，{c['waived']} 条已豁免" if zh else f", {c['waived']} waived"
        block = ["", f"<details{' open' if c['error'] else ''}><summary><b>{_cell(path)}</b> — {label}</summary>", "",
                 "| " + " | ".join(ctx.word(k) for k in ("level", "rule", "cell", "expected", "actual", "difference", "message")) + " |",
                 "|---|---|---|---:|---:|---:|---|"]
        for f in items:
            row = _row(f, ctx)
            if size + sum(map(len, block)) + len(row) > _LIMIT:
                left_out += 1
                continue
            block.append(row)
        block += ["", "</details>"]
        out += block
        size += sum(len(line) + 1 for line in block)
    if left_out:
        out += ["", f"…另有 {left_out} 条问题未列出（评论长度有限；完整结果见 JSON 或 HTML 报告）" if zh
                else f"…{left_out} more findings not listed (comment size limit; see the JSON or HTML report)"]
    if hidden:
        out += ["", f"<sub>{_cell(ctx.word('hidden', n=hidden))}</sub>"]
    return "\n".join(out) + "\n"


def _row(f: Finding, ctx: Context) -> str:
    text = ctx.detail(f)
    if f.waiver is not None:
        text += "\n" + ctx.waiver_note(f)
    place = ctx.place(f)
    level = ctx.label(f)
    if f.waiver is None and f.severity is Severity.ERROR:
        level = f"**{level}**"
    return (f"| {_cell(level)} | `{_cell(f.rule)}` | {('`' + _cell(place) + '`') if place else ''} | {fmt(f.expected)} | "
            f"{fmt(f.actual)} | {fmt(f.difference)} | {_cell(text)} |")
