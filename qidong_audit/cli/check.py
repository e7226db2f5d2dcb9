"""`qidong-audit check`: audit workbooks (files or folders); no PATH audits the bundled sample."""


import functools
import os
from contextlib import contextmanager
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


def _reading_ahead(command):
    """Run `check` with the read of a lone workbook begun first, in its child process: the read then overlaps
    the import of the checking pipeline (≈ 45 ms) on the other core instead of following it. A read nobody
    asked for (the command stopped early) is ended with the command."""

    @functools.wraps(command)  # typer reads the options from the wrapped signature
    def run(*args, **kwargs):
        from qidong_audit.io.workbook import cancel_reads_ahead, read_ahead

        paths = kwargs.get("paths")
        if paths and len(paths) == 1 and not kwargs.get("cycle"):  # a folder or a missing file is left to the audit
            read_ahead(paths[0])
        try:
            return command(*args, **kwargs)
        finally:
            cancel_reads_ahead()

    return run


@_reading_ahead
def check(
    paths: Annotated[Optional[list[str]], typer.Argument(help="工作簿文件或文件夹；省略时审核内置样例。", show_default=False)] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="输出格式：table、json、markdown（PR 评论）、junit、sarif、github（Actions 注释）、html。")] = Format.table,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.error,
    rounding: RoundingOpt = Rounding.interval,
    tolerance: Annotated[Optional[str], typer.Option("--tolerance", help="固定容差（按各表自己的金额单位），代替区间判定。")] = None,
    rules: Annotated[Optional[list[Path]], typer.Option("--rules", help="追加的规则文件（TOML，格式同内置规则包），可多次给出。")] = None,
    select: Annotated[Optional[list[str]], typer.Option("--select", help="只报告这些规则：编号或前缀（如 X、JS03.、QA.），可多次给出或用逗号分隔。")] = None,
    ignore: Annotated[Optional[list[str]], typer.Option("--ignore", help="不报告这些规则：编号或前缀，可多次给出或用逗号分隔。")] = None,
    waivers: Annotated[Optional[Path], typer.Option("--waivers", help="豁免文件（TOML，[[waiver]] id/reason/by/date）：豁免的问题仍列出，但不计入 --fail-on。")] = None,
    annotate: Annotated[Optional[Path], typer.Option("--annotate", help="写出带批注的工作簿副本：问题单元格标红/黄并加批注，首页「审核结果」。一个工作簿时给 .xlsx 文件名，多个时给文件夹。")] = None,
    year: Annotated[Optional[int], typer.Option("--year", help="决算年度，决定用哪一年的政府收支分类科目（默认从表标题读取）。", min=1990, max=2100)] = None,
    suggest_rounding: Annotated[bool, typer.Option("--suggest-rounding", help="对只差四舍五入的检查给出舍位平衡建议（±0.01 调整哪个单元格），只是建议，不改文件。")] = False,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", help="并行进程数（默认：全部 CPU 核）；结果顺序与进程数无关。", min=1)] = None,
    glob: Annotated[Optional[str], typer.Option("--glob", help="在文件夹中只审核匹配的文件，如 '*.xlsx' 或 '**/2024*.xls'。")] = None,
    summary_csv: Annotated[Optional[Path], typer.Option("--summary-csv", help="把各文件（各部门）汇总表写成 CSV。")] = None,
    summary_xlsx: Annotated[Optional[Path], typer.Option("--summary-xlsx", help="把各文件（各部门）汇总表写成 Excel。")] = None,
    lang: LangOpt = Lang.zh,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="同时列出因缺少表或行而无法检查的规则。")] = False,
    quiet: QuietOpt = False,
    cycle: Annotated[bool, typer.Option("--cycle", help="预算对照决算：两份同一年度的工作簿（部门预算、部门决算），列出各项目和各类支出的完成率，提示超预算和年初预算为 0 的支出。")] = False,
    cycle_report: Annotated[Optional[Path], typer.Option("--report", help="与 --cycle 一起：核对文字报告中“完成年初预算的 X%”的说法。")] = None,
) -> None:
    """审核工作簿：表内平衡、合计与明细、表间一致。"""
    from qidong_audit.audit import AuditOptions, audit_paths, discover, load_rules, sample_path
    from qidong_audit.render import BUILTIN_CHECKS, Context, rule_catalogue, summary_line
    from qidong_audit.rules.pack import RulesError
    from qidong_audit.waivers import WaiversError, apply_waivers, keep, load_waivers, select_rules, selectors, unknown

    tol = parse_tolerance(tolerance)
    inputs = list(paths) if paths else [str(sample_path())]
    check_output_path(output, inputs)
    for extra in (summary_csv, summary_xlsx):
        check_output_path(extra, inputs)
    chosen, skipped = selectors(select), selectors(ignore)
    accepted = ()
    if waivers is not None:
        try:
            accepted = load_waivers(waivers)
        except WaiversError as exc:
            raise fail(str(exc)) from None
    files = discover(inputs, glob)  # once: counted for the progress bar, planned for --annotate, audited as found
    targets = None
    if annotate is not None:
        from qidong_audit.io.annotate import AnnotateError, plan

        try:
            targets = plan(annotate, files, inputs + ([str(output)] if output else []))
        except AnnotateError as exc:
            raise fail(str(exc)) from None
    options = AuditOptions(rounding=rounding.value, tolerance=tol, rules_files=tuple(str(r) for r in rules or ()),
                           year=year, suggest_rounding=suggest_rounding, keep_tables=format is Format.html or cycle)
    if cycle or cycle_report is not None:
        if not cycle:
            raise fail("--report 只能与 --cycle 一起使用（单独核对文字报告请用 qidong-audit report）")
        if select or ignore or waivers or annotate or summary_csv or summary_xlsx or glob:
            raise fail("--cycle 不能与 --select、--ignore、--waivers、--annotate、--summary-csv/xlsx、--glob 同用")
        from qidong_audit.cli.compare import run_cycle

        run_cycle(inputs, cycle_report, options, format, output, fail_on, lang, verbose, quiet)
    try:
        pack = load_rules(options)
        with _progress(len(files), quiet) as tick:
            report = audit_paths(files, options, jobs=jobs or os.cpu_count() or 1, progress=tick)
    except RulesError as exc:
        raise fail(str(exc)) from None
    if not report.files:
        raise fail("没有找到要审核的工作簿（.xlsx/.xlsm/.xls/.xlsb/.ods）")
    # The 预算 pack and the written-report rules are only loaded when a selector or a finding may name them.
    pack_ids = {r.id for r in pack.rules} | set(BUILTIN_CHECKS)
    others = chosen or skipped or any(f.rule not in pack_ids for f in report.findings)
    known = list(pack.rules) + (list(_other_rules()) if others else [])
    typos = unknown(chosen + skipped, {r.id for r in known} | set(BUILTIN_CHECKS) | {f.rule for f in report.findings})
    if typos:
        raise fail(f"--select/--ignore「{'、'.join(typos)}」不匹配任何规则编号（用 qidong-audit rules 查看全部）")
    if waivers is not None:
        report = apply_waivers(report, accepted, str(waivers))
    report = select_rules(report, chosen, skipped)
    ctx = Context(lang.value, rule_catalogue([r for r in known if r.id in _used(report) or r in pack.rules],
                                             keep(chosen, skipped)), verbose)

    try:
        _render(report, format, ctx, output)
    except typer.Exit:
        raise
    except Exception as exc:  # a renderer bug is exit 2 with a message, never a traceback
        raise fail(f"内部错误：生成 {format.value} 报告失败（{type(exc).__name__}: {exc}）") from None

    err = _Stderr()  # rich loads only when there is something to say (a quiet, clean JSON run never needs it)
    for fr in report.files:
        if fr.error:
            err.print(f"[bold red]qidong-audit:[/] {_escape(f'{fr.path}：{fr.error}')}", highlight=False)
    for f in report.findings:
        if f.rule == "QA.waiver-unmatched":
            err.print(f"[yellow]qidong-audit:[/] {_escape(f'{f.file}:{f.line}：{ctx.message(f)}')}", highlight=False)
    _write_summaries(report, summary_csv, summary_xlsx)
    annotated_nothing = False
    if targets is not None:
        annotated_nothing = not _annotate(report, targets, ctx, err)
    if not quiet:
        err.print(summary_line(report, ctx), highlight=False)
    if report.had_read_errors or annotated_nothing:
        raise typer.Exit(EXIT_FAILED)
    from qidong_audit.model import Severity

    threshold = None if fail_on is FailOn.never else Severity(fail_on.value)
    raise typer.Exit(EXIT_FINDINGS if report.worst_at_or_above(threshold) else EXIT_OK)


