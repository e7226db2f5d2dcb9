"""GitHub Actions workflow commands: each finding becomes an annotation on its file in the run and the pull request.

`::error file=…,title=…::message` for errors, `::warning` for warnings, `::notice` for infos and waived findings.
Escaping follows the Actions toolkit: in the message % CR LF become %25 %0D %0A; in properties also : and ,
become %3A and %2C. The last line is the summary, as plain log text.
"""

from __future__ import annotations

from qidong_audit.model import Finding, Report, Severity
from qidong_audit.render import Context, summary_line, visible

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **props: str | int | None) -> str:
    given = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    return f"::{name}{' ' + given if given else ''}::{escape_data(message)}"


def render_report(report: Report, ctx: Context | None = None) -> str:
    ctx = ctx or Context()
    lines = []
    for fr in report.files:
        if fr.error:
            lines.append(command("error", f"{ctx.word('unreadable')}: {fr.error}", file=fr.path, title="qidong-audit"))
    lines += [_annotation(f, ctx) for f in report.findings if visible(f, ctx)]
    lines.append(f"qidong-audit: {summary_line(report, ctx)}")
    return "\n".join(lines) + "\n"


def _annotation(f: Finding, ctx: Context) -> str:
    title = f"{f.rule} {ctx.title(f.rule)}"
    place = ctx.place(f)
    message = f"{place}: {ctx.detail(f)}" if f.cell else ctx.detail(f)
    if f.waiver is not None:
        return command("notice", f"{message}\n{ctx.waiver_note(f)}", file=f.file, line=f.line, title=f"[{ctx.label(f)}] {title}")
    return command(_COMMAND[f.severity], message, file=f.file, line=f.line, title=title)
