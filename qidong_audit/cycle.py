"""预算 against 决算 (`check BUDGET.xlsx FINAL.xlsx --cycle`): the completion rate (决算 ÷ 预算) of each item and 类,
决算 beyond 预算 (a warning), spending without a budget (年初预算为 0: no completion rate exists), and the
completion claims of the written report ("完成年初预算的 X%") against both workbooks.

The library entry point is `cycle_files`; it never prints or exits. Each workbook is also audited on its own
(its rule pack), so the result is a `check` report with the cycle's findings and lines added.
"""

from __future__ import annotations

from decimal import Decimal

from qidong_audit.compare import (
    CLASS_COLUMNS,
    HUNDRED,
    ITEMS,
    Book,
    CheckInfo,
    CompareError,
    Comparison,
    Figure,
    class_pairs,
    claim_finding,
    in_unit,
    line,
    located,
    read_claims,
)
from qidong_audit.model import CellRef, Finding, Report, Severity, Verdict
from qidong_audit.numbers import RoundingPolicy, fmt
from qidong_audit.rules.index import UNIT_FACTOR

CYCLE_CHECKS = (
    CheckInfo("CYC.over-budget", "决算数超过年初预算数", Severity.WARNING,
              "支出的决算数超过年初预算数（超出四舍五入区间或 --tolerance）：应有预算调整，并在说明中解释。",
              "qidong-audit check --cycle"),
    CheckInfo("CYC.zero-budget", "年初预算为 0 却有决算支出", Severity.WARNING,
              "年初预算数为 0（或预算表未列此项）而决算数不为 0：完成率无从计算，说明中不能称“完成年初预算的 X%”。",
              "qidong-audit check --cycle"),
    CheckInfo("CYC.completion", "报告所称预算完成率与预算表、决算表不符", Severity.ERROR,
              "完成率 = 决算数 ÷ 年初预算数，两数分别取自决算工作簿和预算工作簿，按四舍五入区间判定；预算数为 0 时不存在完成率。",
              "qidong-audit check --cycle"),
)
_TITLES = {c.id: c.title for c in CYCLE_CHECKS}
# Spending items: exceeding the budget is worth a word; income above its budget is not.
_SPENDING = ("本年支出合计", "基本支出", "项目支出", "财政拨款支出", "一般公共预算财政拨款支出", "政府性基金预算财政拨款支出",
             "国有资本经营预算财政拨款支出", "人员经费", "公用经费", "“三公”经费")


def cycle_files(paths: list[str], text: str | None = None, options=None) -> Comparison:
    """Audit a 预算 workbook and a 决算 workbook of the same year (in either order), then set them side by side."""
    from qidong_audit.audit import AuditOptions, audit_paths

    options = options or AuditOptions()
    if len(paths) != 2:
        raise CompareError(f"--cycle 需要两份工作簿（预算和决算），而不是 {len(paths)} 份")
    report = audit_paths(paths, options)
    if report.had_read_errors:
        return Comparison(report, (), "completion")
    books = [Book(fr) for fr in report.files]
    budget = next((b for b in books if b.kind == "budget"), None)
    final = next((b for b in books if b.kind == "final"), None)
    if budget is None or final is None:
        kinds = "、".join(f"{b.path}（{ {'final': '决算', 'budget': '预算'}.get(b.kind or '', '决算和预算混合')}）" for b in books)
        raise CompareError(f"--cycle 需要一份部门预算和一份部门决算工作簿：{kinds}")
    years = (budget.result.year, final.result.year)
    if None not in years and years[0] != years[1]:
        raise CompareError(f"{budget.path} 是 {years[0]} 年预算，{final.path} 是 {years[1]} 年决算：应是同一年度")
    policy = options.policy
    lines, findings = [], []
    pairs = [("项目", label, b_spec, f_spec, label.startswith(_SPENDING)) for label, f_spec, b_spec in ITEMS
             if b_spec and f_spec and "结转" not in label]  # a carry-over has no completion rate
    pairs += [("类", label, b_spec, f_spec, True)
              for label, b_spec, f_spec in class_pairs(budget, final, CLASS_COLUMNS["budget"], CLASS_COLUMNS["final"])]
    for group, label, b_spec, f_spec, spending in pairs:
        b, f = budget.figure(b_spec), final.figure(f_spec)
        if (b is None or not b.value) and (f is None or not f.value):
            continue
        lines.append(line(group, label, b_spec[2] if group == "类" else None, b, f, True))
        if spending and f is not None:
            found = _over_budget(label, b, f, policy) if b is not None else None
            if found is not None:
                findings.append(found)
    if text is not None:
        text_result, found = check_completions(text, budget, final, policy)
        report = Report(report.files + (text_result,), report.findings, report.rounding_mode, report.tolerance)
        findings += found
    findings.sort(key=lambda x: (x.file, x.line or 0, x.rule, x.anchor))
    report = Report(report.files, report.findings + tuple(findings), report.rounding_mode, report.tolerance)
    return Comparison(report, tuple(lines), "completion", years)


