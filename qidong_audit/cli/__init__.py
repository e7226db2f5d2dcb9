"""The command line: parse options → one library call → render → exit code. Heavy modules load lazily."""

from __future__ import annotations

import os
import sys
import threading
from typing import Annotated

import typer

from qidong_audit import __version__

_HELP = "审核部门决算公开表：表内平衡、表间一致、合计与明细，精确到工作表和单元格。"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qidong-audit {__version__}")
        raise typer.Exit(0)


def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本并退出。")] = False,
) -> None:
    """审核部门决算公开表。"""


# Command name → (module under qidong_audit.cli, the function or Typer app in it).
COMMANDS = {
    "check": ("check", "check"),
    "inspect": ("inspect", "inspect"),
    "report": ("report", "report"),
    "compare": ("compare", "compare"),
    "template": ("template", "template"),
    "rules": ("rules", "app"),
}


def build_app(only: str | None = None) -> typer.Typer:
    """The command-line app; with `only`, just that command. Typer builds every registered command's options on
    each run (≈6 ms for all six), so a run builds only the command it was asked for."""
    import importlib

    app = typer.Typer(name="qidong-audit", help=_HELP, no_args_is_help=False, add_completion=False,
                      rich_markup_mode=None)
    app.callback()(_main)
    for name, (module, attr) in COMMANDS.items():
        if only is not None and name != only:
            continue
        target = getattr(importlib.import_module(f"qidong_audit.cli.{module}"), attr)
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)
    return app


def __getattr__(name: str):
    """`qidong_audit.cli.app`, the whole app (tests and tools import it), built when first asked for."""
    if name == "app":
        globals()["app"] = built = build_app()
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    import gc
    import signal

    gc.set_threshold(*_GC_THRESHOLD)

    def interrupted(signum, frame):  # Ctrl-C: "the audit could not run" (2), not "findings" (Typer's 1)
        sys.stderr.write("\nqidong-audit: 已中断，审核未完成\n")
        raise SystemExit(2)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, interrupted)
    command = sys.argv[1] if len(sys.argv) > 1 else None
    try:
        build_app(command if command in COMMANDS else None)()
    except SystemExit as done:  # how Typer ends every run, with its exit code
        _leave(done.code)
    _leave(0)


# The command's process collects garbage every 20,000 new objects instead of 700: importing the CLI, loading the
# rules and taking in a batch's results make objects that live to the end of the command (and no cycles), which
# the collector walked again and again for nothing.
_GC_THRESHOLD = (20_000, 20, 20)


def _leave(code: object) -> None:
    """End the process as SystemExit(code) would, without tearing the interpreter down: freeing every module and
    object one by one took ≈14 ms, a tenth of a one-workbook `check`, to no use at the end of a command. What a
    normal exit does that matters here is done first: the atexit handlers run (the data cache writes new entries
    there) and both streams are flushed. Files the command wrote were closed by the code that wrote them."""
    import atexit

    atexit._run_exitfuncs()
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code & 0xFF
    else:  # SystemExit("message"): Python prints it and exits 1
        sys.stderr.write(f"{code}\n")
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (`| head`), a closed stream: as Python does
            status = 120
    os._exit(status)
