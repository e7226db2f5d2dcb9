"""Amounts as exact decimals, and the rounding model that judges identities between them.

Published amounts are rounded: a figure written with d decimals stands for the interval
[v − ½·10⁻ᵈ, v + ½·10⁻ᵈ] (XBRL Calculations 1.1). An identity is consistent when the intervals of its
two sides meet; exact when the written figures agree to the cent.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from qidong_audit.model import Verdict

# Zero is published as blank, "-", "—", "– –", "— — —" … (domain.md §7.1).
_DASHES = re.compile(r"^[-‐‑‒–—―－─━~～]+$")
# Amounts as people type them: digits, one decimal point; no exponents, at most 20 digits before the point.
_NUMBER = re.compile(r"^[+-]?(\d{1,20}(\.\d{0,20})?|\.\d{1,20})$")


@dataclass(frozen=True, slots=True)
class Parsed:
    value: Decimal | None  # None when blank or not a number
    blank: bool  # blank, dash or empty string: zero for arithmetic, remembered as blank
    number: bool  # the cell holds a number (or a text that reads as one)
    decimals: int
    text: str


BLANK = Parsed(None, True, False, 0, "")


def decimals_of(d: Decimal) -> int:
    exp = d.as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


_WHOLE_DIGITS = 28  # the default decimal context's precision: quantize(Decimal(1)) keeps every digit below 10²⁸


def from_float(f: float) -> Decimal:
    """A spreadsheet number as the decimal it displays.

    Excel keeps 15 significant digits, so a stored 1234.5600000000002 (a formula's binary noise) is
    1234.56; reading through the 15-digit repr never does arithmetic on the float."""
    d = Decimal(format(f, ".15g"))
    if d.adjusted() >= _WHOLE_DIGITS:  # 10²⁸ and more: quantize would need more digits than the context has
        return d  # (no spreadsheet amount: recognition reports the cell as not an amount)
    if d == d.to_integral_value():
        return d.quantize(Decimal(1))
    return d.normalize()


def parse_amount(raw: object) -> Parsed:
    """Read one cell value as an amount. Text amounts are common: "2,940.05", "(12.30)", full-width
    digits, trailing spaces; dashes mean zero."""
    if raw is None:
        return BLANK
    if isinstance(raw, bool):
        return Parsed(None, False, False, 0, str(raw))
    if isinstance(raw, int):
        return Parsed(Decimal(raw), False, True, 0, str(raw))
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return Parsed(None, False, False, 0, str(raw))
        d = from_float(raw)
        return Parsed(d, False, True, decimals_of(d), format(d, "f"))
    if isinstance(raw, Decimal):
        return Parsed(raw, False, True, decimals_of(raw), format(raw, "f"))
    if not isinstance(raw, str):
        return Parsed(None, False, False, 0, str(raw))
    text = raw
    s = unicodedata.normalize("NFKC", raw)
    s = "".join(s.split())
    if s == "":
        return Parsed(None, True, False, 0, text)
    if _DASHES.match(s):
        return Parsed(None, True, False, 0, text)
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    s = s.replace(",", "")
    if s.endswith("万元") or s.endswith("元"):
        return Parsed(None, False, False, 0, text)
    if not _NUMBER.match(s):
        return Parsed(None, False, False, 0, text)
    try:
        d = Decimal(s)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid literals
        return Parsed(None, False, False, 0, text)
    if negative:
        d = -d
    return Parsed(d, False, True, decimals_of(d), text)


def half_unit(decimals: int) -> Decimal:
    """½·10⁻ᵈ: half of the last digit a table publishes."""
    return Decimal(5).scaleb(-(decimals + 1))


@dataclass(frozen=True, slots=True)
class Term:
    """One side's contribution: a weight (+1/−1), a value and its rounding half-width, in 万元."""

    weight: int
    value: Decimal
    half_width: Decimal


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    difference: Decimal  # left − right
    tolerance: Decimal  # the tolerance that was applied


@dataclass(frozen=True, slots=True)
class RoundingPolicy:
    mode: str = "interval"  # "interval" | "exact" | "tolerance"
    tolerance: Decimal | None = None  # for mode "tolerance", in the unit of the table being checked

    def judge(self, op: str, left: list[Term], right: list[Term], unit_factor: Decimal) -> Judgement:
        """Judge `left op right` (op one of "=", "<=", ">="). unit_factor converts the checked table's
        unit into 万元 (a fixed --tolerance is stated in that table's unit)."""
        diff = sum((t.weight * t.value for t in left), Decimal(0)) - sum(
            (t.weight * t.value for t in right), Decimal(0)
        )
        tol = self.tolerance_for([t.half_width for t in left], [t.half_width for t in right], unit_factor)
        if op == "=":
            within = abs(diff) <= tol
        elif op == "<=":
            within = diff - tol <= 0
        else:
            within = diff + tol >= 0
        if holds_exactly(op, diff):
            verdict = Verdict.OK
        elif within:
            verdict = Verdict.ROUNDING
        else:
            verdict = Verdict.INCONSISTENT
        return Judgement(verdict, diff, tol)

    def tolerance_for(self, left: list[Decimal], right: list[Decimal], unit_factor: Decimal) -> Decimal:
        """The tolerance for a check whose sides' terms have these rounding half-widths (in 万元)."""
        if self.mode == "exact":
            return Decimal(0)
        if self.mode == "tolerance":
            return (self.tolerance or Decimal(0)) * unit_factor
        return sum(left, Decimal(0)) + sum(right, Decimal(0))


def holds_exactly(op: str, diff: Decimal) -> bool:
    """`left op right`, with diff = left − right, holds with no tolerance at all: OK under every rounding mode."""
    if op == "=":
        return diff == 0
    if op == "<=":
        return diff <= 0
    return diff >= 0


def at_precision(d: Decimal, decimals: int) -> Decimal:
    """The same amount written with at least the table's decimals (80 → 80.00), never rounded."""
    places = max(decimals, decimals_of(d))
    return d.quantize(Decimal(1).scaleb(-places))


def fmt(d: Decimal | None, decimals: int = 2) -> str:
    """An amount for people: thousands separators, the table's decimals (never fewer than written)."""
    if d is None:
        return ""
    places = max(decimals, decimals_of(d))
    return f"{d:,.{places}f}"


def plain(d: Decimal | None, decimals: int = 2) -> str | None:
    """An amount for machines (JSON): a plain decimal string at the table's precision."""
    if d is None:
        return None
    places = max(decimals, decimals_of(d))
    return f"{d:.{places}f}"
