"""`qidong-audit report`: check the figures of a written report (.txt/.md/.docx/.pdf), alone or against its tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from qidong_audit.cli.common import (
    EXIT_FAILED,
    EXIT_FINDINGS,
    EXIT_OK,
    FailOn,
    FailOnOpt,
    Format,
    Lang,
    LangOpt,
    OutputOpt,
    QuietOpt,
    Rounding,
    RoundingOpt,
    check_output_path,
    emit,
    parse_tolerance,
    render_rich,
    stderr_console,
)


def report(
    text: Annotated[Path, typer.Argument(help="报告文件：.txt、.md、.docx 或 .pdf（需有文字层，PDF 需安装 qidong-audit[pdf]）。", show_default=False)],
    tables: Annotated[Optional[Path], typer.Option("--tables", "-t", help="同时与这份公开表工作簿核对：文中写出的表内项目须与表中数字相等。")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="输出格式：table、json、markdown、junit、sarif、github、html。")] = Format.table,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.error,
    rounding: RoundingOpt = Rounding.interval,
    tolerance: Annotated[Optional[str], typer.Option("--tolerance", help="固定容差（按文中金额的单位），代替区间判定。")] = None,
    lang: LangOpt = Lang.zh,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="同时列出无法核对的说法（未写出基数的占比、增减率等）。")] = False,
    quiet: QuietOpt = False,
) -> None:
    """核对文字报告（决算说明、绩效评价报告）中的数字：合计与其中各项、占比、增减、计数，可与公开表对照。"""
    from dataclasses import replace

    from qidong_audit.claims import audit_report
    from qidong_audit.claims.rules import TEXT_RULES
    from qidong_audit.model import Severity, Verdict
    from qidong_audit.numbers import RoundingPolicy
    from qidong_audit.render import Context, rule_catalogue, summary_line

    tol = parse_tolerance(tolerance)
    inputs = [str(text)] + ([str(tables)] if tables is not None else [])
    check_output_path(output, inputs)
    policy = RoundingPolicy("tolerance", tol) if tol is not None else RoundingPolicy(rounding.value)
    result = audit_report(str(text), str(tables) if tables is not None else None, policy)
    if not verbose:  # a claim that cannot be checked is listed only on request, and then counts as info
        result = replace(result, findings=tuple(f for f in result.findings if f.verdict is not Verdict.NOT_ASSESSABLE))
    ctx = Context(lang.value, rule_catalogue(TEXT_RULES.values()), verbose)

    if format is Format.table:
        from qidong_audit.render.claims_table import render_report

        rendered = render_rich(render_report(result, ctx), output)
        if rendered is not None:
            emit(rendered, output)
    else:
        import importlib

        renderer = importlib.import_module(f"qidong_audit.render.{format.value}")
        emit(renderer.render_report(result, ctx), output)

    from rich.markup import escape

    err = stderr_console()
    for fr in result.files:
        if fr.error:  # escaped: "[pdf]" in a message or brackets in a path are text, not markup
            err.print(f"[bold red]qidong-audit:[/] {escape(fr.path)}：{escape(fr.error)}", highlight=False)
    if not quiet:
        err.print(summary_line(result, ctx), highlight=False)
    if result.had_read_errors:
        raise typer.Exit(EXIT_FAILED)
    threshold = None if fail_on is FailOn.never else Severity(fail_on.value)
    raise typer.Exit(EXIT_FINDINGS if result.worst_at_or_above(threshold) else EXIT_OK)
