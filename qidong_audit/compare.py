"""Year over year (`compare OLD NEW`): this year's 年初结转和结余 against last year's 年末 (domain.md §3.2 Y5), the
change of each item and each 类, and the change claims of the new year's written report against both workbooks.

The library entry point is `compare_files`; it never prints or exits. An unreadable workbook or report is a
FileResult with an error; inputs that cannot be compared at all (not consecutive years, 决算 against 预算) raise
CompareError. The item table and the cell look-ups here are shared with cycle.py (预算 against 决算).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from qidong_audit.model import CellRef, FileResult, Finding, Report, Severity, Verdict
from qidong_audit.numbers import RoundingPolicy, Term, at_precision, fmt, half_unit, plain
from qidong_audit.recognise.spec import all_tables, pack_of
from qidong_audit.rules.index import UNIT_FACTOR, TableIndex, build_indexes

HUNDRED = Decimal(100)


class CompareError(Exception):
    """The inputs cannot be compared (the message says why, in Chinese, naming the files)."""


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """A check made across two files: id, Chinese title, severity (for renderers' rule metadata)."""

    id: str
    title: str
    severity: Severity
    explain: str = ""
    source: str = "qidong-audit compare"


COMPARE_CHECKS = (
    CheckInfo("Y05.JS01", "本年年初结转和结余 = 上年年末结转和结余（收入支出决算总表）", Severity.WARNING,
              "跨年度衔接（domain.md §3.2 Y5）；上年决算后的调整可能使其不等，所以只是提示。"),
    CheckInfo("Y05.JS04", "本年年初财政拨款结转和结余 = 上年年末（财政拨款收入支出决算总表，分资金）", Severity.WARNING),
    CheckInfo("Y05.JS08", "本年年初结转和结余 = 上年年末（政府性基金预算财政拨款表）", Severity.WARNING),
    CheckInfo("Y05.JS09", "本年年初结转和结余 = 上年年末（国有资本经营预算财政拨款表）", Severity.WARNING),
    CheckInfo("CMP.change", "报告所称比上年增减与两年公开表不符", Severity.ERROR,
              "增减额 = 本年数 − 上年数；增减率 = 增减额 ÷ 上年数；两年的数取自两份工作簿，按四舍五入区间判定。"),
    CheckInfo("CMP.year", "两份工作簿的年度", Severity.INFO),
)
_TITLES = {c.id: c.title for c in COMPARE_CHECKS}

# ── The items compared (label, 决算 cell, 预算 cell); a cell is (table, panel, row, column) ───────────────────────
Spec = tuple[str, "str | None", "str | None", "str | None"]
_INCOME = ("一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款", "上级补助收入", "事业收入", "经营收入",
           "附属单位上缴收入", "其他收入")
_SANGONG = ("合计", "因公出国(境)费", "公务用车购置及运行维护费", "公务用车购置费", "公务用车运行维护费", "公务接待费")
ITEMS: tuple[tuple[str, Spec | None, Spec | None], ...] = (
    ("收入总计", ("JS01", "收入", "总计", None), ("YS01", "收入", "总计", None)),
    ("本年收入合计", ("JS01", "收入", "本年收入合计", None), ("YS01", "收入", "本年收入合计", None)),
    *((f"{line}{'收入' if line.endswith('拨款') else ''}", ("JS01", "收入", line, None), ("YS01", "收入", line, None))
      for line in _INCOME),
    ("财政专户管理资金收入", None, ("YS01", "收入", "财政专户管理资金", None)),
    ("年初结转和结余", ("JS01", "收入", "年初结转和结余", None), ("YS01", "收入", "上年结转", None)),
    ("本年支出合计", ("JS01", "支出", "本年支出合计", None), ("YS01", "支出", "本年支出合计", None)),
    ("基本支出", ("JS03", None, "合计", "基本支出"), ("YS03", None, "合计", "基本支出")),
    ("项目支出", ("JS03", None, "合计", "项目支出"), ("YS03", None, "合计", "项目支出")),
    ("年末结转和结余", ("JS01", "支出", "年末结转和结余", None), ("YS01", "支出", "结转下年", None)),
    ("财政拨款支出", ("JS04", "支出", "本年支出合计", "合计"), ("YS04", "支出", "本年支出合计", "合计")),
    ("一般公共预算财政拨款支出", ("JS05", None, "合计", "合计"), ("YS05", None, "合计", "合计")),
    ("政府性基金预算财政拨款支出", ("JS08", None, "合计", "本年支出"), ("YS08", None, "合计", "合计")),
    ("国有资本经营预算财政拨款支出", ("JS09", None, "合计", "本年支出"), ("YS09", None, "合计", "合计")),
    ("人员经费", ("JS06", None, "人员经费合计", None), ("YS05", None, "合计", "人员经费")),
    ("公用经费", ("JS06", None, "公用经费合计", None), ("YS05", None, "合计", "公用经费")),
    *((f"“三公”经费{'' if item == '合计' else '：' + item}", ("JS07", None, None, f"决算数/{item}"),
       ("YS07", None, None, f"预算数/{item}")) for item in _SANGONG),
)
CLASS_COLUMNS = {"final": ("JS03", "本年支出合计"), "budget": ("YS03", "合计")}  # where each 类's spending is

# Carry-overs (决算): (check id, this year's 年初 cell, last year's 年末 cell); JS08/JS09 also row by row.
_OPENING = "年初财政拨款结转和结余"
_FUNDS = ("一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款")
CARRY_OVERS: tuple[tuple[str, Spec, Spec], ...] = (
    ("Y05.JS01", ("JS01", "收入", "年初结转和结余", None), ("JS01", "支出", "年末结转和结余", None)),
    ("Y05.JS04", ("JS04", "收入", _OPENING, None), ("JS04", "支出", "年末财政拨款结转和结余", "合计")),
    *(("Y05.JS04", ("JS04", "收入", f"{_OPENING}/{fund}", None), ("JS04", "支出", "年末财政拨款结转和结余", fund))
      for fund in _FUNDS),
    ("Y05.JS08", ("JS08", None, "合计", "年初结转和结余"), ("JS08", None, "合计", "年末结转和结余")),
    ("Y05.JS09", ("JS09", None, "合计", "年初结转和结余"), ("JS09", None, "合计", "年末结转和结余")),
)


# ── Figures read from a workbook ─────────────────────────────────────────────────────────────────────────────
@dataclass(frozen=True, slots=True)
class Figure:
    """A figure of one workbook: its value in its table's unit, and where it is (cell None: a row the table does
    not print, which stands for zero)."""

    value: Decimal
    unit: str
    decimals: int
    file: str
    sheet: str | None
    cell: str | None
    table: str
    blank: bool = False  # printed blank (or not printed): an exact zero

    @property
    def wan(self) -> Decimal:
        return self.value * UNIT_FACTOR.get(self.unit, Decimal(1))

    @property
    def half(self) -> Decimal:
        """Half the table's last digit, in 万元; zero for a blank or absent cell (an exact zero)."""
        if self.blank:
            return Decimal(0)
        return half_unit(self.decimals) * UNIT_FACTOR.get(self.unit, Decimal(1))

    def term(self, weight: int = 1) -> Term:
        return Term(weight, self.wan, self.half)

    def ref(self, role: str) -> CellRef:
        return CellRef(self.sheet, self.cell, None if self.cell is None else plain(self.value, self.decimals), role)

    def where(self) -> str:
        name = Path(self.file).name
        return f"{name} {self.sheet}!{self.cell}" if self.cell else f"{name} 未列示"

    def shown(self, unit: str | None = None) -> str:
        return f"{fmt(self.value, self.decimals)}{unit or self.unit}"


class Book:
    """One recognised workbook, looked up by cell spec."""

    def __init__(self, result: FileResult) -> None:
        self.result = result
        self.indexes: dict[str, TableIndex] = build_indexes(result.tables, all_tables())[0] if result.tables else {}

    @property
    def path(self) -> str:
        return self.result.path

    @property
    def kind(self) -> str | None:
        """"final" (决算), "budget" (预算), or None when the workbook holds tables of both sets (or none)."""
        packs = {pack_of(t) for t in self.indexes}
        return packs.pop() if len(packs) == 1 else None

    def figure(self, spec: Spec) -> Figure | None:
        """The figure at a spec; zero (no cell) for a row the table does not print; None without the table or
        the column, or when the cell's value is unknown."""
        table, panel, row, column = spec
        ix = self.indexes.get(table)
        if ix is None:
            return None
        t = ix.table
        if row is None:
            found = next((r for r in t.rows if r.cells), None)
        elif row.isdigit():
            found = ix.row_by_code(panel, row)
        else:
            found = ix.row_by_label(panel, row)
        if found is None:
            has_column = column is None or any(c.key == column for c in t.columns)
            return Figure(Decimal(0), t.unit, t.decimals, self.path, None, None, table, True) if has_column else None
        _, cell = ix.column(found, column)
        if cell is None or cell.unknown:
            return None
        return Figure(cell.amount, t.unit, t.decimals, self.path, cell.sheet, cell.a1, table, cell.value is None)

    def codes(self, table: str) -> set[str]:
        """Every classification code a table prints."""
        ix = self.indexes.get(table)
        return {code for (_, code) in ix.by_code} if ix is not None else set()

    def class_rows(self, table: str) -> dict[str, str]:
        """The 类 rows of a table: code → name as printed."""
        ix = self.indexes.get(table)
        if ix is None:
            return {}
        return {r.code: r.label for r in ix.rows_at(None, "类") if r.code}


# ── Lines of the change (or completion) table ────────────────────────────────────────────────────────────────
@dataclass(frozen=True, slots=True)
class Line:
    """One item or 类 in both workbooks. `left` is last year (compare) or the budget (cycle), `right` this year
    or the final accounts; amounts are shown in `unit`, the right-hand table's (the left one converted)."""

    group: str  # "项目" | "类"
    item: str
    code: str | None
    table_id: str
    unit: str
    decimals: int
    left: Decimal | None
    right: Decimal | None
    difference: Decimal | None  # right − left
    percent: Decimal | None  # change % (compare) or completion % (cycle); None when left is zero or missing
    left_ref: tuple[str, str | None, str | None] | None  # (file, sheet, cell)
    right_ref: tuple[str, str | None, str | None] | None


def in_unit(f: Figure, unit: str) -> Decimal:
    return (f.wan / UNIT_FACTOR.get(unit, Decimal(1))).normalize() if f.unit != unit else f.value


def line(group: str, item: str, code: str | None, left: Figure | None, right: Figure | None, completion: bool) -> Line:
    anchor = right or left
    unit = anchor.unit
    lv = None if left is None else in_unit(left, unit)
    rv = None if right is None else in_unit(right, unit)
    diff = None if lv is None or rv is None else rv - lv
    base = lv
    percent = None
    if base is not None and base != 0 and rv is not None:
        ratio = (rv if completion else diff) / base * HUNDRED
        percent = ratio.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Line(group, item, code, anchor.table, unit, anchor.decimals, lv, rv, diff, percent,
                None if left is None else (left.file, left.sheet, left.cell),
                None if right is None else (right.file, right.sheet, right.cell))


def item_lines(left: Book, right: Book, items, completion: bool) -> list[Line]:
    """One line per (label, left spec, right spec) found in either workbook and not zero in both."""
    out = []
    for label, left_spec, right_spec in items:
        lf = left.figure(left_spec) if left_spec else None
        rf = right.figure(right_spec) if right_spec else None
        if (lf is not None and lf.value) or (rf is not None and rf.value):
            out.append(line("项目", label, None, lf, rf, completion))
    return out


def class_pairs(left: Book, right: Book, left_spec: tuple[str, str], right_spec: tuple[str, str]) -> list[tuple[str, Spec, Spec]]:
    """(label, left spec, right spec) for each 类 printed in either workbook, in code order."""
    (lt, lc), (rt, rc) = left_spec, right_spec
    names = {**left.class_rows(lt), **right.class_rows(rt)}
    return [(f"{code} {_strip_ordinal(names[code])}", (lt, None, code, lc), (rt, None, code, rc)) for code in sorted(names)]


def class_lines(left: Book, right: Book, left_spec: tuple[str, str], right_spec: tuple[str, str],
                completion: bool) -> list[Line]:
    """One line per 类 printed in either workbook; a 类 absent from one workbook is zero there."""
    out = []
    for label, ls, rs in class_pairs(left, right, left_spec, right_spec):
        lf, rf = left.figure(ls), right.figure(rs)
        if lf is not None or rf is not None:
            out.append(line("类", label, ls[2], lf, rf, completion))
    return out


def _strip_ordinal(label: str) -> str:
    from qidong_audit.recognise.text import strip_ordinal

    return strip_ordinal(label.strip())


# ── compare ──────────────────────────────────────────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class Comparison:
    """What `compare` (or `check --cycle`) found: the report (files and findings) and the table of lines."""

    report: Report
    lines: tuple[Line, ...]
    kind: str  # "change" (compare) | "completion" (cycle)
    years: tuple[int | None, int | None] = (None, None)


def compare_files(old: str, new: str, text: str | None = None, policy: RoundingPolicy | None = None,
                  limits=None) -> Comparison:
    """Compare two consecutive years' workbooks (both 决算 or both 预算); with `text`, check the change claims of
    the new year's written report against them."""
    from qidong_audit.audit import inspect_file

    policy = policy or RoundingPolicy()
    old_fr, new_fr = inspect_file(old, limits), inspect_file(new, limits)
    files = [old_fr, new_fr]
    if old_fr.error or new_fr.error:
        return Comparison(Report(tuple(files), (), policy.mode, policy.tolerance), (), "change")
    before, after = Book(old_fr), Book(new_fr)
    kind = _same_kind(before, after)
    findings = _years(before, after)
    lines = item_lines(before, after, [(label, specs[kind == "budget"], specs[kind == "budget"]) for label, *specs in ITEMS],
                       False)
    lines += class_lines(before, after, CLASS_COLUMNS[kind], CLASS_COLUMNS[kind], False)
    if kind == "final":
        findings += carry_overs(before, after, policy)
    if text is not None:
        text_result, found = check_changes(text, before, after, kind, policy)
        files.append(text_result)
        findings += found
    findings.sort(key=lambda f: (f.file != new, f.file, f.line or 0, f.table_id or "", f.rule, f.anchor))
    report = Report(tuple(files), tuple(findings), policy.mode, policy.tolerance)
    return Comparison(report, tuple(lines), "change", (old_fr.year, new_fr.year))


def _same_kind(before: Book, after: Book) -> str:
    kinds = (before.kind, after.kind)
    for book, k in zip((before, after), kinds):
        if k is None:
            raise CompareError(f"{book.path}：同时含有部门决算表和部门预算表，无法逐年比较；请分开成两份工作簿")
    if kinds[0] != kinds[1]:
        word = {"final": "决算", "budget": "预算"}
        raise CompareError(f"{before.path} 是{word[kinds[0]]}，{after.path} 是{word[kinds[1]]}：逐年比较需要两年的同一种表"
                           f"（预算与决算对照请用 qidong-audit check 预算.xlsx 决算.xlsx --cycle）")
    return kinds[0]


def _years(before: Book, after: Book) -> list[Finding]:
    y0, y1 = before.result.year, after.result.year
    if y0 is not None and y1 is not None:
        if y1 == y0 + 1:
            return []
        if y0 == y1 + 1:
            raise CompareError(f"{before.path}（{y0}年）比 {after.path}（{y1}年）晚一年：请把上年的工作簿放在前面")
        raise CompareError(f"{before.path} 是 {y0} 年，{after.path} 是 {y1} 年：只比较相邻的两个年度")
    unknown = "、".join(b.path for b, y in ((before, y0), (after, y1)) if y is None)
    return [Finding(rule="CMP.year", severity=Severity.INFO, verdict=Verdict.NOT_ASSESSABLE,
                    message=f"{_TITLES['CMP.year']}：未能从 {unknown} 的表标题读出年度，按第一份为上年、第二份为本年比较",
                    file=after.path, anchor="year")]


def carry_overs(before: Book, after: Book, policy: RoundingPolicy) -> list[Finding]:
    """This year's 年初 = last year's 年末 (a warning: 调整 can break it), per fund in JS04 and row by row in
    JS08/JS09 (rows printed in both years)."""
    checks = list(CARRY_OVERS)
    for table in ("JS08", "JS09"):
        rows = before.codes(table) & after.codes(table)
        checks += [(f"Y05.{table}", (table, None, code, "年初结转和结余"), (table, None, code, "年末结转和结余"))
                   for code in sorted(rows)]
    out: list[Finding] = []
    missing: dict[str, str] = {}
    for rule, opening_spec, closing_spec in checks:
        opening, closing = after.figure(opening_spec), before.figure(closing_spec)
        if opening is None or closing is None:
            table = opening_spec[0]
            if table in after.indexes and table in before.indexes and rule not in missing:
                missing[rule] = f"{_TITLES[rule]}：无法检查，{'本年' if opening is None else '上年'}的表中没有该栏"
            continue
        factor = UNIT_FACTOR.get(opening.unit, Decimal(1))
        j = policy.judge("=", [opening.term()], [closing.term()], factor)
        if j.verdict is Verdict.OK:
            continue
        rounding = j.verdict is Verdict.ROUNDING
        unit = opening.unit
        old_value = in_unit(closing, unit)
        dec = opening.decimals
        diff, tol = at_precision((j.difference / factor).normalize(), dec), at_precision((j.tolerance / factor).normalize(), dec)
        row = opening_spec[2] if opening_spec[3] is None else f"{opening_spec[2]}·{opening_spec[3]}"
        detail = (f"〔{row}〕本年年初 {opening.shown()}（{opening.where()}）{'≈' if rounding else '≠'} 上年年末 "
                  f"{fmt(old_value, dec)}{unit}（{closing.where()}），差额 {fmt(diff, dec)}，"
                  + (f"可由四舍五入解释（容差 ±{fmt(tol, dec)}）" if rounding else f"容差 ±{fmt(tol, dec)}"))
        out.append(Finding(
            rule=rule, severity=Severity.INFO if rounding else Severity.WARNING, verdict=j.verdict,
            message=f"{_TITLES[rule]}：{detail}", detail=detail, file=after.path,
            sheet=opening.sheet or None, cell=opening.cell, cells=(opening.ref("total"), closing.ref("previous")),
            expected=at_precision(old_value, dec), actual=at_precision(opening.value, dec), difference=diff, tolerance=tol,
            table_id=opening_spec[0], anchor=f"{opening_spec[2]}|{opening_spec[3] or ''}"))
    out += [Finding(rule=rule, severity=Severity.INFO, verdict=Verdict.NOT_ASSESSABLE, message=message,
                    file=after.path, table_id=rule[-4:], anchor=f"missing|{rule}") for rule, message in missing.items()]
    return out


# ── The change claims of the new year's report (extracted by qidong_audit.claims) ─────────────────────────────
_BUDGET_ROWS = {"年初结转和结余": "上年结转", "年末结转和结余": "结转下年", _OPENING: "上年结转", "年末财政拨款结转和结余": "结转下年"}
_BUDGET_COLUMNS = {"本年支出合计": "合计", "本年支出": "合计"}


def read_claims(text: str, year: int | None):
    """A written report's claims: (its FileResult, Claims or None when it cannot be read)."""
    from qidong_audit.catalog import load_catalog
    from qidong_audit.claims.grammar import document_year, extract
    from qidong_audit.io.documents import DocumentError, read_document

    try:
        doc = read_document(text)
    except DocumentError as exc:
        return FileResult(text, str(exc).removeprefix(f"{text}：")), None
    return FileResult(text, None), extract(doc, load_catalog(year or document_year(doc)))


def item_specs(item, kind: str) -> list[tuple[Spec, bool]]:
    """Where the workbooks hold a report item (claims.items): (spec, is a 财政拨款 table) per cell; for a 预算 set,
    the 预算 table that holds the same item (the claims grammar knows the 决算 tables)."""
    out = []
    for c in item.cells:
        spec = (c.table, c.panel, c.code or c.row, c.column.format(basis="决算") if c.column else None)
        spec = to_budget(spec) if kind == "budget" else spec
        if spec is not None:
            out.append((spec, c.fiscal))
    return out


def to_budget(spec: Spec) -> Spec | None:
    """The 预算 cell holding what a 决算 cell holds (YS0n mirrors JS0n); None where the budget has no such cell."""
    table, panel, row, column = spec
    if table == "JS02":
        return None  # 收入决算表's 本年收入合计 excludes carry-overs; 部门收入总表's 合计 includes them
    if table == "JS06":
        if row in ("人员经费合计", "公用经费合计"):
            return ("YS05", None, "合计", row.removesuffix("合计"))
        return ("YS06", None, row, "合计")
    if table == "JS07":
        return ("YS07", None, None, (column or "").replace("决算数", "预算数", 1))
    return ("YS" + table[2:], panel, _BUDGET_ROWS.get(row or "", row),
            _BUDGET_COLUMNS.get(column, column) if column else None)


def located(item, kind: str, fiscal: bool, books: tuple[Book, ...]) -> tuple[Figure, ...] | None:
    """The item's figure in each workbook, from the first of its cells every workbook prints (财政拨款 tables first
    when the sentence is about 财政拨款)."""
    for spec, _ in sorted(item_specs(item, kind), key=lambda s: s[1] != fiscal):
        found = tuple(b.figure(spec) for b in books)
        if all(f is not None for f in found):
            return found
    return None


def check_changes(text: str, before: Book, after: Book, kind: str, policy: RoundingPolicy) -> tuple[FileResult, list[Finding]]:
    """Each "与上年相比增加/减少 X万元、Y%" claim about a table item, against last year's and this year's workbooks."""
    from qidong_audit.claims.intervals import Span, Spans, precision, ratio_verdict, rounded
    from qidong_audit.claims.tables import figure_is_fiscal

    result, claims = read_claims(text, after.result.year)
    if claims is None:
        return result, []
    spans = Spans(policy, precision(claims))
    out: list[Finding] = []
    for c in claims.changes:
        fig = c.current
        if fig is None or fig.item is None or fig.qty.kind != "money" or (c.rate is not None and c.rate.unit != "%"):
            continue  # counts, rates of rates and unnamed items are no table figures
        if kind == "final" and fig.basis == "预算":
            continue  # a budget figure's change (三公 预算数 …) is not in the 决算 tables
        anchor = f"change|{fig.item.key}|{c.delta.plain if c.delta else ''}|{c.rate.plain if c.rate else ''}|{c.place.line}"
        pair = located(fig.item, kind, figure_is_fiscal(fig), (before, after))
        if pair is None:
            out.append(_claim_finding(text, c, Verdict.NOT_ASSESSABLE, f"{fig.name}：两年的表中找不到这一项，无法核对增减", [], anchor))
            continue
        old, new = pair
        o, n = Span(old.wan, old.half), Span(new.wan, new.half)
        said = f"{fig.item.label}：上年 {old.shown()}（{old.where()}），本年 {new.shown()}（{new.where()}）"
        cells = [new.ref("current"), old.ref("previous")] + [CellRef(None, None, q.plain, role) for q, role in (
            (c.delta, "change"), (c.rate, "rate"), (c.previous, "previous-stated")) if q is not None]
        problems: list[tuple[Verdict, str, Decimal, Decimal]] = []
        if c.delta is not None:
            d, sign = spans.of(c.delta), c.delta_sign or 1
            j = policy.judge("=", [n.term()], [o.term(), d.term(sign)], Decimal(1))
            if j.verdict is not Verdict.OK:
                problems.append((j.verdict, f"增减额应为 {fmt(n.value - o.value, 2)}万元，文中称{'增加' if sign > 0 else '减少'} "
                                 f"{c.delta.text.strip()}", (n.value - o.value).normalize(), sign * d.value))
        if c.previous is not None:
            p = spans.of(c.previous)
            j = policy.judge("=", [p.term()], [o.term()], Decimal(1))
            if j.verdict is not Verdict.OK:
                problems.append((j.verdict, f"文中上年为 {c.previous.text.strip()}，表中上年为 {old.shown()}", o.value, p.value))
        if c.rate is not None:
            rate_sign = c.rate_sign or c.delta_sign or 1
            if o.lo <= 0:
                out.append(_claim_finding(text, c, Verdict.NOT_ASSESSABLE, f"{said}：上年为零，增减率无从计算", cells, anchor))
                continue
            delta = Span(n.value - o.value, n.half + o.half)
            point = delta.value / o.value * HUNDRED
            verdict = ratio_verdict(delta, o, spans.percent(c.rate, rate_sign), point, c.rate.decimals,
                                    policy.mode == "exact", c.rate.value * rate_sign,
                                    c.rate.qualifier in ("以上", "以下", "超过", "不到", "不足", "逾"))
            if verdict is not Verdict.OK:
                shown = rounded(point, max(c.rate.decimals, 2))
                problems.append((verdict, f"增减率应为 {shown}%，文中称{'增长' if rate_sign > 0 else '下降'} {c.rate.plain}%",
                                 shown, c.rate.value * rate_sign))
        if problems:
            worst = next((p for p in problems if p[0] is Verdict.INCONSISTENT), problems[0])
            detail = f"{said}；" + "；".join(p[1] for p in problems)
            out.append(_claim_finding(text, c, worst[0], detail, cells, anchor, worst[2], worst[3]))
    return result, out


def claim_finding(rule: str, title: str, text: str, c, verdict: Verdict, detail: str, cells: list[CellRef],
                  anchor: str, expected: Decimal | None = None, actual: Decimal | None = None) -> Finding:
    """A finding on a claim of a written report (change or completion), located by its line and sentence."""
    severity = Severity.ERROR if verdict is Verdict.INCONSISTENT else Severity.INFO
    if verdict is Verdict.ROUNDING:
        detail = f"可由四舍五入解释：{detail}"
    return Finding(
        rule=rule, severity=severity, verdict=verdict, message=f"{title}：{detail}", detail=detail,
        file=text, cells=tuple(cells), expected=expected, actual=actual,
        difference=None if expected is None or actual is None else actual - expected,
        line=c.place.line, excerpt=c.place.sentence, anchor=anchor)


def _claim_finding(text: str, c, verdict: Verdict, detail: str, cells: list[CellRef], anchor: str,
                   expected: Decimal | None = None, actual: Decimal | None = None) -> Finding:
    return claim_finding("CMP.change", _TITLES["CMP.change"], text, c, verdict, detail, cells, anchor, expected, actual)