def _annotate(report, targets: dict[str, Path], ctx, err) -> bool:
    """Write an annotated copy of each audited workbook that can take one; say why for the others.
    True when at least one copy was written."""
    from rich.markup import escape

    from qidong_audit.io.annotate import AnnotateError, write_annotated

    written = 0
    for fr in report.files:
        if fr.error or fr.path not in targets:
            continue
        try:
            write_annotated(fr.path, targets[fr.path], [f for f in report.findings if f.file == fr.path], ctx, report)
        except AnnotateError as exc:
            err.print(f"[yellow]qidong-audit:[/] {escape(f'{fr.path}：{exc}')}", highlight=False)
            continue
        written += 1
        err.print(f"批注副本：{targets[fr.path]}" if ctx.lang == "zh" else f"annotated copy: {targets[fr.path]}", highlight=False, markup=False)
    if not written:
        err.print("[bold red]qidong-audit:[/] 没有写出任何批注副本" if ctx.lang == "zh" else
                  "[bold red]qidong-audit:[/] no annotated copy was written", highlight=False)
    return written > 0


class _Stderr:
    """The stderr console, made on first use."""

    def __init__(self) -> None:
        self._console = None

    def print(self, *args, **kwargs) -> None:
        if self._console is None:
            self._console = stderr_console()
        self._console.print(*args, **kwargs)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


