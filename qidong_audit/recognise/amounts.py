"""Amount cells read once per workbook for each distinct value.

A workbook's figures recur across its tables (the 总表 totals are the other tables' totals; a 类 row's amount is
printed in the income, expenditure and 财政拨款 tables alike), and parsing is the costly part of reading a cell."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from qidong_audit.numbers import Parsed, parse_amount


def holdable(d: Decimal) -> bool:
    """An amount a spreadsheet can hold: under 10¹⁶, at most 20 significant digits and 20 decimals. Text like
    "1e999999999" or a cell of 30,000 digits is no amount, and would overflow every check that adds it."""
    _sign, digits, exp = d.as_tuple()
    return isinstance(exp, int) and exp >= -20 and len(digits) <= 20 and d.adjusted() < 16


class Amounts:
    """The amount cells of one workbook, each distinct float or text read once. Equal values of those types
    read alike; not so ints (1 == 1.0 == True, which read differently), Decimals (1.0 == 1.00) or 0.0 (it
    equals -0.0, which reads "-0"): those are read every time."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[object, Parsed] = {}

    def cell(self, value: object) -> Parsed:
        """The value of an amount cell: as parse_amount reads it, but a number no spreadsheet can hold is
        reported as not an amount."""
        cls = value.__class__
        if cls is str or (cls is float and value):
            hit = self._seen.get(value)
            if hit is None:
                hit = self._seen[value] = _cell(parse_amount(value))
            return hit
        return _cell(parse_amount(value))


def _cell(parsed: Parsed) -> Parsed:
    if parsed.number and not holdable(parsed.value):
        return replace(parsed, value=None, number=False, decimals=0)
    return parsed