def _over_budget(label: str, b: Figure, f: Figure, policy: RoundingPolicy) -> Finding | None:
    unit, dec = f.unit, f.decimals
    budget_value = in_unit(b, unit)
    where = f"决算 {f.shown()}（{f.where()}），年初预算 {fmt(budget_value, dec)}{unit}（{b.where()}）"
    cells = (f.ref("actual"), b.ref("budget"))
    factor = UNIT_FACTOR.get(unit, Decimal(1))
    if policy.judge("=", [b.term()], [], factor).verdict is not Verdict.INCONSISTENT:  # no budget
        if policy.judge("=", [f.term()], [], factor).verdict is not Verdict.INCONSISTENT:
            return None
        rule, detail = "CYC.zero-budget", f"〔{label}〕{where}：年初预算为 0，完成率无从计算"
        diff = f.value
    else:
        j = policy.judge("<=", [f.term()], [b.term()], factor)
        if j.verdict is not Verdict.INCONSISTENT:
            return None
        diff = f.value - budget_value
        rate = (f.wan / b.wan * HUNDRED).quantize(Decimal("0.01"))
        rule, detail = "CYC.over-budget", f"〔{label}〕{where}，超出 {fmt(diff, dec)}{unit}（完成 {rate}%）"
    return Finding(rule=rule, severity=Severity.WARNING, verdict=Verdict.INCONSISTENT, message=f"{_TITLES[rule]}：{detail}",
                   detail=detail, file=f.file, sheet=f.sheet, cell=f.cell or b.cell, cells=cells, expected=budget_value,
                   actual=f.value, difference=diff, table_id=f.table, anchor=f"cycle|{label}")


def check_completions(text: str, budget: Book, final: Book, policy: RoundingPolicy):
    """Each "完成年初预算的 X%" claim about a table item, against the 预算 and the 决算 workbooks."""
    from qidong_audit.claims.intervals import Span, Spans, precision, ratio_verdict, rounded
    from qidong_audit.claims.tables import figure_is_fiscal

    result, claims = read_claims(text, final.result.year)
    if claims is None:
        return result, []
    spans = Spans(policy, precision(claims))
    out: list[Finding] = []
    for c in claims.completions:
        fig = c.actual or c.budget
        item = fig.item if fig is not None else None
        if item is None:
            continue
        b_f = located(item, "budget", figure_is_fiscal(fig), (budget,))
        f_f = located(item, "final", figure_is_fiscal(fig), (final,))
        anchor = f"completion|{item.key}|{c.rate.plain}|{c.place.line}"
        if b_f is None or f_f is None:
            out.append(_finding(text, c, Verdict.NOT_ASSESSABLE, f"{item.label}：预算表或决算表中找不到这一项，无法核对完成率",
                                [], anchor))
            continue
        (b,), (f,) = b_f, f_f
        B, A = Span(b.wan, b.half), Span(f.wan, f.half)
        said = f"{item.label}：决算 {f.shown()}（{f.where()}），年初预算 {b.shown()}（{b.where()}）"
        cells = [f.ref("actual"), b.ref("budget"), CellRef(None, None, c.rate.plain, "rate")]
        if B.lo <= 0:
            out.append(_finding(text, c, Verdict.INCONSISTENT, f"{said}：年初预算为 0，不存在完成率，文中却称完成 {c.rate.plain}%",
                                cells, anchor, None, c.rate.value))
            continue
        point = A.value / B.value * HUNDRED
        verdict = ratio_verdict(A, B, spans.percent(c.rate), point, c.rate.decimals, policy.mode == "exact", c.rate.value,
                                c.rate.qualifier in ("以上", "以下", "超过", "不到", "不足", "逾"))
        if verdict is not Verdict.OK:
            shown = rounded(point, max(c.rate.decimals, 2))
            out.append(_finding(text, c, verdict, f"{said}：完成率应为 {shown}%，文中称 {c.rate.plain}%", cells, anchor,
                                shown, c.rate.value))
    return result, out


def _finding(text: str, c, verdict: Verdict, detail: str, cells: list[CellRef], anchor: str,
             expected: Decimal | None = None, actual: Decimal | None = None) -> Finding:
    return claim_finding("CYC.completion", _TITLES["CYC.completion"], text, c, verdict, detail, cells, anchor,
                         expected, actual)
