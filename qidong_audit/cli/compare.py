"""`qidong-audit compare OLD NEW` (year over year) and the `check BUDGET FINAL --cycle` run (预算 against 决算):
two workbooks side by side, a table of lines (changes or completion rates) and the findings between them."""

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
    fail,
    parse_tolerance,
    render_rich,
    stderr_console,
)


def compare(
    old: Annotated[Path, typer.Argument(help="上年的公开表工作簿（决算或预算）。", show_default=False)],
    new: Annotated[Path, typer.Argument(help="本年的同一种工作簿。", show_default=False)],
    report: Annotated[Optional[Path], typer.Option("--report", "-r", help="本年的文字报告（.txt/.md/.docx/.pdf）：核对其中“与上年相比增加/减少…万元、…%”的说法。")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="输出格式：table、json（另含 changes 列表）、markdown、junit、sarif、github、html。")] = Format.table,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.error,
    rounding: RoundingOpt = Rounding.interval,
    tolerance: Annotated[Optional[str], typer.Option("--tolerance", help="固定容差（按各表自己的金额单位），代替区间判定。")] = None,
    lang: LangOpt = Lang.zh,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="同时列出无法核对的项目。")] = False,
    quiet: QuietOpt = False,
) -> None:
    """逐年比较：本年年初结转和结余与上年年末是否衔接、各项目和各类支出的增减，以及本年报告中的增减说法。"""
    from qidong_audit.compare import COMPARE_CHECKS, CompareError, compare_files
    from qidong_audit.numbers import RoundingPolicy

    tol = parse_tolerance(tolerance)
    inputs = [str(old), str(new)] + ([str(report)] if report is not None else [])
    check_output_path(output, inputs)
    policy = RoundingPolicy("tolerance", tol) if tol is not None else RoundingPolicy(rounding.value)
    try:
        result = compare_files(str(old), str(new), str(report) if report is not None else None, policy)
    except CompareError as exc:
        raise fail(str(exc)) from None
    finish(result, COMPARE_CHECKS, format, output, fail_on, lang, verbose, quiet)


def run_cycle(paths: list[str], report: Path | None, options, format: Format, output: Path | None, fail_on: FailOn,
              lang: Lang, verbose: bool, quiet: bool) -> None:
    """`check BUDGET.xlsx FINAL.xlsx --cycle [--report TEXT]`: both workbooks audited, then set side by side."""
    from qidong_audit.audit import load_rules
    from qidong_audit.compare import CompareError
    from qidong_audit.cycle import CYCLE_CHECKS, cycle_files
    from qidong_audit.rules.pack import RulesError, builtin_pack

    check_output_path(output, paths + ([str(report)] if report is not None else []))
    try:
        result = cycle_files(paths, str(report) if report is not None else None, options)
        rules = (*load_rules(options).rules, *builtin_pack("budget").rules, *CYCLE_CHECKS)
    except (CompareError, RulesError) as exc:
        raise fail(str(exc)) from None
    finish(result, rules, format, output, fail_on, lang, verbose, quiet)


def finish(result, rules, format: Format, output: Path | None, fail_on: FailOn, lang: Lang, verbose: bool,
           quiet: bool) -> None:
    """Render a Comparison (table: findings, then the lines; json: the contract plus the lines), report unreadable
    files on stderr, and exit 0/1/2."""
    from rich.markup import escape

    from qidong_audit.model import Severity
    from qidong_audit.render import Context, rule_catalogue, summary_line

    ctx = Context(lang.value, rule_catalogue(rules), verbose)
    report = result.report
    if format is Format.table:
        from qidong_audit.render.table import render_lines, render_report

        renderables = render_report(report, ctx=ctx)
        if result.lines:
            renderables.append(render_lines(result, ctx))
        text = render_rich(renderables, output)
        if text is not None:
            emit(text, output)
    elif format is Format.json:
        from qidong_audit.render.json import render_comparison

        emit(render_comparison(result, ctx), output)
    else:
        import importlib

        emit(importlib.import_module(f"qidong_audit.render.{format.value}").render_report(report, ctx), output)
    err = stderr_console()
    for fr in report.files:
        if fr.error:
            err.print(f"[bold red]qidong-audit:[/] {escape(f'{fr.path}：{fr.error}')}", highlight=False)
    if not quiet:
        err.print(summary_line(report, ctx), highlight=False)
    if report.had_read_errors:
        raise typer.Exit(EXIT_FAILED)
    threshold = None if fail_on is FailOn.never else Severity(fail_on.value)
    raise typer.Exit(EXIT_FINDINGS if report.worst_at_or_above(threshold) else EXIT_OK)
