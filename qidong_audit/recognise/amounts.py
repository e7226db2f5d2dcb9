"""Amount cells read once per workbook for each distinct value.

A workbook's figures recur across its tables (the 总表 totals are the other tables' totals; a 类 row's amount is
printed in the income, expenditure and 财政拨款 tables alike), and parsing is the costly part of reading a cell."""

from __future__ import annotations

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
        self._seen: dict[object, Fields] = {}

    def read(self, value: object) -> Fields:
        """How a non-blank amount cell reads: as parse_amount reads it, except that a number no spreadsheet can
        hold is not an amount."""
        cls = value.__class__
        if cls is float and value:
            hit = self._seen.get(value)
            if hit is None:
                hit = self._seen[value] = _float(value)
            return hit
        if cls is str:
            hit = self._seen.get(value)
            if hit is None:
                hit = self._seen[value] = _fields(parse_amount(value))
            return hit
        return _fields(parse_amount(value))


# (value, text, decimals, whether it is no amount, whether it is blank): what a cell keeps of its reading
Fields = tuple[Decimal | None, str, int, bool, bool]
BLANK: Fields = (None, "", 0, False, True)  # an empty cell


def _fields(parsed: Parsed) -> Fields:
    if parsed.number and not holdable(parsed.value):
        return (None, parsed.text, 0, True, False)
    return (parsed.value, parsed.text, parsed.decimals, not parsed.number and not parsed.blank, parsed.blank)


def _float(value: float) -> Fields:
    """parse_amount's reading of a float, the common case without its steps: a finite float prints in 15
    significant digits without an exponent ("1234.56", "-0.5", "12") below 10¹⁵ and from 10⁻⁴ on, and then that
    text is its reading — Decimal(text) is exact and has no trailing zeros (from_float's normalize changes
    nothing), its decimals are the digits after the point, and it is a holdable amount."""
    text = format(value, ".15g")
    if "e" in text or "n" in text:  # 1e+16, 5e-05, inf, nan: read as parse_amount does
        return _fields(parse_amount(value))
    dot = text.find(".")
    return (Decimal(text), text, 0 if dot < 0 else len(text) - dot - 1, False, False)
