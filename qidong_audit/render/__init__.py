"""Renderers: a Report (or inspection) in, text out. They compute nothing.

Shared by every renderer: the list of formats, the rules' metadata, and the language of the words around the
findings (`--lang`). The library writes Chinese messages; English ones are put together here from a finding's
structured fields (rule title, cells, expected, actual, difference, tolerance).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterable, Mapping

from qidong_audit.model import Finding, Report, Severity, Verdict
from qidong_audit.numbers import fmt

FORMATS = ("table", "json", "markdown", "junit", "sarif", "github", "html")
LANGS = ("zh", "en")

# Checks the recogniser and the pipeline make themselves: they are not in the rule pack, so their titles live here.
BUILTIN_CHECKS: dict[str, tuple[str, Severity]] = {
    "QA.bad-amount": ("单元格内容不是金额", Severity.ERROR),
    "QA.unknown-value": ("单元格的值未知（公式无缓存值或错误值）", Severity.ERROR),
    "QA.hidden-precision": ("隐藏精度：小数位多于表中显示的位数", Severity.WARNING),
    "QA.hidden-row": ("隐藏行中的金额参与合计", Severity.WARNING),
    "QA.no-columns": ("未能识别金额列", Severity.WARNING),
    "QA.duplicate-table": ("同一张表出现两次", Severity.WARNING),
    "QA.unit-missing": ("未找到金额单位行", Severity.INFO),
    "QA.waiver-unmatched": ("豁免没有匹配到任何问题", Severity.WARNING),
    "QA.hidden-sheet": ("决算表所在的工作表被隐藏", Severity.WARNING),
}


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What renderers say about a rule: SARIF rule metadata, JUnit test cases, titles."""

    id: str
    title: str
    severity: Severity
    explain: str = ""
    source: str = ""


def rule_catalogue(rules: Iterable, keep=lambda rule_id: True) -> dict[str, RuleInfo]:
    """RuleInfo for the rules of a pack (objects with id, title, severity, explain, source) and the built-in
    checks, restricted to the rule ids `keep` accepts (--select / --ignore)."""
    out: dict[str, RuleInfo] = {}
    for r in rules:
        if keep(r.id):
            out[r.id] = RuleInfo(r.id, r.title, r.severity, getattr(r, "explain", ""), getattr(r, "source", ""))
    for rule_id, (title, severity) in BUILTIN_CHECKS.items():
        if keep(rule_id) and rule_id not in out:
            out[rule_id] = RuleInfo(rule_id, title, severity, "", "qidong-audit")
    return out


