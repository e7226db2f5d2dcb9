"""What every command shares: the output options, writing files safely, and exit codes."""

from __future__ import annotations

import os
import sys
import tempfile
from enum import Enum
from pathlib import Path

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
