"""What every command shares: the output options, writing files safely, and exit codes."""

from __future__ import annotations

import os
import sys
import tempfile
from enum import Enum
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Optional

import typer

EXIT_OK, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2


class Format(str, Enum):
    """`check --format`: each value has a renderer in qidong_audit.render (a test holds the two together)."""

    table = "table"
    json = "json"
    markdown = "markdown"
    junit = "junit"
    sarif = "sarif"
    github = "github"
    html = "html"


class InspectFormat(str, Enum):
    table = "table"
    json = "json"


class Lang(str, Enum):
    zh = "zh"
    en = "en"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


class Rounding(str, Enum):
    interval = "interval"
    exact = "exact"


def stderr_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)  # one message per line, never wrapped mid-path


def fail(message: str) -> typer.Exit:
    """Report that the command could not run (exit 2): one clear message, no traceback."""
    from rich.markup import escape

    stderr_console().print(f"[bold red]qidong-audit:[/] {escape(message)}", markup=True, highlight=False)
    return typer.Exit(EXIT_FAILED)


def check_output_path(output: Path | None, inputs: list[str]) -> None:
    if output is None:
        return
    target = output.resolve()
    for p in inputs:
        try:
            if Path(p).resolve() == target:
                raise fail(f"输出文件 {output} 就是输入文件之一，拒绝覆盖输入")
        except OSError:
            continue
    if target.is_dir():
        raise fail(f"输出路径 {output} 是一个文件夹")


def write_text(output: Path, text: str) -> None:
    """Write atomically (temp file + rename): an interrupted run never leaves a half-written report."""
    target = output.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600; a report is an ordinary file
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        try:
            write_text(output, text)
        except OSError as exc:
            raise fail(f"无法写入输出文件 {output}：{exc.strerror or exc}") from None


def render_rich(renderables: list, output: Path | None) -> str | None:
    """Print rich renderables to stdout, or return them as plain text for --output."""
    from rich.console import Console

    if output is None:
        console = Console(highlight=False)
        if not console.is_terminal:
            console = Console(highlight=False, width=140)
        for r in renderables:
            console.print(r)
        return None
    import io

    buf = io.StringIO()
    console = Console(file=buf, width=160, no_color=True, highlight=False)
    for r in renderables:
        console.print(r)
    return buf.getvalue()


# Options every reporting command shares (check, report, compare), declared once.
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="把报告写入文件（不会覆盖输入文件）。")]
FailOnOpt = Annotated[FailOn, typer.Option("--fail-on", help="达到此级别的问题使退出码为 1。")]
RoundingOpt = Annotated[Rounding, typer.Option("--rounding", help="interval：按四舍五入区间判定；exact：分毫不差。")]
LangOpt = Annotated[Lang, typer.Option("--lang", help="报告语言：zh（默认）或 en。")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="不在 stderr 打印汇总行。")]


def parse_tolerance(text: str | None) -> Decimal | None:
    """--tolerance as a non-negative decimal; exit 2 with a clear message otherwise."""
    if text is None:
        return None
    try:
        tol = Decimal(text)
    except InvalidOperation:
        raise fail(f"--tolerance 应是数字，而不是「{text}」") from None
    if not tol.is_finite() or tol < 0:
        raise fail(f"--tolerance 应是非负数，而不是「{text}」")
    return tol
