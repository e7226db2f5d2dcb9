"""`qidong-audit inspect`: show how each sheet was recognised (table, header, unit, columns)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from qidong_audit.cli.common import EXIT_FAILED, EXIT_OK, InspectFormat, check_output_path, emit, render_rich, stderr_console


def inspect(
    paths: Annotated[list[str], typer.Argument(help="工作簿文件或文件夹。")],
    format: Annotated[InspectFormat, typer.Option("--format", "-f", help="输出格式。")] = InspectFormat.table,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="写入文件。")] = None,
) -> None:
    """显示每个工作表被识别成哪张表：标题、单位、表头行、金额列。"""
    from qidong_audit.audit import discover, inspect_file

    check_output_path(output, paths)
    files = [inspect_file(p) for p in discover(paths)]
    if format is InspectFormat.json:
        from qidong_audit.render.json import render_inspection

        emit(render_inspection(files), output)
    else:
        from qidong_audit.render.table import render_inspection

        text = render_rich(render_inspection(files), output)
        if text is not None:
            emit(text, output)
    err = stderr_console()
    for fr in files:
        if fr.error:
            err.print(f"[bold red]qidong-audit:[/] {fr.path}：{fr.error}", highlight=False)
    raise typer.Exit(EXIT_FAILED if any(f.error for f in files) or not files else EXIT_OK)
