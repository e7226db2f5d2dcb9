"""`qidong-audit check`: audit workbooks (files or folders); no PATH audits the bundled sample."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Optional

import typer

from qidong_audit.cli.common import (
    EXIT_FAILED,
    EXIT_FINDINGS,
    EXIT_OK,
    FailOn,
    Format,
    Rounding,
    check_output_path,
    emit,
    fail,
    render_rich,
    stderr_console,
)


def check(
    paths: Annotated[Optional[list[str]], typer.Argument(help="工作簿文件或文件夹；省略时审核内置样例。", show_default=False)] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="输出格式。")] = Format.table,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="把报告写入文件（不会覆盖输入文件）。")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="达到此级别的问题使退出码为 1。")] = FailOn.error,
    rounding: Annotated[Rounding, typer.Option("--rounding", help="interval：按四舍五入区间判定；exact：分毫不差。")] = Rounding.interval,
    tolerance: Annotated[Optional[str], typer.Option("--tolerance", help="固定容差（按各表自己的金额单位），代替区间判定。")] = None,
    rules: Annotated[Optional[list[Path]], typer.Option("--rules", help="追加的规则文件（TOML，格式同内置规则包），可多次给出。")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="同时列出因缺少表或行而无法检查的规则。")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="不在 stderr 打印汇总行。")] = False,
) -> None:
    """审核工作簿：表内平衡、合计与明细、表间一致。"""
    from qidong_audit.audit import AuditOptions, audit_paths, sample_path
    from qidong_audit.rules.pack import RulesError

    tol = None
    if tolerance is not None:
        try:
            tol = Decimal(tolerance)
        except InvalidOperation:
            raise fail(f"--tolerance 应是数字，而不是「{tolerance}」") from None
        if not tol.is_finite() or tol < 0:
            raise fail(f"--tolerance 应是非负数，而不是「{tolerance}」")
    inputs = list(paths) if paths else [str(sample_path())]
    check_output_path(output, inputs)
    options = AuditOptions(rounding=rounding.value, tolerance=tol, rules_files=tuple(str(r) for r in rules or ()))
    try:
        report = audit_paths(inputs, options)
    except RulesError as exc:
        raise fail(str(exc)) from None
    if not report.files:
        raise fail("没有找到要审核的工作簿（.xlsx/.xlsm/.xls/.xlsb/.ods）")
    if format is Format.json:
        from qidong_audit.render.json import render_report

        emit(render_report(report), output)
    else:
        from qidong_audit.render.table import render_report

        text = render_rich(render_report(report, verbose=verbose), output)
        if text is not None:
            emit(text, output)
    err = stderr_console()
    for fr in report.files:
        if fr.error:
            err.print(f"[bold red]qidong-audit:[/] {fr.path}：{fr.error}", highlight=False)
    if not quiet:
        from qidong_audit.render.table import summary_line

        err.print(summary_line(report), highlight=False)
    if report.had_read_errors:
        raise typer.Exit(EXIT_FAILED)
    threshold = None if fail_on is FailOn.never else fail_on.value
    from qidong_audit.model import Severity

    failed = report.worst_at_or_above(Severity(threshold) if threshold else None)
    raise typer.Exit(EXIT_FINDINGS if failed else EXIT_OK)