@lru_cache(maxsize=1)
def english() -> dict[str, dict[str, str]]:
    """The English data file: rule titles (`[rules]`) and table titles (`[tables]`)."""
    import tomllib  # only for --lang en: a Chinese report does not pay for the parser

    text = resources.files("qidong_audit.packs").joinpath("final", "i18n_en.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return {"rules": dict(data.get("rules", {})), "tables": dict(data.get("tables", {}))}


_WORDS = {
    "zh": {
        "error": "错误", "warning": "提示", "info": "信息", "waived": "已豁免", "rounding": "舍入",
        "not-assessable": "无法检查", "level": "级别", "rule": "规则", "cell": "单元格", "expected": "应为",
        "actual": "实为", "difference": "差额", "message": "说明", "file": "文件", "tables": "表",
        "workbook": "工作簿 / 表间", "clean": "未发现问题。", "unreadable": "无法审核", "rounding-mode": "舍入判定",
        "mode.interval": "区间（四舍五入容差）", "mode.exact": "精确", "mode.tolerance": "固定容差",
        "suggestion": "建议", "sheet": "工作表", "unit": "单位", "range": "区域", "findings": "问题",
        "hidden": "另有 {n} 条规则因缺少表或行无法检查（加 --verbose 查看）", "title": "部门决算公开表审核结果",
        "recognised": "识别 {n} 张表", "unrecognised": "未识别工作表：{names}", "year": "{year}年度",
        "tolerance": "容差", "status": "状态", "none": "无",
    },
    "en": {
        "error": "error", "warning": "warning", "info": "info", "waived": "waived", "rounding": "rounding",
        "not-assessable": "not checked", "level": "Level", "rule": "Rule", "cell": "Cell", "expected": "Expected",
        "actual": "Actual", "difference": "Difference", "message": "Message", "file": "File", "tables": "Tables",
        "workbook": "Workbook / between tables", "clean": "No problems found.", "unreadable": "could not be audited",
        "rounding-mode": "Rounding", "mode.interval": "interval (rounding tolerance)", "mode.exact": "exact",
        "mode.tolerance": "fixed tolerance", "suggestion": "Suggestion", "sheet": "Sheet", "unit": "Unit",
        "range": "Range", "findings": "Findings",
        "hidden": "{n} more rules could not be checked for a missing table or row (use --verbose to list them)",
        "title": "Audit of the department final accounts disclosure", "recognised": "{n} tables recognised",
        "unrecognised": "unrecognised sheets: {names}", "year": "year {year}", "tolerance": "tolerance",
        "status": "Status", "none": "none",
    },
}
_UNITS_EN = {"元": "yuan", "万元": "10k yuan", "亿元": "100m yuan"}


@dataclass(frozen=True)
class Context:
    """How to render: the language, the rules that were checked (after --select/--ignore), verbosity."""

    lang: str = "zh"
    rules: Mapping[str, RuleInfo] = field(default_factory=dict)
    verbose: bool = False

    def word(self, key: str, **kw) -> str:
        text = _WORDS[self.lang][key]
        return text.format(**kw) if kw else text

    def title(self, rule_id: str) -> str:
        """The rule's title in the report language; a rule with no English title keeps its Chinese one."""
        info = self.rules.get(rule_id)
        zh = info.title if info else BUILTIN_CHECKS.get(rule_id, (rule_id,))[0]
        if self.lang == "en":
            return english()["rules"].get(rule_id, zh)
        return zh

    def table_title(self, table_id: str | None, title: str) -> str:
        if self.lang == "en" and table_id:
            return english()["tables"].get(table_id, title)
        return title

    def unit(self, unit: str) -> str:
        return _UNITS_EN.get(unit, unit) if self.lang == "en" else unit

    def label(self, f: Finding) -> str:
        """One word for a finding's state: waived, rounding, not checked, or its severity."""
        if f.waiver is not None:
            return self.word("waived")
        if f.verdict is Verdict.ROUNDING:
            return self.word("rounding")
        if f.verdict is Verdict.NOT_ASSESSABLE:
            return self.word("not-assessable")
        return self.word(f.severity.value)

    def detail(self, f: Finding) -> str:
        """The finding without its rule's title (for renderers that show the title apart)."""
        if self.lang == "en":
            return _english_detail(f)
        return f.detail or f.message

    def message(self, f: Finding, diagnosis: bool = True) -> str:
        """The whole message: the library's Chinese one, or an English one built from the structured fields;
        with the diagnosis (which cell is wrong, what it should be) unless asked not to."""
        if self.lang == "en":
            place = self.place(f)
            detail = _english_detail(f, diagnosis)
            return f"{self.title(f.rule)} — {place}: {detail}" if place else f"{self.title(f.rule)}: {detail}"
        return f"{f.message}。{self.diagnosis(f)}" if diagnosis and self.diagnosis(f) else f.message

    def diagnosis(self, f: Finding) -> str:
        """Which cell is wrong and what it should be (primary finding), or that it follows from another."""
        if self.lang == "en":
            return _english_diagnosis(f)
        if f.diagnosis:
            return f.diagnosis
        if f.explained_by:
            return "（与同一问题的主要发现一并修正）"
        return ""

    def place(self, f: Finding) -> str:
        """Where a finding is: `Sheet!A1` in a workbook, a line in a text file (a waivers file), or ''."""
        if f.cell:
            return f"{f.sheet}!{f.cell}" if f.sheet else f.cell
        if f.line:
            return f"第{f.line}行" if self.lang == "zh" else f"line {f.line}"
        return ""

    def waiver_note(self, f: Finding) -> str:
        w = f.waiver
        if w is None:
            return ""
        if self.lang == "en":
            return f"waived: {w.reason} ({w.by}, {w.date})"
        return f"已豁免：{w.reason}（{w.by}，{w.date}）"

    def mode(self, report: Report) -> str:
        text = self.word(f"mode.{report.rounding_mode}") if report.rounding_mode in ("interval", "exact", "tolerance") else report.rounding_mode
        if report.tolerance is not None:
            text += f" ±{fmt(report.tolerance, 0)}"
        return f"{self.word('rounding-mode')}：{text}" if self.lang == "zh" else f"{self.word('rounding-mode')}: {text}"


def _english_detail(f: Finding, diagnosis: bool = True) -> str:
    """What the finding says, from its structured fields (its place is shown apart)."""
    parts: list[str] = []
    if f.verdict is Verdict.NOT_ASSESSABLE:
        parts.append("not checked: a table or row it needs is missing from the workbook")
    elif f.expected is not None and f.actual is not None:
        rounding = f.verdict is Verdict.ROUNDING
        text = f"actual {fmt(f.actual, 0)} {'≈' if rounding else '≠'} expected {fmt(f.expected, 0)}"
        if f.difference is not None:
            text += f", difference {fmt(f.difference, 0)}"
        if f.tolerance is not None:
            text += f", within rounding (tolerance ±{fmt(f.tolerance, 0)})" if rounding else f" (tolerance ±{fmt(f.tolerance, 0)})"
        parts.append(text)
    else:
        values = [c.value for c in f.cells if c.value]
        if values:
            parts.append("value " + ", ".join(f"“{v}”" for v in values))
        elif f.excerpt:
            parts.append(f.excerpt)
    if f.suggestion is not None and not diagnosis:
        s = f.suggestion
        parts.append(f"likely fix: {s.sheet}!{s.cell} → {s.value} ({s.kind})")
    diag = _english_diagnosis(f) if diagnosis else ""
    if diag:
        parts.append(diag)
    return ", ".join(parts) if parts else f.rule


def _english_diagnosis(f: Finding) -> str:
    out = []
    if f.suggestion is not None:
        s = f.suggestion
        out.append(f"likely fix: {s.sheet}!{s.cell} → {s.value} ({s.kind})")
    elif f.candidates:
        out.append("cannot tell which cell is wrong; candidates: " + ", ".join(f"{c.sheet}!{c.cell}" for c in f.candidates[:6]))
    if f.consequences:
        out.append(f"one problem, {len(f.consequences) + 1} checks fail")
    if f.explained_by:
        out.append("follows from the same problem as another finding")
    return "; ".join(out)


def summary_line(report: Report, ctx: Context | None = None) -> str:
    """The one line that goes to stderr: files, errors, warnings, infos (waived ones apart)."""
    ctx = ctx or Context()
    e, w, i = (report.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO))
    bad = sum(1 for f in report.files if f.error)
    n = len(report.files)
    if ctx.lang == "en":
        line = f"{n} file{'s' if n != 1 else ''}: {e} error{'s' if e != 1 else ''}, {w} warning{'s' if w != 1 else ''}, {i} info"
        if report.waived:
            line += f"; {report.waived} waived"
        if bad:
            line += f"; {bad} file{'s' if bad != 1 else ''} could not be audited"
        return line
    line = f"{n} 个文件：{e} 个错误，{w} 个提示，{i} 条信息"
    if report.waived:
        line += f"；{report.waived} 条已豁免"
    if bad:
        line += f"；{bad} 个文件无法审核"
    return line


def visible(f: Finding, ctx: Context) -> bool:
    """Whether a finding is for people: not-assessable rules only with --verbose."""
    return ctx.verbose or f.verdict is not Verdict.NOT_ASSESSABLE


def by_file(report: Report) -> dict[str, list[Finding]]:
    """Findings grouped by file: the audited files in order, then other files findings point at (a waivers file)."""
    groups: dict[str, list[Finding]] = {fr.path: [] for fr in report.files}
    for f in report.findings:
        groups.setdefault(f.file, []).append(f)
    return groups


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Findings that count, by severity, and how many are waived: {"error", "warning", "info", "waived"}."""
    out = {"error": 0, "warning": 0, "info": 0, "waived": 0}
    for f in findings:
        out["waived" if f.waiver is not None else f.severity.value] += 1
    return out
