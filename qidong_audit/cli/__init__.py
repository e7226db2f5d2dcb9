"""The command line: parse options → one library call → render → exit code. Heavy modules load lazily."""

from __future__ import annotations

import sys
import threading
from typing import Annotated

import typer

from qidong_audit import __version__
from qidong_audit.cli import check as _check
from qidong_audit.cli import compare as _compare
from qidong_audit.cli import inspect as _inspect
from qidong_audit.cli import report as _report
from qidong_audit.cli import rules as _rules
from qidong_audit.cli import template as _template

app = typer.Typer(
    name="qidong-audit",
    help="审核部门决算公开表：表内平衡、表间一致、合计与明细，精确到工作表和单元格。",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qidong-audit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本并退出。")] = False,
) -> None:
    """审核部门决算公开表。"""


app.command("check")(_check.check)
app.command("inspect")(_inspect.inspect)
app.command("report")(_report.report)
app.command("compare")(_compare.compare)
app.command("template")(_template.template)
app.add_typer(_rules.app, name="rules")


def main() -> None:
    import signal

    def interrupted(signum, frame):  # Ctrl-C: "the audit could not run" (2), not "findings" (Typer's 1)
        sys.stderr.write("\nqidong-audit: 已中断，审核未完成\n")
        raise SystemExit(2)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, interrupted)
    app()
