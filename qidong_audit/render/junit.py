"""JUnit XML for CI test reports: one <testsuite> per file, one <testcase> per rule and file.

A rule with an error (not waived) is a <failure>; a rule that could not be checked at all is <skipped>; warnings,
infos and waived findings pass and are listed in <system-out>. An unreadable file is one test case with <error>.
The shape is the common Ant/Surefire one that Jenkins, GitLab, Azure DevOps and the GitHub test reporters read.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from qidong_audit.model import Finding, Report, Severity, Verdict
from qidong_audit.render import Context, by_file

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0


def _x(text: str) -> str:
    return _ILLEGAL.sub("\ufffd", text)


def render_report(report: Report, ctx: Context | None = None) -> str:
    ctx = ctx or Context()
    files = {fr.path: fr for fr in report.files}
    root = ET.Element("testsuites", name="qidong-audit")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for path, findings in by_file(report).items():
        fr = files.get(path)
        suite = ET.SubElement(root, "testsuite", name=_x(path), time="0")
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="rounding", value=report.rounding_mode)
        if report.tolerance is not None:
            ET.SubElement(props, "property", name="tolerance", value=format(report.tolerance, "f"))
        tally = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if fr is not None and fr.error:
            case = ET.SubElement(suite, "testcase", classname=_x(path), name=ctx.word("unreadable"), time="0", file=_x(path))
            ET.SubElement(case, "error", type="read-error", message=_x(fr.error)).text = _x(fr.error)
            tally["tests"], tally["errors"] = 1, 1
        else:
            by_rule: dict[str, list[Finding]] = {}
            for f in findings:
                by_rule.setdefault(f.rule, []).append(f)
            rule_ids = [r for r in ctx.rules if r != "QA.waiver-unmatched"] if fr is not None else []
            rule_ids += [r for r in by_rule if r not in rule_ids]
            for rule_id in rule_ids:
                outcome = _case(suite, path, rule_id, by_rule.get(rule_id, []), ctx)
                tally["tests"] += 1
                if outcome:
                    tally[outcome] += 1
        for key, value in tally.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _case(suite: ET.Element, path: str, rule_id: str, findings: list[Finding], ctx: Context) -> str | None:
    """One test case; returns "failures", "skipped" or None (passed)."""
    case = ET.SubElement(suite, "testcase", classname=_x(path), name=_x(f"{rule_id} {ctx.title(rule_id)}"), time="0", file=_x(path))
    errors = [f for f in findings if f.severity is Severity.ERROR and f.waiver is None]
    others = [f for f in findings if not (f.severity is Severity.ERROR and f.waiver is None)]
    outcome = None
    if errors:
        n = len(errors)
        summary = (f"{n} 个错误：" if ctx.lang == "zh" else f"{n} error{'s' if n > 1 else ''}: ") + _line(errors[0], ctx)
        failure = ET.SubElement(case, "failure", type=rule_id, message=_x(summary))
        failure.text = _x("\n".join(_line(f, ctx) for f in errors))
        outcome = "failures"
    elif findings and all(f.verdict is Verdict.NOT_ASSESSABLE for f in findings):
        ET.SubElement(case, "skipped", message=_x(ctx.detail(findings[0])))
        return "skipped"
    if others:
        lines = [f"[{ctx.label(f)}] {_line(f, ctx)}" + (f" — {ctx.waiver_note(f)}" if f.waiver else "") for f in others]
        ET.SubElement(case, "system-out").text = _x("\n".join(lines))
    return outcome


def _line(f: Finding, ctx: Context) -> str:
    place = ctx.place(f)
    return f"{place}: {ctx.detail(f)}" if place else ctx.detail(f)