@contextmanager
def _progress(total: int, quiet: bool):
    """A progress bar on stderr for batches, when stderr is a terminal and --quiet is not given."""
    if total <= 1 or quiet:
        yield None
        return
    err = stderr_console()
    if not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("审核"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  TextColumn("{task.description}"), console=err, transient=True) as bar:
        task = bar.add_task("", total=total)
        yield lambda done, _total, path: bar.update(task, completed=done, description=Path(path).name[:40])


def _write_summaries(report, csv_path: Path | None, xlsx_path: Path | None) -> None:
    if csv_path is None and xlsx_path is None:
        return
    from qidong_audit.render import summary

    if csv_path is not None:
        emit(summary.to_csv(report), csv_path)
    if xlsx_path is not None:
        import tempfile

        target = xlsx_path.resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".xlsx", dir=target.parent)
        os.close(fd)
        try:
            summary.to_xlsx(report, tmp)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise fail(f"无法写入汇总表 {xlsx_path}：{exc.strerror or exc}") from None


def _other_rules():
    """Rules that run beside the 决算 pack: the 预算 pack's (on YS tables) and the written-report checks (on the
    text of a published PDF)."""
    from qidong_audit.claims.rules import TEXT_RULES
    from qidong_audit.rules.pack import builtin_pack

    return list(builtin_pack("budget").rules) + list(TEXT_RULES.values())


def _used(report) -> set[str]:
    return {f.rule for f in report.findings}


def _render(report, format: Format, ctx, output: Path | None) -> None:
    if format is Format.table:
        from qidong_audit.render.table import render_report

        renderables = render_report(report, ctx=ctx)
        if len(report.files) > 1:
            from qidong_audit.render.summary import render_table

            renderables.append(render_table(report))
        text = render_rich(renderables, output)
        if text is not None:
            emit(text, output)
    else:
        import importlib

        renderer = importlib.import_module(f"qidong_audit.render.{format.value}")
        emit(renderer.render_report(report, ctx), output)
