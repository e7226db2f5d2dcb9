"""Report figures as intervals (DESIGN §4), and ratios between them.

A money figure is known to the decimals the report writes its amounts with in that unit ("5.9万元" in a report
that writes 0.01 万元 stands for [5.895, 5.905]); a count is exact unless written in 万; a percentage is known to
its own decimals. Qualifiers widen or open the interval: 约/近/左右 by a whole last digit, 以上/以下 on one side.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from qidong_audit.claims.model import Claims, Quantity
from qidong_audit.model import Verdict
from qidong_audit.numbers import RoundingPolicy, Term, half_unit

_APPROX = ("约", "近", "左右", "大约", "将近", "接近")
_AT_LEAST = ("以上", "超过", "逾")
_AT_MOST = ("以下", "不到", "不足")
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Span:
    value: Decimal  # 万元 for money
    half: Decimal

    @property
    def lo(self) -> Decimal:
        return self.value - self.half

    @property
    def hi(self) -> Decimal:
        return self.value + self.half

    def term(self, weight: int = 1) -> Term:
        return Term(weight, self.value, self.half)


def precision(claims: Claims) -> dict[str, int]:
    """The decimals a report writes its amounts with, per money unit (the most decimals seen)."""
    out: dict[str, int] = {}
    quantities = [f.qty for f in claims.figures] + [c.delta for c in claims.changes if c.delta] + [
        c.previous for c in claims.changes if c.previous]
    for q in quantities:
        if q.kind == "money":
            out[q.unit] = max(out.get(q.unit, 0), q.decimals)
    return out


@dataclass(frozen=True, slots=True)
class Spans:
    """Turns quantities into spans under a rounding policy and the report's precision."""

    policy: RoundingPolicy
    decimals: dict[str, int]

    def of(self, q: Quantity, unit: str | None = None) -> Span:
        """The quantity as an interval (money in 万元); `unit` reads the number in another unit (a unit slip)."""
        from qidong_audit.claims.tokens import MONEY_UNITS

        factor = MONEY_UNITS.get(unit, q.factor) if unit else q.factor
        value = q.value * factor
        if self.policy.mode == "exact":
            return Span(value, Decimal(0))
        if q.kind == "count" and q.decimals >= 0:
            return Span(value, Decimal(0))
        if self.policy.mode == "tolerance" and q.kind == "money":
            return Span(value, (self.policy.tolerance or Decimal(0)) * factor)
        d = max(q.decimals, self.decimals.get(unit or q.unit, q.decimals)) if q.kind == "money" else q.decimals
        half = half_unit(d) * factor
        if q.qualifier in _APPROX:
            half *= 2
        return Span(value, half)

    def percent(self, q: Quantity, sign: int = 1) -> tuple[Decimal, Decimal]:
        """A stated percentage as [low, high] (signed), open on one side for 以上/以下."""
        s = q.value * sign
        h = Decimal(0) if self.policy.mode == "exact" else half_unit(q.decimals)
        if q.qualifier in _APPROX:
            h = half_unit(q.decimals) * 2
        lo, hi = s - h, s + h
        big = Decimal("1e12")
        if q.qualifier in _AT_LEAST:
            hi = big if sign > 0 else hi
            lo = lo if sign > 0 else -big
        elif q.qualifier in _AT_MOST:
            lo = -big if sign > 0 else lo
            hi = hi if sign > 0 else big
        return lo, hi


def rounded(value: Decimal, decimals: int) -> Decimal:
    """四舍五入 to the decimals a figure was stated with."""
    return value.quantize(Decimal(1).scaleb(-max(decimals, 0)), rounding=ROUND_HALF_UP)


def ratio_verdict(part: Span, base: Span, stated: tuple[Decimal, Decimal], point: Decimal, decimals: int,
                  exact: bool, stated_value: Decimal, open_ended: bool) -> Verdict:
    """Judge a stated percentage of part ÷ base: ok when the point ratio rounds to it, rounding when the
    figures' intervals still allow it, else inconsistent. `base` must lie above zero."""
    lo, hi = stated
    if open_ended:
        return Verdict.OK if lo <= point <= hi or _meets(part, base, lo, hi) else Verdict.INCONSISTENT
    if rounded(point, decimals) == stated_value:
        return Verdict.OK
    if exact:
        return Verdict.INCONSISTENT
    return Verdict.ROUNDING if _meets(part, base, lo, hi) else Verdict.INCONSISTENT


def _meets(part: Span, base: Span, lo: Decimal, hi: Decimal) -> bool:
    candidates = [a / b * HUNDRED for a in (part.lo, part.hi) for b in (base.lo, base.hi)]
    return min(candidates) <= hi and max(candidates) >= lo
