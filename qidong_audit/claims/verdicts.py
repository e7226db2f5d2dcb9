"""Verdicts on a report's claims under the rounding model (DESIGN §4), as Findings located by line and sentence.

Identities (a total and its parts, this year = last year ± change, text = table) are judged by
RoundingPolicy; ratios (shares, change rates, completion rates) by the interval of part ÷ base. A stated
100% or 0% is a claim of totality and is judged as the identity part = base or part = 0. A ratio whose base
the report does not give (nor the tables) is "not checkable": info, never an error.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from qidong_audit.claims.intervals import HUNDRED, Span, Spans, precision, ratio_verdict, rounded
from qidong_audit.claims.items import qualifiers, resolve
from qidong_audit.claims.model import Breakdown, Change, Claims, Completion, Figure, Place, Quantity, Share
from qidong_audit.claims.rules import TEXT_RULES
from qidong_audit.claims.tables import TableValue, Workbook, figure_is_fiscal
from qidong_audit.claims.tokens import MONEY_UNITS, normalise
from qidong_audit.model import CellRef, Finding, Severity, Verdict
from qidong_audit.numbers import RoundingPolicy, fmt


class Judge:
    def __init__(self, claims: Claims, path: str, policy: RoundingPolicy, workbook: Workbook | None = None,
                 catalog=None) -> None:
        self.claims = claims
        self.path = path
        self.policy = policy
        self.workbook = workbook
        self.catalog = catalog
        self.decimals = precision(claims)
        self.spans = Spans(policy, self.decimals)
        self.findings: list[Finding] = []
        self.anchors: Counter[str] = Counter()
        self.unit_slips: dict[int, str] = {}  # figures reported as unit slips → the unit they should have
        money = Counter(f.qty.unit for f in claims.figures if f.qty.kind == "money")
        self.main_unit = max(money, key=lambda u: (money[u], u == "万元")) if money else "万元"

    def run(self) -> list[Finding]:
        self.same_item_units()
        for b in self.claims.breakdowns:
            self.breakdown(b)
        for s in self.claims.shares:
            self.share(s)
        for c in self.claims.changes:
            self.change(c)
        for c in self.claims.completions:
            self.completion(c)
        self.balance()
        self.counts()
        if self.workbook is not None:
            self.against_tables()
        return self.findings

    # -- output -------------------------------------------------------------------------------------

    def emit(self, rule: str, verdict: Verdict, detail: str, place: Place, cells: list[CellRef], anchor: str,
             expected: Decimal | None = None, actual: Decimal | None = None, difference: Decimal | None = None,
             tolerance: Decimal | None = None, severity: Severity | None = None) -> None:
        spec = TEXT_RULES[rule]
        if severity is None:
            severity = Severity.INFO if verdict in (Verdict.ROUNDING, Verdict.NOT_ASSESSABLE) else spec.severity
        if verdict is Verdict.ROUNDING:
            detail = f"可由四舍五入解释：{detail}"
        self.anchors[f"{rule}|{anchor}"] += 1
        n = self.anchors[f"{rule}|{anchor}"]
        self.findings.append(Finding(
            rule=rule, severity=severity, verdict=verdict, message=f"{spec.title}：{detail}", file=self.path,
            cells=tuple(cells), expected=expected, actual=actual, difference=difference, tolerance=tolerance,
            line=place.line, excerpt=place.sentence, anchor=f"{anchor}|{n}", detail=detail,
        ))

    def money(self, value: Decimal, unit: str = "万元") -> str:
        return f"{fmt(value, self.decimals.get(unit, 2))}{unit}"

    def said(self, f: Figure) -> str:
        """A figure as people read it: its name and its quantity in the report's precision."""
        name = "" if f.name in ("决算数", "预算数", "决算", "预算") else f.name
        shown = "".join(normalise(f.qty.text).split())  # as written: "0万元" stays 0, "14,896件" keeps its comma
        return f"{name} {shown}" if name else shown

    @staticmethod
    def ref(f: Figure | Quantity, role: str) -> CellRef:
        q = f.qty if isinstance(f, Figure) else f
        return CellRef(None, None, q.plain, role)

    # -- a total and its parts ----------------------------------------------------------------------

    def breakdown(self, b: Breakdown) -> None:
        if b.total.qty.kind == "count":
            return  # counts: only "part > whole" matters, see counts()
        total, parts = b.total, list(b.parts)
        unit = total.qty.unit
        t = self.span(total)
        p = [self.span(x) for x in parts]
        anchor = f"sum|{total.name}|{total.qty.plain}|{'+'.join(x.name for x in parts)}"
        cells = [self.ref(total, "total")] + [self.ref(x, "part") for x in parts]
        factor = total.qty.factor
        if len(parts) == 1 or b.partial:
            j = self.policy.judge("<=", [x.term() for x in p], [t.term()], factor)
            if j.verdict is Verdict.INCONSISTENT:
                what = f"其中一项大于总数：{self.said(parts[0])}" if len(parts) == 1 else (
                    f"所列主要各项之和 {self.money(sum((x.value for x in p), Decimal(0)) / factor, unit)}")
                self.emit("TXT.sum", Verdict.INCONSISTENT, f"{what} 大于 {self.said(total)}",
                          total.place, cells, anchor, expected=total.qty.value,
                          actual=sum((x.value for x in p), Decimal(0)) / factor,
                          difference=j.difference / factor, tolerance=j.tolerance / factor)
            return
        j = self.policy.judge("=", [t.term()], [x.term() for x in p], factor)
        if j.verdict is Verdict.OK:
            return
        if j.verdict is Verdict.INCONSISTENT and self.unit_slip_in(b):
            return
        total_value = sum((x.value for x in p), Decimal(0)) / factor
        detail = (f"{self.said(total)}，其中所列 {len(parts)} 项之和为 {self.money(total_value, unit)}，"
                  f"相差 {self.money(j.difference / factor, unit)}")
        self.emit("TXT.sum", j.verdict, detail, total.place, cells, anchor, expected=self._q(total_value, total),
                  actual=total.qty.value, difference=self._q(j.difference / factor, total),
                  tolerance=j.tolerance / factor)

    def _q(self, value: Decimal, like: Figure) -> Decimal:
        d = max(like.qty.decimals, self.decimals.get(like.qty.unit, 0))
        return rounded(value, d)

    def unit_slip_in(self, b: Breakdown) -> bool:
        """A breakdown that adds up once one figure's unit is read as the other (元 ↔ 万元) is a unit slip."""
        figures = [b.total, *b.parts]
        fixes = []
        for i, f in enumerate(figures):
            if f.qty.kind != "money" or f.qty.unit not in ("元", "万元"):
                continue
            other = "万元" if f.qty.unit == "元" else "元"
            spans = [self.spans.of(x.qty, other if k == i else None) for k, x in enumerate(figures)]
            j = self.policy.judge("=", [spans[0].term()], [s.term() for s in spans[1:]], b.total.qty.factor)
            if j.verdict is not Verdict.INCONSISTENT and abs(spans[i].value) > 2 * j.tolerance:
                fixes.append((f, other))  # (a figure read so small it vanishes in rounding fixes nothing)
        if len(fixes) > 1:  # both readings add up: the figure in the report's less used unit is the slip
            fixes = [(f, u) for f, u in fixes if f.qty.unit != self.main_unit]
        if len(fixes) != 1:
            return False
        f, other = fixes[0]
        self.slip(f, other, f"按{other}计时 {self.said(b.total)} 与其中各项相符")
        return True

    def span(self, f: Figure) -> Span:
        """A figure's interval, read in the unit it should have where its unit was found to be a slip."""
        return self.spans.of(f.qty, self.unit_slips.get(f.seq))

    def slip(self, f: Figure, unit: str, why: str, cells: tuple[CellRef, ...] = ()) -> None:
        if f.seq in self.unit_slips:
            return
        self.unit_slips[f.seq] = unit
        self.emit("TXT.unit", Verdict.INCONSISTENT, f"{self.said(f)} 的单位疑为「{unit}」之误：{why}", f.place,
                  [self.ref(f, "claim"), *cells], f"unit|{f.name}|{f.qty.plain}{f.qty.unit}")

    def same_item_units(self) -> None:
        """252.5元 where the same item is 252.50万元 elsewhere: the odd unit is a slip."""
        groups: dict[str, list[Figure]] = {}
        for f in self.claims.figures:
            if f.qty.kind == "money" and f.name:
                groups.setdefault(f.item.key if f.item else f.name, []).append(f)
        for figures in groups.values():
            units = Counter(f.qty.unit for f in figures)
            if len(units) < 2:
                continue
            for f in figures:
                others = [g for g in figures if g.qty.unit != f.qty.unit]
                odd = units[f.qty.unit] < units[others[0].qty.unit] or (
                    units[f.qty.unit] == units[others[0].qty.unit] and f.qty.unit != self.main_unit)
                g = next((g for g in others if self._same_number(f.qty, g.qty)), None)
                if odd and g is not None:
                    self.slip(f, g.qty.unit, f"第{g.place.line}行写作 {self.said(g)}")
                    continue
                g = next((g for g in others if self._same_size(f.qty, g.qty)), None)
                if odd and g is not None:
                    self.slip(f, g.qty.unit, f"同一项目第{g.place.line}行为 {self.said(g)}，按「{f.qty.unit}」计则相差上万倍")

    def _same_number(self, a: Quantity, b: Quantity) -> bool:
        """The two figures print the same number (each read in 万元), whatever their units."""
        sa, sb = self.spans.of(a, "万元"), self.spans.of(b, "万元")
        return a.value != 0 and sa.lo <= sb.hi and sb.lo <= sa.hi

    @staticmethod
    def _same_size(a: Quantity, b: Quantity) -> bool:
        """The numbers as printed are of one size (within ×10), so their units, 10,000 apart, cannot both be right."""
        if a.value <= 0 or b.value <= 0 or {a.unit, b.unit} != {"元", "万元"}:
            return False
        return b.value / 10 <= a.value <= b.value * 10

    # -- shares -------------------------------------------------------------------------------------

    def share(self, s: Share) -> None:
        part, pct = s.part, s.pct
        p = self.span(part)
        anchor = f"share|{part.name}|{part.qty.plain}|{pct.plain}"
        zero_part = self.policy.judge("=", [p.term()], [], part.qty.factor).verdict is not Verdict.INCONSISTENT
        if pct.value == 0 and not pct.qualifier:
            if not zero_part:
                self.emit("TXT.share", Verdict.INCONSISTENT, f"称占比为 0%，但 {self.said(part)} 不为零", s.place,
                          [self.ref(part, "part"), self.ref(pct, "share")], anchor, expected=Decimal(0),
                          actual=pct.value)
            return
        if zero_part and self.spans.percent(pct)[0] > 0:
            self.emit("TXT.share", Verdict.INCONSISTENT, f"{self.said(part)} 为零，占比不可能是 {pct.plain}%", s.place,
                      [self.ref(part, "part"), self.ref(pct, "share")], anchor, expected=Decimal(0), actual=pct.value)
            return
        base, base_label, base_cells = self.base_of(s)
        if base is None:
            what = f"「{s.base_name}」" if s.base_name else "基数"
            self.emit("TXT.unchecked", Verdict.NOT_ASSESSABLE,
                      f"{self.said(part)} 占 {pct.plain}%：文中{'与表中' if self.workbook else ''}找不到{what}的金额，无法核对",
                      s.place, [self.ref(part, "part"), self.ref(pct, "share")], anchor)
            return
        cells = [self.ref(part, "part"), self.ref(pct, "share"), *base_cells]
        if base.value <= 0 or base.lo <= 0:
            return
        point = part.qty.wan / base.value * HUNDRED
        shown = rounded(point, max(pct.decimals, 2))
        if pct.value == 100 and not pct.qualifier:
            j = self.policy.judge("=", [p.term()], [base.term()], part.qty.factor)
            if j.verdict is Verdict.OK:
                return
            unit = part.qty.unit
            factor = part.qty.factor
            detail = (f"称 {self.said(part)} 占{base_label}的 100%，即两者相等，但后者为 "
                      f"{self.money(base.value / factor, unit)}，实占 {shown}%")
            self.emit("TXT.share", j.verdict, detail, s.place, cells, anchor, expected=shown, actual=pct.value,
                      difference=rounded(pct.value - point, max(pct.decimals, 2)))
            return
        lo, hi = self.spans.percent(pct)
        verdict = ratio_verdict(p, base, (lo, hi), point, pct.decimals, self.policy.mode == "exact", pct.value,
                                pct.qualifier in ("以上", "以下", "超过", "不到", "不足", "逾"))
        if verdict is Verdict.OK:
            return
        detail = f"{self.said(part)} 占{base_label}的 {shown}%，文中称 {pct.plain}%{pct.qualifier}"
        self.emit("TXT.share", verdict, detail, s.place, cells, anchor, expected=shown, actual=pct.value,
                  difference=rounded(pct.value - point, max(pct.decimals, 2)))

    def base_of(self, s: Share) -> tuple[Span | None, str, list[CellRef]]:
        """The base of a share: a figure the report gives (by name, or the list's total), else the tables."""
        if s.base_name:
            item = resolve(s.base_name, self.catalog)
            found = self._figure_named(s.base_name, item, s.part)
            if found is not None:
                return self.span(found), f"{found.name}（第{found.place.line}行）", [self.ref(found, "base")]
            if item is not None and self.workbook is not None:
                values = self.workbook.values(item, s.part.basis, figure_is_fiscal(s.part))
                if values:
                    v = values[0]
                    return Span(v.wan, v.half), f"{s.base_name}（{v.where}）", [
                        CellRef(v.ref.sheet, v.ref.cell, v.ref.value, "base")]
        if s.base is not None:
            return self.span(s.base), s.base.name, [self.ref(s.base, "base")]
        return None, "", []

    def _figure_named(self, name: str, item, near: Figure) -> Figure | None:
        matches = [f for f in self.claims.figures if f.qty.kind == "money" and f.basis == near.basis and f is not near
                   and (f.name == name or (item is not None and f.item is not None and f.item.key == item.key
                                           and qualifiers(f.name) == qualifiers(name)))]
        if not matches:
            return None
        before = [f for f in matches if f.seq < near.seq]
        return before[-1] if before else matches[0]

    # -- changes ------------------------------------------------------------------------------------

    def change(self, c: Change) -> None:
        cur = c.current if c.current is not None and c.current.qty.kind in ("money", "count") else None
        label = cur.name if cur is not None else c.name
        anchor = f"change|{label}|{c.delta.plain if c.delta else ''}|{c.rate.plain if c.rate else ''}"
        cells = ([self.ref(cur, "current")] if cur else []) + ([self.ref(c.delta, "change")] if c.delta else []) + (
            [self.ref(c.previous, "previous")] if c.previous else []) + ([self.ref(c.rate, "rate")] if c.rate else [])
        C = self.span(cur) if cur else None
        D = self.spans.of(c.delta) if c.delta else None
        P = self.spans.of(c.previous) if c.previous else None
        sign = c.delta_sign or 1
        word = "增加" if sign > 0 else "减少"
        if C and D and P:
            factor = cur.qty.factor
            j = self.policy.judge("=", [C.term()], [P.term(), D.term(sign)], factor)
            if j.verdict is not Verdict.OK:
                expected = (P.value + sign * D.value) / factor
                detail = (f"上年 {self.money(P.value / factor, cur.qty.unit)} {word} {self.money(D.value / factor, cur.qty.unit)} "
                          f"应为 {self.money(expected, cur.qty.unit)}，文中本年为 {self.said(cur)}")
                self.emit("TXT.change", j.verdict, detail, c.place, cells, anchor, expected=self._q(expected, cur),
                          actual=cur.qty.value, difference=self._q(j.difference / factor, cur), tolerance=j.tolerance / factor)
        if c.rate is None:
            return
        if P is None and C is not None and D is not None:
            P = Span(C.value - sign * D.value, C.half + D.half)
        if D is not None:
            delta = Span(sign * D.value, D.half)
        elif C is not None and P is not None:
            delta = Span(C.value - P.value, C.half + P.half)
        else:
            delta = None
        if P is None or delta is None:
            self.emit("TXT.unchecked", Verdict.NOT_ASSESSABLE,
                      f"{label} {'增' if c.rate_sign > 0 else '减'}{c.rate.plain}%：文中未写出上年数或增减额，无法核对增减率",
                      c.place, cells, anchor)
            return
        if P.hi < 0 and cur is not None and D is not None:
            factor = cur.qty.factor
            self.emit("TXT.change", Verdict.INCONSISTENT,
                      f"本年 {self.said(cur)}，{word} {self.money(D.value / factor, cur.qty.unit)}，则上年为负数 "
                      f"{self.money(P.value / factor, cur.qty.unit)}", c.place, cells, anchor,
                      expected=None, actual=c.delta.value)
            return
        if P.value <= 0 or P.lo <= 0:
            self.emit("TXT.unchecked", Verdict.NOT_ASSESSABLE,
                      f"{label} {'增' if c.rate_sign > 0 else '减'}{c.rate.plain}%：上年数为零，增减率无从计算", c.place, cells, anchor)
            return
        rate_sign = c.rate_sign or sign
        point = delta.value / P.value * HUNDRED
        lo, hi = self.spans.percent(c.rate, rate_sign)
        verdict = ratio_verdict(delta, P, (lo, hi), point, c.rate.decimals, self.policy.mode == "exact",
                                c.rate.value * rate_sign, c.rate.qualifier in ("以上", "以下", "超过", "不到", "不足", "逾"))
        if verdict is Verdict.OK:
            return
        shown = rounded(point, max(c.rate.decimals, 2))
        unit = c.delta.unit if c.delta else cur.qty.unit
        f = MONEY_UNITS.get(unit, Decimal(1))
        detail = (f"上年 {self.money(P.value / f, unit)}，增减 {self.money(delta.value / f, unit)}，"
                  f"增减率应为 {shown}%，文中称{'增' if rate_sign > 0 else '减'} {c.rate.plain}%")
        self.emit("TXT.change", verdict, detail, c.place, cells, anchor, expected=shown,
                  actual=c.rate.value * rate_sign, difference=rounded(c.rate.value * rate_sign - point, max(c.rate.decimals, 2)))

    # -- completion ---------------------------------------------------------------------------------

    def completion(self, c: Completion) -> None:
        budget, actual = self._completion_figures(c)
        anchor = f"completion|{c.name}|{c.rate.plain}"
        if actual is not None and budget is None and c.actual is not None and not c.rate.qualifier:
            A = actual[0]
            zero = self.policy.judge("=", [A.term()], [], Decimal(1)).verdict is not Verdict.INCONSISTENT
            if zero and c.rate.value != 0:
                self.emit("TXT.completion", Verdict.INCONSISTENT, f"决算数 {actual[1]} 为零，完成预算不可能是 {c.rate.plain}%",
                          c.place, [actual[2], self.ref(c.rate, "rate")], anchor, expected=Decimal(0), actual=c.rate.value)
            if zero:
                return
        if budget is None or actual is None:
            self.emit("TXT.unchecked", Verdict.NOT_ASSESSABLE,
                      f"完成预算 {c.rate.plain}%：文中{'与表中' if self.workbook else ''}没有同时写出预算数和决算数，无法核对",
                      c.place, [self.ref(c.rate, "rate")], anchor)
            return
        (B, b_label, b_ref), (A, a_label, a_ref) = budget, actual
        cells = [b_ref, a_ref, self.ref(c.rate, "rate")]
        if B.value <= 0 or B.lo <= 0:
            return
        point = A.value / B.value * HUNDRED
        shown = rounded(point, max(c.rate.decimals, 2))
        if c.rate.value == 100 and not c.rate.qualifier:
            j = self.policy.judge("=", [A.term()], [B.term()], Decimal(1))
            if j.verdict is Verdict.OK:
                return
            way = "超支" if A.value > B.value else "未用完预算"
            detail = f"称完成预算 100%，但决算数 {a_label} 与预算数 {b_label} 不等（{way}，实为 {shown}%）"
            severity = Severity.INFO if j.verdict is Verdict.ROUNDING else Severity.WARNING
            self.emit("TXT.completion", j.verdict, detail, c.place, cells, anchor, expected=shown,
                      actual=c.rate.value, severity=severity)
            return
        lo, hi = self.spans.percent(c.rate)
        verdict = ratio_verdict(A, B, (lo, hi), point, c.rate.decimals, self.policy.mode == "exact", c.rate.value,
                                c.rate.qualifier in ("以上", "以下", "超过", "不到", "不足", "逾"))
        if verdict is not Verdict.OK:
            detail = f"决算数 {a_label} ÷ 预算数 {b_label} = {shown}%，文中称完成预算 {c.rate.plain}%"
            self.emit("TXT.completion", verdict, detail, c.place, cells, anchor, expected=shown, actual=c.rate.value,
                      difference=rounded(c.rate.value - point, max(c.rate.decimals, 2)))

    def _completion_figures(self, c: Completion):
        def text(f: Figure | None, role: str):
            return None if f is None else (self.span(f), self.said(f), self.ref(f, role))

        budget, actual = text(c.budget, "budget"), text(c.actual, "actual")
        known = c.actual or c.budget
        item = known.item if known is not None else (resolve("三公经费", self.catalog) if "三公" in c.place.sentence else None)
        if (budget is None or actual is None) and self.workbook is not None and item is not None:
            for basis, role in (("预算", "budget"), ("决算", "actual")):
                values = self.workbook.values(item, basis, True)
                if values:
                    v = values[0]
                    found = (Span(v.wan, v.half), f"{v.shown()}（{v.where}）", CellRef(v.ref.sheet, v.ref.cell, v.ref.value, role))
                    if basis == "预算" and budget is None:
                        budget = found
                    elif basis == "决算" and actual is None:
                        actual = found
        return budget, actual

    # -- whole-report identities and soft logic ----------------------------------------------------

    def balance(self) -> None:
        income = next((f for f in self.claims.figures if f.item and f.item.key == "收入总计" and f.basis == "决算"), None)
        spend = next((f for f in self.claims.figures if f.item and f.item.key == "支出总计" and f.basis == "决算"), None)
        if income is None or spend is None:
            return
        a, b = self.span(income), self.span(spend)
        j = self.policy.judge("=", [a.term()], [b.term()], income.qty.factor)
        if j.verdict is Verdict.OK:
            return
        later = max(income, spend, key=lambda f: f.seq)
        factor = income.qty.factor
        self.emit("TXT.balance", j.verdict, f"{self.said(income)}，{self.said(spend)}", later.place,
                  [self.ref(income, "total"), self.ref(spend, "total")], f"balance|{income.qty.plain}|{spend.qty.plain}",
                  expected=b.value / factor, actual=income.qty.value, difference=j.difference / factor,
                  tolerance=j.tolerance / factor)

    def counts(self) -> None:
        for b in self.claims.breakdowns:
            if b.total.qty.kind != "count":
                continue
            cells = [self.ref(b.total, "total")] + [self.ref(x, "part") for x in b.parts]
            anchor = f"count|{b.total.name}|{b.total.qty.plain}"
            bigger = [x for x in b.parts if x.qty.value > b.total.qty.value]
            total_parts = sum((x.qty.value for x in b.parts), Decimal(0))
            if bigger:
                x = bigger[0]
                self.emit("TXT.count", Verdict.INCONSISTENT, f"其中 {self.said(x)} 多于总数 {self.said(b.total)}",
                          b.total.place, cells, anchor, expected=b.total.qty.value, actual=x.qty.value,
                          difference=x.qty.value - b.total.qty.value)
            elif len(b.parts) > 1 and total_parts > b.total.qty.value and all(x.qty.unit == b.total.qty.unit for x in b.parts):
                self.emit("TXT.count", Verdict.INCONSISTENT,
                          f"其中各项之和 {fmt(total_parts, 0)}{b.total.qty.unit} 多于总数 {self.said(b.total)}",
                          b.total.place, cells, anchor, expected=b.total.qty.value, actual=total_parts,
                          difference=total_parts - b.total.qty.value)
        for h in self.claims.handled:
            if h.done.qty.value > h.received.qty.value and not h.done.qty.qualifier:
                self.emit("TXT.count", Verdict.INCONSISTENT,
                          f"办结数大于受理数：{self.said(h.done)} 多于 {self.said(h.received)}", h.done.place,
                          [self.ref(h.received, "total"), self.ref(h.done, "part")],
                          f"handled|{h.received.name}|{h.done.name}", expected=h.received.qty.value,
                          actual=h.done.qty.value, difference=h.done.qty.value - h.received.qty.value)
        for a in self.claims.all_done:
            for r in a.rates:
                if r.qty.value < 100:
                    self.emit("TXT.done", Verdict.INCONSISTENT,
                              f"称「均已办结」，但 {r.name} 为 {r.qty.plain}%{r.qty.qualifier}（低于 100%）", a.place,
                              [self.ref(r, "rate")], f"done|{r.name}|{r.qty.plain}", expected=Decimal(100),
                              actual=r.qty.value, difference=r.qty.value - 100)
                    break

    # -- against the tables -------------------------------------------------------------------------

    def against_tables(self) -> None:
        for f in self.claims.figures:
            if f.qty.kind != "money" or f.item is None or f.basis == "上年" or f.seq in self.unit_slips:
                continue
            values = self.workbook.values(f.item, f.basis, figure_is_fiscal(f))
            if values:
                self.compare(f, values)

    def compare(self, f: Figure, values: list[TableValue]) -> None:
        text = self.spans.of(f.qty)
        factor = f.qty.factor
        judged = [(v, self.policy.judge("=", [text.term()], [Span(v.wan, v.half).term()], factor)) for v in values]
        if any(j.verdict is Verdict.OK for _, j in judged):
            return
        anchor = f"table|{f.item.key}|{f.basis}|{f.qty.plain}"
        near = next(((v, j) for v, j in judged if j.verdict is Verdict.ROUNDING), None)
        if near is not None:
            v, j = near
            self.emit("TXT.table", Verdict.ROUNDING, f"{self.said(f)}，{v.where} 为 {v.shown()}", f.place,
                      [self.ref(f, "claim"), v.ref], anchor, expected=v.wan / factor, actual=f.qty.value,
                      difference=j.difference / factor, tolerance=j.tolerance / factor)
            return
        if f.qty.unit in ("元", "万元"):
            other = "万元" if f.qty.unit == "元" else "元"
            swapped = self.spans.of(f.qty, other)
            for v in values:
                j = self.policy.judge("=", [swapped.term()], [Span(v.wan, v.half).term()], MONEY_UNITS[other])
                if j.verdict is not Verdict.INCONSISTENT:
                    self.slip(f, other, f"{v.where} 为 {v.shown()}", (v.ref,))
                    return
        v, j = judged[0]
        self.emit("TXT.table", Verdict.INCONSISTENT, f"{self.said(f)}，而{v.where} 为 {v.shown()}", f.place,
                  [self.ref(f, "claim"), v.ref], anchor, expected=v.wan / factor, actual=f.qty.value,
                  difference=j.difference / factor, tolerance=j.tolerance / factor)
